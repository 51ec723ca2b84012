// Runs external tools with argument arrays (never a shell string) and a timeout, and says
// in words why a run failed, so a source can report "missing tool" or "needs privilege"
// instead of a stack trace.
//
// Every command is started as the leader of its own process group (detached), and a timeout
// or an output bound ends the whole group: the nsenter and iptables-save children of a batch's
// `sh`, or the root child of sudo (which relays the SIGTERM), are not left behind. Output is
// read by this module and cut at its bound: a tool that prints without end costs at most the
// bound in memory, never more.
import { spawn, type ChildProcess } from 'node:child_process';

export interface CommandResult {
  stdout: string;
  stderr: string;
  code: number;
}

export type CommandFailureKind = 'missing-tool' | 'permission' | 'timeout' | 'exit' | 'too-much-output';

export class CommandError extends Error {
  constructor(
    readonly kind: CommandFailureKind,
    readonly argv: readonly string[],
    message: string,
    /** What the command printed before it failed (on a timeout: what came before it). */
    readonly result?: CommandResult,
  ) {
    super(message);
    this.name = 'CommandError';
  }
}

export interface RunOptions {
  timeoutMs?: number;
  /** Largest stdout accepted: past it the process group is ended and the run fails as too-much-output. */
  maxBuffer?: number;
  /** Exit codes that count as success (default [0]). */
  okCodes?: number[];
  env?: NodeJS.ProcessEnv;
}

/** Signature shared by the real runner and test doubles. */
export type RunCommand = (argv: readonly string[], options?: RunOptions) => Promise<CommandResult>;

export const DEFAULT_TIMEOUT_MS = 10_000;
export const DEFAULT_MAX_OUTPUT = 64 * 1024 * 1024;
/** stderr is for messages: what is past this is dropped. */
const MAX_STDERR = 256 * 1024;
/** After SIGTERM, how long the group has before SIGKILL. */
const KILL_GRACE_MS = 1000;

const PERMISSION_PATTERNS = [
  /permission denied/i,
  /operation not permitted/i,
  /you must be root/i,
  /must be run as root/i,
  /a password is required/i,
  /sudo: .*not allowed/i,
  /is not in the sudoers file/i,
  /are not allowed to execute/i,
  /Could not fetch rule set generation id/i,
];

export function looksLikePermissionError(text: string): boolean {
  return PERMISSION_PATTERNS.some((re) => re.test(text));
}

/**
 * Ends a process group: SIGTERM to all of it (sudo passes it on to its root child, which this
 * user may not signal itself), then SIGKILL to whatever is left after a grace period.
 */
export function endProcessGroup(child: ChildProcess): void {
  const pid = child.pid;
  if (pid === undefined) return;
  const signal = (sig: NodeJS.Signals): void => {
    try {
      process.kill(-pid, sig);
    } catch {
      // the group is gone (or only members this user may not signal remain)
    }
  };
  signal('SIGTERM');
  setTimeout(() => signal('SIGKILL'), KILL_GRACE_MS).unref();
}

/** A started command: its own process group, stderr kept (bounded), the failure of the start itself. */
interface Started {
  child: ChildProcess;
  stderr: () => string;
  /** Resolves with the exit code (or the signal's number + 128) once the process and its pipes closed. */
  closed: Promise<{ code: number; signal: NodeJS.Signals | null }>;
}

/** Starts argv as the leader of a new process group; a start that fails at once is the CommandError it means. */
function start(argv: readonly string[], env: NodeJS.ProcessEnv | undefined): Started | CommandError {
  const [file, ...args] = argv;
  if (!file) return new CommandError('exit', argv, 'empty command');
  let child: ChildProcess;
  try {
    child = spawn(file, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: env ?? process.env });
  } catch (err) {
    return startError(err as NodeJS.ErrnoException, argv);
  }
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (d: string) => {
    if (stderr.length < MAX_STDERR) stderr += d.slice(0, MAX_STDERR - stderr.length);
  });
  const closed = new Promise<{ code: number; signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), signal }));
  });
  return { child, stderr: () => stderr, closed };
}

function startError(err: NodeJS.ErrnoException, argv: readonly string[]): CommandError {
  const file = argv[0] ?? '';
  if (err.code === 'ENOENT') return new CommandError('missing-tool', argv, `${file} is not installed (or not on PATH)`);
  if (err.code === 'EACCES') return new CommandError('permission', argv, `not allowed to run ${file}`);
  return new CommandError('exit', argv, `${argv.join(' ')}: ${err.message}`);
}

/** The error for an exit code outside okCodes, or a refusal (which counts even with an ok code: conntrack exits 1). */
function exitError(argv: readonly string[], result: CommandResult, okCodes: readonly number[]): CommandError | undefined {
  const refused = looksLikePermissionError(result.stderr);
  if (okCodes.includes(result.code) && !refused) return undefined;
  const firstLine = (result.stderr || result.stdout).trim().split('\n')[0] ?? '';
  return new CommandError(refused ? 'permission' : 'exit', argv, `${argv.join(' ')}: exit ${result.code}${firstLine ? `: ${firstLine}` : ''}`, result);
}

export const runCommand: RunCommand = (argv, options = {}) => {
  const timeout = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const max = options.maxBuffer ?? DEFAULT_MAX_OUTPUT;
  const shown = argv.join(' ');
  return new Promise((resolve, reject) => {
    const s = start(argv, options.env);
    if (s instanceof CommandError) return reject(s);
    const chunks: Buffer[] = [];
    let size = 0;
    let ended: CommandError | undefined;
    const stdout = (): string => Buffer.concat(chunks).toString('utf8');
    const end = (error: CommandError): void => {
      if (ended) return;
      ended = error;
      clearTimeout(timer);
      endProcessGroup(s.child);
      reject(error);
    };
    const timer = setTimeout(
      () => end(new CommandError('timeout', argv, `${shown}: no answer within ${timeout} ms`, { stdout: stdout(), stderr: s.stderr(), code: -1 })),
      timeout,
    );
    s.child.stdout?.on('data', (d: Buffer) => {
      if (ended) return;
      const room = max - size;
      if (d.length > room) {
        chunks.push(d.subarray(0, room));
        size = max;
        end(
          new CommandError('too-much-output', argv, `${shown}: output larger than the limit (${max} bytes); stopped there`, {
            stdout: stdout(),
            stderr: s.stderr(),
            code: -1,
          }),
        );
        return;
      }
      chunks.push(d);
      size += d.length;
    });
    s.closed.then(
      ({ code }) => {
        clearTimeout(timer);
        if (ended) return;
        const result = { stdout: stdout(), stderr: s.stderr(), code };
        const error = exitError(argv, result, options.okCodes ?? [0]);
        if (error) reject(error);
        else resolve(result);
      },
      (err: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        if (!ended) reject(startError(err, argv));
      },
    );
  });
};

export interface StreamOptions {
  timeoutMs?: number;
  /** Exit codes that count as success (default [0]). */
  okCodes?: number[];
  env?: NodeJS.ProcessEnv;
  /** A longer line is cut to this many characters (default 64 KiB). */
  maxLineLength?: number;
}

export interface StreamResult {
  /** Lines handed to onLine. */
  lines: number;
  /** onLine asked to stop: the process group was ended there, the rest never read. */
  stopped: boolean;
  stderr: string;
  /** The exit code; undefined when stopped. */
  code?: number;
}

/**
 * Runs argv and hands each stdout line to `onLine` as it comes, holding at most one line in
 * memory. When `onLine` returns false the process group is ended and the run resolves with
 * `stopped`; a timeout ends the group and rejects (lines already handed over stay handed over).
 */
export function streamCommand(argv: readonly string[], onLine: (line: string) => boolean, options: StreamOptions = {}): Promise<StreamResult> {
  const timeout = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxLine = options.maxLineLength ?? 64 * 1024;
  return new Promise((resolve, reject) => {
    const s = start(argv, options.env);
    if (s instanceof CommandError) return reject(s);
    let partial = '';
    let lines = 0;
    let done = false;
    const finish = (outcome: () => void): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      outcome();
    };
    const stop = (): void => {
      endProcessGroup(s.child);
      s.child.stdout?.destroy();
      finish(() => resolve({ lines, stopped: true, stderr: s.stderr() }));
    };
    const timer = setTimeout(() => {
      endProcessGroup(s.child);
      finish(() => reject(new CommandError('timeout', argv, `${argv.join(' ')}: no end within ${timeout} ms (${lines} lines read)`)));
    }, timeout);
    const deliver = (line: string): boolean => {
      lines++;
      try {
        return onLine(line.length > maxLine ? line.slice(0, maxLine) : line);
      } catch (err) {
        endProcessGroup(s.child);
        s.child.stdout?.destroy();
        finish(() => reject(err));
        return false;
      }
    };
    s.child.stdout?.setEncoding('utf8');
    s.child.stdout?.on('data', (d: string) => {
      if (done) return;
      partial += d;
      let nl: number;
      while ((nl = partial.indexOf('\n')) >= 0) {
        const line = partial.slice(0, nl);
        partial = partial.slice(nl + 1);
        if (!deliver(line)) {
          if (!done) stop();
          return;
        }
      }
      // A line with no end in sight: cut it, keep reading to its newline without holding it.
      if (partial.length > maxLine) partial = partial.slice(0, maxLine);
    });
    s.closed.then(
      ({ code }) => {
        if (done) return;
        if (partial !== '' && !deliver(partial)) {
          if (!done) finish(() => resolve({ lines, stopped: true, stderr: s.stderr() }));
          return;
        }
        finish(() => {
          const error = exitError(argv, { stdout: '', stderr: s.stderr(), code }, options.okCodes ?? [0]);
          if (error) reject(error);
          else resolve({ lines, stopped: false, stderr: s.stderr(), code });
        });
      },
      (err: NodeJS.ErrnoException) => finish(() => reject(startError(err, argv))),
    );
  });
}
