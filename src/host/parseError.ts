// The error every parser throws on input it cannot read: it names the source and shows the
// start of the offending text, so a garbled or truncated output is a clear message, not a crash.
export class ParseError extends Error {
  constructor(
    readonly source: string,
    detail: string,
    sample?: string,
  ) {
    super(`${source}: ${detail}${sample !== undefined ? ` (near: ${JSON.stringify(sample.slice(0, 80))})` : ''}`);
    this.name = 'ParseError';
  }
}

/** JSON.parse that reports which tool's output was not JSON. */
export function parseJsonOutput(source: string, text: string): unknown {
  const trimmed = text.trim();
  if (trimmed === '') return [];
  try {
    return JSON.parse(trimmed);
  } catch (err) {
    throw new ParseError(source, `output is not valid JSON (${(err as Error).message})`, trimmed);
  }
}

export function expectArray(source: string, value: unknown): Record<string, unknown>[] {
  if (!Array.isArray(value)) throw new ParseError(source, 'expected a JSON array');
  return value.filter((v): v is Record<string, unknown> => typeof v === 'object' && v !== null);
}

export const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
export const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
export const obj = (v: unknown): Record<string, unknown> | undefined =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
