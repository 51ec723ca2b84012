// The one privilege layer: as root, run directly; otherwise through the configured privilege
// command (default `sudo -n`, which never prompts); if that is refused, the caller reports
// "needs privilege" with the exact remedy from `remedy()`. Nothing is silently skipped.
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { userInfo } from 'node:os';
import { batchError, runPerItemBatch } from './commandBatch';
import { CommandError, streamCommand, type CommandResult, type RunCommand, type RunOptions, type StreamOptions, type StreamResult } from './commandRunner';
import { mapLimit } from './mapLimit';
import { sudoersLine } from './sudoersRule';
import type { PrivilegeMode } from '../snapshot/hostSnapshot';

export const DEFAULT_PRIVILEGE_COMMAND = ['sudo', '-n'];

/** Finds an executable on PATH (and the sbin folders, which non-root PATHs often lack). */
export function findExecutable(name: string, pathEnv = process.env.PATH ?? ''): string | undefined {
  if (name.includes('/')) {
    try {
      accessSync(name, constants.X_OK);
      return name;
    } catch {
      return undefined;
    }
  }
  const dirs = [...pathEnv.split(delimiter), '/usr/local/sbin', '/usr/sbin', '/sbin'];
  for (const dir of dirs) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

export class Privilege {
  /** Set once a privileged run was refused, so later reads say so without trying again. */
  private refusedReason: string | undefined;

  constructor(
    readonly mode: PrivilegeMode,
    private readonly run: RunCommand,
    readonly command: readonly string[] = DEFAULT_PRIVILEGE_COMMAND,
    readonly user: string = safeUserName(),
  ) {}

  static detect(run: RunCommand, command: readonly string[] = DEFAULT_PRIVILEGE_COMMAND): Privilege {
    const uid = typeof process.getuid === 'function' ? process.getuid() : -1;
    if (uid === 0) return new Privilege('root', run, command);
    const tool = command[0];
    const available = tool !== undefined && findExecutable(tool) !== undefined;
    return new Privilege(available ? 'sudo' : 'none', run, command);
  }

  get isRoot(): boolean {
    return this.mode === 'root';
  }

  /** How a privileged read is done, for a source's `via`. */
  get via(): string {
    return this.mode === 'root' ? 'root' : this.mode === 'sudo' ? this.command.join(' ') : 'unprivileged';
  }

  /** Forgets an earlier refusal (the user may have fixed sudoers): the next read tries again. */
  retry(): void {
    this.refusedReason = undefined;
  }

  /** Whether privileged commands can still be tried. */
  get usable(): boolean {
    return this.mode === 'root' || (this.mode === 'sudo' && this.refusedReason === undefined);
  }

  /**
   * argv as it runs with root rights: the tool resolved to an absolute path first (sudoers
   * rules name paths and a non-root PATH often lacks /usr/sbin), behind the privilege command
   * when not root. Throws when it cannot run at all.
   */
  private privilegedArgv(argv: readonly string[]): string[] {
    const [tool, ...rest] = argv;
    if (!tool) throw new CommandError('exit', argv, 'empty command');
    const resolved = tool.startsWith('/') ? tool : findExecutable(tool);
    if (!resolved) throw new CommandError('missing-tool', argv, `${tool} is not installed (or not on PATH)`);
    if (this.mode === 'root') return [resolved, ...rest];
    if (this.mode === 'none' || this.refusedReason !== undefined) {
      throw new CommandError('permission', argv, this.refusedReason ?? `${tool} needs root and no privilege command is available`);
    }
    return [...this.command, resolved, ...rest];
  }

  /** Runs `started`; a refusal of the privilege command is remembered (see usable). */
  private async remembering<T>(started: Promise<T>): Promise<T> {
    try {
      return await started;
    } catch (err) {
      if (this.mode === 'sudo' && err instanceof CommandError && err.kind === 'permission')
        this.refusedReason = `${this.command.join(' ')} refused: ${err.message}`;
      throw err;
    }
  }

  /** Runs argv with root rights (see privilegedArgv). */
  async runPrivileged(argv: readonly string[], options?: RunOptions): Promise<CommandResult> {
    return this.remembering(this.run(this.privilegedArgv(argv), options));
  }

  /**
   * Streams argv's output line by line with root rights (see streamCommand): for output that
   * can be huge (conntrack), read as it comes and stopped at a limit.
   */
  async streamPrivileged(argv: readonly string[], onLine: (line: string) => boolean, options?: StreamOptions): Promise<StreamResult> {
    return this.remembering(streamCommand(this.privilegedArgv(argv), onLine, options));
  }

  /**
   * Runs each argv once per item (`{}` in an argument stands for the item), with root rights.
   * As root, all of it runs in `parallel` shells, one per share of the items, instead of a
   * process per item; through sudo each command runs on its own, so sudoers rules that name
   * the tools still apply. Per item and argv: the result, or the error it ended with.
   */
  async runPrivilegedEach(
    argvs: readonly (readonly string[])[],
    items: readonly string[],
    options?: RunOptions,
    parallel = 2,
  ): Promise<(CommandResult | CommandError)[][]> {
    if (this.mode === 'root') {
      const resolved = argvs.map((argv) => {
        const [tool, ...rest] = argv;
        const path = tool && !tool.startsWith('/') ? findExecutable(tool) : tool;
        if (!path) throw new CommandError('missing-tool', argv, `${tool} is not installed (or not on PATH)`);
        return [path, ...rest];
      });
      // At most 16 items per shell, so one slow namespace costs one chunk's timeout, not all;
      // a chunk that fails (its whole process group ended on the timeout) keeps the results
      // of the commands that had finished, and each of the others carries its own error.
      const size = Math.min(16, Math.max(1, Math.ceil(items.length / parallel)));
      const chunks: string[][] = [];
      for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
      const done = await mapLimit(chunks, parallel, (chunk) => runPerItemBatch(this.run, resolved, chunk, options));
      return done.flat().map((row, i) =>
        row.map(
          (r, j) =>
            batchError(
              ((argvs[j] ?? []) as string[]).map((a) => a.split('{}').join(items[i] ?? '')),
              r,
            ) ?? r,
        ),
      );
    }
    return mapLimit(items, parallel * 4, (item) =>
      Promise.all(
        argvs.map((argv) =>
          this.runPrivileged(
            argv.map((a) => a.split('{}').join(item)),
            options,
          ).catch((err: unknown) => {
            if (err instanceof CommandError) return err;
            throw err;
          }),
        ),
      ),
    );
  }

  /**
   * The fix for reads that need root. Its sudoers line names every command the snapshot runs
   * as root (not only this source's), so applying it once covers them all, each pinned to
   * its arguments (sudoersRule.ts), and it says plainly what cannot be pinned.
   */
  remedy(): string {
    const line = sudoersLine(this.user, (t) => findExecutable(t) ?? `/usr/sbin/${t}`);
    return (
      `Run as root, or let ${this.user} run the reading commands without a password: ` +
      `sudo visudo -f /etc/sudoers.d/container-net and add the line "${line}". ` +
      `Each command is pinned to the arguments the extension uses; nsenter's are regular expressions (sudo 1.9.10 or later), ` +
      `which cannot pin which process's network namespace is entered (the reads there are read-only). Or set containerNet.privilegeCommand.`
    );
  }
}

function safeUserName(): string {
  try {
    return userInfo().username;
  } catch {
    return String(typeof process.getuid === 'function' ? process.getuid() : 'user');
  }
}
