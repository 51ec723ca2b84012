// The panel's header: title and read time, the scope / flow picker, the topology filter, and
// the buttons (refresh, exports, zoom). Built from vscode-elements so it looks like VS Code in
// every theme. Changes the user makes are reported through `ControlEvents`; what the host sent
// is shown with `show`, which never fires those events itself.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-progress-ring/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import type { VscodeSingleSelect } from '@vscode-elements/elements/dist/vscode-single-select/index.js';
import type { VscodeTextfield } from '@vscode-elements/elements/dist/vscode-textfield/index.js';
import { sameRequest, topologyDetail, type DiagramChoice, type DiagramRequest } from '../src/protocol.js';

export interface ControlEvents {
  request(request: DiagramRequest): void;
  refresh(): void;
  /** "Connection…": the host asks for source, destination and port. */
  pickConnection(): void;
  exportMermaid(): void;
  exportSvg(): void;
  zoomIn(): void;
  zoomOut(): void;
  fit(): void;
  actualSize(): void;
}

/** How long typing in the filter pauses before the filtered diagram is asked for. */
export const FILTER_DEBOUNCE_MS = 300;

/** The choice a request was made from: the same request, or for a filtered topology the same scope at the same level of detail. */
export function choiceIndex(request: DiagramRequest, choices: DiagramChoice[]): number {
  const exact = choices.findIndex((c) => sameRequest(c.request, request));
  if (exact >= 0 || request.kind !== 'topology') return exact;
  return choices.findIndex(
    (c) =>
      c.request.kind === 'topology' &&
      JSON.stringify(c.request.scope) === JSON.stringify(request.scope) &&
      topologyDetail(c.request) === topologyDetail(request),
  );
}

/** "read at 14:03:27" in the viewer's local time. */
export function readAtText(takenAt: string): string {
  const d = new Date(takenAt);
  if (Number.isNaN(d.getTime())) return '';
  const two = (n: number): string => String(n).padStart(2, '0');
  return `read at ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

const CURRENT = 'current';
const CONNECTION = 'connection';

export class Controls {
  readonly element: HTMLElement;
  private readonly title: HTMLElement;
  private readonly summary: HTMLElement;
  private readonly readAt: HTMLElement;
  private readonly select: VscodeSingleSelect;
  private readonly filter: VscodeTextfield;
  private readonly zoomLabel: HTMLElement;
  private readonly busy: HTMLElement;
  private readonly busyText: HTMLElement;
  private readonly exportButtons: HTMLElement[] = [];
  private choices: DiagramChoice[] = [];
  private choicesKey = '';
  private request: DiagramRequest | undefined;
  private filterTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly on: ControlEvents) {
    this.element = document.createElement('header');
    this.element.className = 'controls';

    const heading = document.createElement('div');
    heading.className = 'heading';
    this.title = document.createElement('h1');
    this.title.className = 'title';
    this.readAt = document.createElement('span');
    this.readAt.className = 'read-at';
    this.busy = document.createElement('span');
    this.busy.className = 'busy';
    this.busy.setAttribute('role', 'status');
    this.busy.hidden = true;
    const ring = document.createElement('vscode-progress-ring');
    ring.ariaLabel = 'Working';
    this.busyText = document.createElement('span');
    this.busy.append(ring, this.busyText);
    this.summary = document.createElement('p');
    this.summary.className = 'summary';
    this.summary.setAttribute('role', 'status');
    this.summary.hidden = true;
    heading.append(this.title, this.readAt, this.busy, this.summary);

    const pickers = document.createElement('div');
    pickers.className = 'pickers';
    this.select = document.createElement('vscode-single-select');
    this.select.className = 'picker';
    this.select.setAttribute('aria-label', 'Diagram: topology scope or packet path');
    this.select.addEventListener('change', () => this.onPick());
    this.filter = document.createElement('vscode-textfield');
    this.filter.className = 'filter';
    this.filter.placeholder = 'Filter: name, image, IP, network';
    this.filter.setAttribute('aria-label', 'Filter the topology');
    this.filter.hidden = true;
    this.filter.addEventListener('input', () => this.onFilterInput());
    this.filter.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') this.flushFilter();
    });
    pickers.append(this.select, this.filter);

    const actions = document.createElement('div');
    actions.className = 'actions';
    const zoom = document.createElement('div');
    zoom.className = 'zoom';
    zoom.setAttribute('role', 'group');
    zoom.setAttribute('aria-label', 'Zoom');
    this.zoomLabel = document.createElement('span');
    this.zoomLabel.className = 'zoom-level';
    this.zoomLabel.setAttribute('aria-live', 'polite');
    zoom.append(
      this.button('−', 'Zoom out (-)', () => this.on.zoomOut(), true),
      this.zoomLabel,
      this.button('+', 'Zoom in (+)', () => this.on.zoomIn(), true),
      this.button('Fit', 'Fit the diagram in the panel (0)', () => this.on.fit(), true),
      this.button('100%', 'Actual size', () => this.on.actualSize(), true),
    );
    const refresh = this.button('Refresh', 'Read the host again', () => this.on.refresh(), false);
    const exportMermaid = this.button('Export Mermaid', 'Open the Mermaid source in an editor', () => this.on.exportMermaid(), true);
    const exportSvg = this.button('Export SVG', 'Save the drawn diagram as an SVG file', () => this.on.exportSvg(), true);
    this.exportButtons.push(exportMermaid, exportSvg);
    actions.append(zoom, refresh, exportMermaid, exportSvg);

    this.element.append(heading, pickers, actions);
    this.setExportable(false);
  }

  private button(label: string, title: string, onClick: () => void, secondary: boolean): HTMLElement {
    const b = document.createElement('vscode-button');
    b.textContent = label;
    b.title = title;
    b.setAttribute('aria-label', title);
    if (secondary) b.setAttribute('secondary', '');
    b.addEventListener('click', onClick);
    return b;
  }

  /** Shows what the host sent with a diagram: title, time, picker entries, filter. */
  show(request: DiagramRequest, title: string, takenAt: string, choices: DiagramChoice[], summary?: string): void {
    this.request = request;
    this.title.textContent = title;
    // textContent: the summary quotes rule specs and names a container controls.
    this.summary.textContent = summary ?? '';
    this.summary.hidden = !summary;
    this.summary.classList.toggle('drop', /^(DROP|REJECT)\b/.test(summary ?? ''));
    this.readAt.textContent = readAtText(takenAt);
    this.readAt.title = takenAt;
    this.setChoices(choices, request, title);
    const topology = request.kind === 'topology';
    this.filter.hidden = !topology;
    // Typing wins over what the host echoes back: do not overwrite a pending edit.
    if (topology && this.filterTimer === undefined && this.filter.value !== request.filter) this.filter.value = request.filter;
  }

  private setChoices(choices: DiagramChoice[], request: DiagramRequest, title: string): void {
    const index = choiceIndex(request, choices);
    const value = index < 0 ? CURRENT : String(index);
    const key = JSON.stringify(choices) + (index < 0 ? `|${title}` : '') + `|${value}`;
    if (key !== this.choicesKey) {
      this.choicesKey = key;
      this.choices = choices;
      const options: HTMLElement[] = [];
      const option = (v: string, label: string, description?: string): void => {
        const o = document.createElement('vscode-option');
        o.value = v;
        o.textContent = label;
        if (description) o.description = description;
        // Marked selected as well as set as the value below: the select shows what is drawn even when it re-reads its options later.
        if (v === value) o.selected = true;
        options.push(o);
      };
      // What is drawn but not one of the entries (a connection, a container's own outbound flow): its title, first.
      if (index < 0) option(CURRENT, title);
      choices.forEach((c, i) => option(String(i), c.label, c.description));
      option(CONNECTION, 'Connection…', 'any flow: pick its source, destination and port');
      this.select.replaceChildren(...options);
    }
    if (this.select.value !== value) this.select.value = value;
    this.shownValue = value;
  }

  private shownValue = CURRENT;

  private onPick(): void {
    if (this.select.value === CONNECTION) {
      // Not a diagram of its own: put the picker back on what is drawn and let the host ask.
      this.select.value = this.shownValue;
      this.on.pickConnection();
      return;
    }
    const choice = this.choices[Number(this.select.value)];
    if (!choice || this.select.value === CURRENT) return;
    if (this.request && sameRequest(choice.request, this.request)) return;
    this.cancelFilter();
    this.on.request(choice.request);
  }

  private onFilterInput(): void {
    if (this.filterTimer !== undefined) clearTimeout(this.filterTimer);
    this.filterTimer = setTimeout(() => this.flushFilter(), FILTER_DEBOUNCE_MS);
  }

  private cancelFilter(): void {
    if (this.filterTimer !== undefined) clearTimeout(this.filterTimer);
    this.filterTimer = undefined;
  }

  private flushFilter(): void {
    this.cancelFilter();
    const current = this.request;
    if (current?.kind !== 'topology') return;
    const filter = this.filter.value.trim().slice(0, 200);
    if (filter === current.filter) return;
    // The level of detail stays: filtering "every interface" filters every interface.
    this.on.request({ kind: 'topology', scope: current.scope, filter, ...(current.detail ? { detail: current.detail } : {}) });
  }

  setZoom(scale: number): void {
    this.zoomLabel.textContent = `${Math.round(scale * 100)}%`;
  }

  setExportable(on: boolean): void {
    for (const b of this.exportButtons) b.toggleAttribute('disabled', !on);
  }

  /** A read or a render under way (undefined: none). */
  setBusy(message: string | undefined): void {
    this.busy.hidden = message === undefined;
    this.busyText.textContent = message ?? '';
  }
}
