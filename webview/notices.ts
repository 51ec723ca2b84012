// What the panel says in words around the drawing: the placeholder before the first diagram,
// the host's error with its fix, a failed render (with the Mermaid source, so the text can be
// inspected), and the diagram's notes. Every piece of text goes in through textContent.

export class Notices {
  /** Shown in place of the drawing: placeholder, error, failed render. */
  readonly message: HTMLElement;
  /** Shown under the drawing. */
  readonly notes: HTMLElement;
  private readonly heading: HTMLElement;
  private readonly detail: HTMLElement;
  private readonly fix: HTMLElement;
  private readonly source: HTMLDetailsElement;
  private readonly sourceText: HTMLElement;

  constructor() {
    this.message = document.createElement('section');
    this.message.className = 'message';
    this.message.setAttribute('role', 'status');
    this.heading = document.createElement('h2');
    this.detail = document.createElement('p');
    this.detail.className = 'detail';
    this.fix = document.createElement('pre');
    this.fix.className = 'fix';
    this.source = document.createElement('details');
    this.source.className = 'source';
    const summary = document.createElement('summary');
    summary.textContent = 'Mermaid source';
    this.sourceText = document.createElement('pre');
    this.source.append(summary, this.sourceText);
    this.message.append(this.heading, this.detail, this.fix, this.source);

    this.notes = document.createElement('ul');
    this.notes.className = 'notes';
    this.notes.setAttribute('aria-label', 'Notes');
    this.waiting('Waiting for the host…');
  }

  private set(kind: 'waiting' | 'error' | 'render-failed', heading: string, detail: string, fix?: string, source?: string): void {
    this.message.dataset.kind = kind;
    this.message.setAttribute('role', kind === 'waiting' ? 'status' : 'alert');
    this.heading.textContent = heading;
    this.detail.textContent = detail;
    this.detail.hidden = detail === '';
    this.fix.textContent = fix ?? '';
    this.fix.hidden = !fix;
    this.sourceText.textContent = source ?? '';
    this.source.hidden = source === undefined;
    this.source.open = false;
  }

  waiting(text: string): void {
    this.set('waiting', text, '');
  }

  /** The host could not produce a diagram. */
  error(message: string, fix?: string): void {
    this.set('error', 'No diagram', message, fix);
  }

  /** Mermaid could not draw the diagram the host sent. */
  renderFailed(message: string, mermaidText: string): void {
    this.set('render-failed', 'The diagram could not be drawn', message, undefined, mermaidText);
  }

  setNotes(notes: string[]): void {
    this.notes.replaceChildren(
      ...notes.map((n) => {
        const li = document.createElement('li');
        li.textContent = n;
        return li;
      }),
    );
    this.notes.hidden = notes.length === 0;
  }
}
