// The one privilege layer: as root, run directly; otherwise through the configured privilege
// command (default `sudo -n`, which never prompts); if that is refused, the caller reports
// "needs privilege" with the exact remedy from `remedy()`. Nothing is silently skipped.
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { userInfo } from 'node:os';
import { CommandError, type CommandResult, type RunCommand, type RunOptions } from './commandRunner';
import type { PrivilegeMode } from './hostSnapshot';

export const DEFAULT_PRIVILEGE_COMMAND = ['sudo', '-n'];

/** Finds an executable on PATH (and the sbin folders, which non-root PATHs often lack). */
export function findExecutable(name: string, pathEnv = process.env.PATH ?? ''): string | undefined {
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

  /** Whether privileged commands can still be tried. */
  get usable(): boolean {
    return this.mode === 'root' || (this.mode === 'sudo' && this.refusedReason === undefined);
  }

  /**
   * Runs argv with root rights. Tools are resolved to absolute paths first, because sudoers
   * rules name paths and a non-root PATH often lacks /usr/sbin.
   */
  async runPrivileged(argv: readonly string[], options?: RunOptions): Promise<CommandResult> {
    const [tool, ...rest] = argv;
    if (!tool) throw new CommandError('exit', argv, 'empty command');
    const resolved = tool.startsWith('/') ? tool : findExecutable(tool);
    if (!resolved) throw new CommandError('missing-tool', argv, `${tool} is not installed (or not on PATH)`);
    if (this.mode === 'root') return this.run([resolved, ...rest], options);
    if (this.mode === 'none' || this.refusedReason !== undefined) {
      throw new CommandError('permission', argv, this.refusedReason ?? `${tool} needs root and no privilege command is available`);
    }
    try {
      return await this.run([...this.command, resolved, ...rest], options);
    } catch (err) {
      if (err instanceof CommandError && err.kind === 'permission') this.refusedReason = `${this.command.join(' ')} refused: ${err.message}`;
      throw err;
    }
  }

  /** The exact fix for a source that needs root, naming the tools it runs. */
  remedy(tools: readonly string[]): string {
    const paths = tools.map((t) => findExecutable(t) ?? t);
    return (
      `Run as root, or let ${this.user} run these without a password: ` +
      `echo '${this.user} ALL=(root) NOPASSWD: ${paths.join(', ')}' | sudo tee /etc/sudoers.d/container-net` +
      ` (or set containerNet.privilegeCommand).`
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
