// One argv run in a pseudo-terminal (node-pty), started on demand by `open(cols, rows)`: the
// process under a VS Code Pseudoterminal. node-pty is a native module that may fail to load
// (no build for this platform, wrong ABI), so it is loaded lazily with a clear reason, and the
// UI can fall back to a plain terminal running the same argv. After the process has exited,
// write, resize and kill do nothing instead of throwing on a closed descriptor.
import { constants } from 'node:os';
import type * as NodePty from 'node-pty';

type NodePtyModule = typeof NodePty;
export type PtyAvailability = { ok: true } | { ok: false; reason: string };
type Loaded = { ok: true; pty: NodePtyModule } | { ok: false; reason: string };

let loaded: Loaded | undefined;

/** Loads node-pty with `load` (a stand-in in tests); never throws. */
export function loadPty(load: () => unknown): Loaded {
  try {
    const pty = load() as NodePtyModule;
    if (typeof pty?.spawn !== 'function') return { ok: false, reason: 'node-pty loaded but has no spawn()' };
    return { ok: true, pty };
  } catch (err) {
    const first = ((err as Error)?.message ?? String(err)).split('\n')[0];
    return { ok: false, reason: `node-pty could not be loaded: ${first}` };
  }
}

function nodePty(): Loaded {
  // A plain require, kept out of the bundle (esbuild marks node-pty external), so the native
  // module is looked up in node_modules at run time and a failure is caught here.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  loaded ??= loadPty(() => require('node-pty'));
  return loaded;
}

/** Whether terminals can run in a pty here; if not, why (for the fallback's message). */
export function ptyAvailable(): PtyAvailability {
  const l = nodePty();
  return l.ok ? { ok: true } : { ok: false, reason: l.reason };
}

export interface Disposable {
  dispose(): void;
}

export interface PtyOptions {
  cwd?: string;
  /** The environment of the process; default: this process's. */
  env?: NodeJS.ProcessEnv;
  /** TERM inside; default xterm-256color (what VS Code's terminal emulates). */
  term?: string;
  /** A node-pty stand-in, for tests; default: the real module. */
  pty?: NodePtyModule;
}

/** Exit of the process: its exit code, and the signal's name if a signal ended it. */
export type ExitListener = (code: number, signal: string | undefined) => void;

const SIGNAL_NAMES = new Map<number, string>(Object.entries(constants.signals).map(([name, num]) => [num, name]));

export class PtyProcess {
  private pty: NodePty.IPty | undefined;
  private exited = false;
  private readonly dataListeners = new Set<(data: string) => void>();
  private readonly exitListeners = new Set<ExitListener>();

  constructor(
    readonly argv: readonly string[],
    private readonly options: PtyOptions = {},
  ) {
    if (argv.length === 0) throw new Error('PtyProcess: empty argv');
  }

  /** Starts the process at this size. Once only; a second call does nothing. */
  open(cols: number, rows: number): void {
    if (this.pty || this.exited) return;
    let pty = this.options.pty;
    if (!pty) {
      const l = nodePty();
      if (!l.ok) throw new Error(l.reason);
      pty = l.pty;
    }
    const [file, ...args] = this.argv as [string, ...string[]];
    const env = Object.fromEntries(Object.entries(this.options.env ?? process.env).filter((e): e is [string, string] => e[1] !== undefined));
    this.pty = pty.spawn(file, args, {
      name: this.options.term ?? 'xterm-256color',
      cols: size(cols, 80),
      rows: size(rows, 24),
      cwd: this.options.cwd ?? process.cwd(),
      env,
    });
    this.pty.onData((d) => {
      for (const l of this.dataListeners) l(d);
    });
    this.pty.onExit(({ exitCode, signal }) => {
      this.exited = true;
      const name = signal ? (SIGNAL_NAMES.get(signal) ?? `signal ${signal}`) : undefined;
      for (const l of this.exitListeners) l(exitCode, name);
    });
  }

  onData(listener: (data: string) => void): Disposable {
    this.dataListeners.add(listener);
    return { dispose: () => this.dataListeners.delete(listener) };
  }

  onExit(listener: ExitListener): Disposable {
    this.exitListeners.add(listener);
    return { dispose: () => this.exitListeners.delete(listener) };
  }

  /** The started process's pid; undefined before open(). */
  get pid(): number | undefined {
    return this.pty?.pid;
  }

  /** Started and not yet exited. */
  get running(): boolean {
    return this.pty !== undefined && !this.exited;
  }

  write(data: string): void {
    if (!this.running) return;
    try {
      this.pty?.write(data);
    } catch {
      // it exited between the check and the write
    }
  }

  resize(cols: number, rows: number): void {
    if (!this.running) return;
    try {
      this.pty?.resize(size(cols, 80), size(rows, 24));
    } catch {
      // ioctl on a pty whose process just exited
    }
  }

  /**
   * Signals the process this object started, by its pid, and nothing else. SIGHUP by default:
   * what a closed terminal sends, and it ends interactive shells, which ignore SIGTERM; sudo
   * passes it on to its command, and tcpdump cleans up on it.
   */
  kill(signal: NodeJS.Signals = 'SIGHUP'): void {
    if (!this.running || this.pty === undefined) return;
    try {
      process.kill(this.pty.pid, signal);
    } catch {
      // already gone
    }
  }
}

function size(n: number, fallback: number): number {
  return Number.isFinite(n) && n >= 1 ? Math.floor(n) : fallback;
}
