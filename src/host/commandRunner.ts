// Runs external tools with argument arrays (never a shell string) and a timeout, and says
// in words why a run failed, so a source can report "missing tool" or "needs privilege"
// instead of a stack trace.
import { execFile } from 'node:child_process';

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
    readonly result?: CommandResult,
  ) {
    super(message);
    this.name = 'CommandError';
  }
}

export interface RunOptions {
  timeoutMs?: number;
  /** Largest stdout accepted before the run is treated as failed. */
  maxBuffer?: number;
  /** Exit codes that count as success (default [0]). */
  okCodes?: number[];
  env?: NodeJS.ProcessEnv;
}

/** Signature shared by the real runner and test doubles. */
export type RunCommand = (argv: readonly string[], options?: RunOptions) => Promise<CommandResult>;

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

export const runCommand: RunCommand = (argv, options = {}) => {
  const [file, ...args] = argv;
  if (!file) return Promise.reject(new CommandError('exit', argv, 'empty command'));
  const timeout = options.timeoutMs ?? 10_000;
  const okCodes = options.okCodes ?? [0];
  return new Promise((resolve, reject) => {
    execFile(
      file,
      args,
      { timeout, maxBuffer: options.maxBuffer ?? 64 * 1024 * 1024, env: options.env ?? process.env, encoding: 'utf8' },
      (error, stdout, stderr) => {
        if (!error) return resolve({ stdout, stderr, code: 0 });
        const e = error as NodeJS.ErrnoException & { killed?: boolean; signal?: string; code?: number | string };
        const shown = argv.join(' ');
        if (e.code === 'ENOENT') {
          return reject(new CommandError('missing-tool', argv, `${file} is not installed (or not on PATH)`));
        }
        if (e.code === 'EACCES') {
          return reject(new CommandError('permission', argv, `not allowed to run ${file}`));
        }
        if (e.code === 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER') {
          return reject(new CommandError('too-much-output', argv, `${shown}: output larger than the limit`));
        }
        if (e.killed || e.signal === 'SIGTERM') {
          return reject(new CommandError('timeout', argv, `${shown}: no answer within ${timeout} ms`));
        }
        const code = typeof e.code === 'number' ? e.code : 1;
        const result = { stdout, stderr, code };
        // A refusal is a refusal even with an exit code the caller tolerates (conntrack exits 1).
        const refused = looksLikePermissionError(stderr);
        if (okCodes.includes(code) && !refused) return resolve(result);
        const firstLine = (stderr || stdout).trim().split('\n')[0] ?? '';
        const kind: CommandFailureKind = refused ? 'permission' : 'exit';
        reject(new CommandError(kind, argv, `${shown}: exit ${code}${firstLine ? `: ${firstLine}` : ''}`, result));
      },
    );
  });
};
