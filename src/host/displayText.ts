// Text from the host (container names, labels, aliases, image names, file contents a container
// controls) made safe to print to a terminal or show in a tree: control characters (ESC, BEL,
// CSI, C1, DEL) and the Unicode controls that reorder or hide text are replaced by '?', so a
// name cannot retitle the terminal, clear it, move the cursor or make one thing look like
// another. It sits in src/host, the lowest layer, because terminal banners (host), CLI text
// (render, cli) and tree labels (ui) all print through it.

// C0 (except those a block keeps), DEL, C1; bidi embeddings/overrides/isolates; marks that
// flip direction; zero-width characters and the BOM.
// eslint-disable-next-line no-control-regex
const LINE_UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/g;
// eslint-disable-next-line no-control-regex
const BLOCK_UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/g;

/** One line: every control character, newline included, becomes '?'. */
export function displayText(text: string): string {
  return text.replace(LINE_UNSAFE, '?');
}

/** Several lines: newlines and tabs stay (a CR-LF becomes a newline), every other control character becomes '?'. */
export function displayBlock(text: string): string {
  return text.replace(/\r\n/g, '\n').replace(BLOCK_UNSAFE, '?');
}

/** Whether text holds anything displayText would replace (for tests and assertions). */
export function hasControlCharacters(text: string): boolean {
  return new RegExp(LINE_UNSAFE.source).test(text);
}

/**
 * JSON for a terminal: JSON.stringify escapes C0 controls but leaves DEL, C1 and the Unicode
 * format controls raw; here those are \u-escaped too, so the data is unchanged when parsed.
 */
export function displayJson(value: unknown, indent = 2): string {
  return JSON.stringify(value, null, indent).replace(
    /[\u007f-\u009f\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2069\ufeff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
