// A terminal that prints text the extension read itself (a container's resolv.conf) instead of
// running a process: the banner, the text with control characters already replaced, and a
// line that any key closes it. No process, so node-pty is not needed.
import * as vscode from 'vscode';
import { displayBlock } from '../host/displayText';

export class TextPseudoterminal implements vscode.Pseudoterminal {
  private readonly written = new vscode.EventEmitter<string>();
  private readonly closed = new vscode.EventEmitter<number | void>();
  readonly onDidWrite = this.written.event;
  readonly onDidClose = this.closed.event;

  constructor(
    private readonly banner: string,
    private readonly text: Promise<string>,
  ) {}

  open(): void {
    const crlf = (t: string): string => displayBlock(t).replace(/\n/g, '\r\n');
    this.written.fire(`\x1b[2m${crlf(this.banner)}\x1b[0m\r\n`);
    this.text.then(
      (t) => this.written.fire(`${crlf(t)}\r\n\x1b[2m[press any key to close]\x1b[0m\r\n`),
      (err: unknown) => this.written.fire(`\x1b[31m${crlf((err as Error)?.message ?? String(err))}\x1b[0m\r\n\x1b[2m[press any key to close]\x1b[0m\r\n`),
    );
  }

  handleInput(): void {
    this.closed.fire(0);
  }

  close(): void {
    // nothing runs
  }
}
