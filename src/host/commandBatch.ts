// Many reads in one process. Starting a process from Node costs more than the tools' own work
// (fork of a large process on the event loop), so commands that need no names at all run as
// one fixed `sh -c` script, and per-namespace commands run as one script looping over its
// arguments. Names (pids, paths) are only ever passed as arguments, never spliced into the
// script. Each command's output is followed by a marker line carrying its exit status.
import { randomBytes } from 'node:crypto';
import { CommandError, looksLikePermissionError, type CommandResult, type RunCommand, type RunOptions } from './commandRunner';

/**
 * The marker line after each command's output. A fresh random nonce per batch, passed to the
 * script as $1, so output a container controls (an iptables comment, say) cannot forge one.
 */
function newMark(): string {
  return `@@cnd-batch-${randomBytes(12).toString('hex')}@@`;
}

export interface BatchPart {
  output: string;
  code: number;
}

/** The complete parts of a batch's stdout, split at the marker lines (`\nMARK CODE\n`); what follows the last marker is not a part. */
export function batchParts(stdout: string, mark: string): BatchPart[] {
  const parts: BatchPart[] = [];
  let rest = stdout;
  for (;;) {
    const at = rest.indexOf(`\n${mark} `);
    if (at < 0) break;
    const end = rest.indexOf('\n', at + 1);
    const line = rest.slice(at + 1, end < 0 ? undefined : end);
    parts.push({ output: rest.slice(0, at), code: Number(line.slice(mark.length + 1)) });
    rest = end < 0 ? '' : rest.slice(end + 1);
  }
  return parts;
}

/**
 * Runs a batch script and returns one outcome per command, in order. When the batch itself
 * fails (a timeout ends its whole process group, or its output passes the bound), the
 * commands that had finished keep their results; the one that was running gets the batch's
 * error, named with its own argv, and those never started say so.
 */
async function runBatch(
  run: RunCommand,
  script: readonly string[],
  argvs: readonly (readonly string[])[],
  mark: string,
  options?: RunOptions,
): Promise<(CommandResult | CommandError)[]> {
  let stdout: string;
  let failure: CommandError | undefined;
  try {
    stdout = (await run(script, options)).stdout;
  } catch (err) {
    if (!(err instanceof CommandError)) throw err;
    failure = err;
    stdout = err.result?.stdout ?? '';
  }
  const parts = batchParts(stdout, mark).slice(0, argvs.length);
  const out: (CommandResult | CommandError)[] = parts.map((p) => ({ stdout: p.output, stderr: p.code === 0 ? '' : p.output, code: p.code }));
  for (let i = out.length; i < argvs.length; i++) {
    const argv = argvs[i] as readonly string[];
    if (!failure) out.push(new CommandError('exit', argv, `${argv.join(' ')}: the batch ended before it ran`));
    else if (i === parts.length)
      out.push(
        new CommandError(failure.kind, argv, `${argv.join(' ')}: ${failure.kind === 'timeout' ? 'no answer in time; ended with its batch' : failure.message}`),
      );
    else out.push(new CommandError(failure.kind, argv, `${argv.join(' ')}: not run (an earlier command of its batch failed: ${failure.kind})`));
  }
  return out;
}

/** Shell-quotes a constant piece of an argument. */
function quote(piece: string): string {
  return piece === '' || /^[\w@%+=:,./-]+$/.test(piece) ? piece : `'${piece.replace(/'/g, `'\\''`)}'`;
}

/**
 * One line of the script: the command, its stderr folded into its output, then the marker
 * with its status. `{}` inside an argument stands for the loop's current item ("$x").
 */
function scriptLine(argv: readonly string[]): string {
  const args = argv.map((a) => a.split('{}').map(quote).join('"$x"'));
  return `${args.join(' ')} 2>&1; printf '\\n%s %s\\n' "$m" "$?"`;
}

/** Runs constant commands in one shell; each outcome as if run alone (see runBatch). */
export async function runFixedBatch(
  run: RunCommand,
  commands: readonly (readonly string[])[],
  options?: RunOptions,
): Promise<(CommandResult | CommandError)[]> {
  const mark = newMark();
  return runBatch(run, ['sh', '-c', `m=$1\n${commands.map(scriptLine).join('\n')}`, 'sh', mark], commands, mark, options);
}

/**
 * Runs `argv` once per item, with the item in place of every `{}` argument, in one shell:
 * `for x do ...; done` over the items given as arguments. Per item and argv: the result, or
 * the error it ended with (see runBatch).
 */
export async function runPerItemBatch(
  run: RunCommand,
  argvs: readonly (readonly string[])[],
  items: readonly string[],
  options?: RunOptions,
): Promise<(CommandResult | CommandError)[][]> {
  if (items.length === 0) return [];
  const body = argvs.map(scriptLine).join('\n');
  const mark = newMark();
  const each = items.flatMap((item) => argvs.map((argv) => argv.map((a) => a.split('{}').join(item))));
  const flat = await runBatch(run, ['sh', '-c', `m=$1; shift\nfor x do\n${body}\ndone`, 'sh', mark, ...items], each, mark, options);
  return items.map((_, i) => argvs.map((_a, j) => flat[i * argvs.length + j] as CommandResult | CommandError));
}

/** The CommandError a batched command would have thrown on its own (argv with the item in place). */
export function batchError(argv: readonly string[], result: CommandResult | CommandError): CommandError | undefined {
  if (result instanceof CommandError) return result;
  if (result.code === 0) return undefined;
  const text = result.stdout.trim();
  const first = text.split('\n')[0] ?? '';
  const notFound = /sh: \d*:? ?(\S+): not found/.exec(text)?.[1] ?? /failed to execute (\S+?):? No such file/.exec(text)?.[1];
  if (result.code === 127 && notFound)
    return new CommandError('missing-tool', [notFound.replace(/^.*\//, ''), ...argv.slice(1)], `${notFound} is not installed (or not on PATH)`);
  const kind = looksLikePermissionError(text) ? 'permission' : 'exit';
  return new CommandError(kind, argv, `${argv.join(' ')}: exit ${result.code}${first ? `: ${first}` : ''}`, result);
}
