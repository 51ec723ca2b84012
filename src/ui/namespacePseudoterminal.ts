// A vscode.Pseudoterminal backed by a PtyProcess: the process starts when VS Code opens the
// terminal (with its real size), input and resizes pass through, the exit status is shown,
// and closing the terminal ends the process.
import * as vscode from 'vscode';
import { watchCaptureLimits } from '../host/captureFile';
import { displayText } from '../host/displayText';
import { PtyProcess } from '../host/ptyProcess';
import type { TerminalPlan } from '../host/namespaceTerminal';

export class NamespacePseudoterminal implements vscode.Pseudoterminal {
  private readonly written = new vscode.EventEmitter<string>();
  private readonly closed = new vscode.EventEmitter<number | void>();
  readonly onDidWrite = this.written.event;
  readonly onDidClose = this.closed.event;
  private readonly process: PtyProcess;
  private exitCode: number | undefined;

  constructor(
    private readonly plan: TerminalPlan,
    private readonly onExit?: (code: number) => void,
  ) {
    this.process = new PtyProcess(plan.argv);
  }

  open(dimensions: vscode.TerminalDimensions | undefined): void {
    // The banner says where this runs, the notes, and the exact command.
    this.written.fire(`\x1b[2m${this.plan.banner.replace(/\n/g, '\r\n')}\x1b[0m\r\n`);
    this.process.onData((d) => this.written.fire(d));
    // The terminal stays open after the process ends, so its exit status can be read; any key
    // closes it (as VS Code does for tasks).
    this.process.onExit((code, signal) => {
      this.exitCode = code;
      this.written.fire(`\r\n\x1b[2m[process exited${signal ? ` on ${signal}` : ''} with code ${code}; press any key to close]\x1b[0m\r\n`);
      this.onExit?.(code);
    });
    // A capture to a file ends at its time and size limits, with the reason shown.
    const stopAfter = this.plan.stopAfter;
    if (stopAfter) {
      const cancel = watchCaptureLimits(stopAfter, (reason) => {
        this.written.fire(`\r\n\x1b[33m[capture stopped: ${displayText(reason)}]\x1b[0m\r\n`);
        this.process.kill();
      });
      this.process.onExit(() => cancel());
    }
    try {
      this.process.open(dimensions?.columns ?? 80, dimensions?.rows ?? 24);
    } catch (err) {
      this.written.fire(`\x1b[31mcould not start ${this.plan.argv[0]}: ${(err as Error).message}\x1b[0m\r\n`);
      this.closed.fire(1);
    }
  }

  handleInput(data: string): void {
    if (this.exitCode !== undefined) this.closed.fire(this.exitCode);
    else this.process.write(data);
  }

  setDimensions(dimensions: vscode.TerminalDimensions): void {
    this.process.resize(dimensions.columns, dimensions.rows);
  }

  close(): void {
    this.process.kill();
  }
}
