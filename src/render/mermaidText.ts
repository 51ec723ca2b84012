// Writing Mermaid flowchart text safely. Every piece of text that reaches a label comes from
// the host (container names, interface names, rule comments: untrusted) and is escaped here:
// anything but letters, digits, space and . _ / @ = + , : ( ) ! ? ' - (and # where it cannot
// start an entity) becomes a Mermaid entity code (`#60;`), which Mermaid turns into an HTML
// character reference when it draws the label, so the browser shows the character and never
// parses it as markup. " -> " is drawn as an arrow (it must not wrap between - and >). Node ids are generated
// (letters and digits), never taken from names, so no name can become Mermaid syntax.

const SAFE = /[A-Za-z0-9 ._/@=+,:()!?'-]/;

/** One line of label text, escaped for a quoted Mermaid label. */
export function escapeLabel(text: string): string {
  let out = '';
  const chars = Array.from(text.replace(/ -> /g, ' \u2192 '));
  for (const [i, ch] of chars.entries()) {
    // `#` is Mermaid's entity marker only when a word and `;` follow it (`#quot;`).
    if (ch === '#' && !/^\w+;/.test(chars.slice(i + 1, i + 40).join(''))) out += ch;
    else if (SAFE.test(ch)) out += ch;
    else if (ch === '\n' || ch === '\r' || ch === '\t') out += ' ';
    else out += `#${ch.codePointAt(0)};`;
  }
  // Mermaid rewrites `style ...:...#x;` and `classDef ...:...#x;` anywhere in the text before
  // parsing (it takes them for colour definitions): keep those words out of labels.
  out = out.replace(/style/g, '#115;tyle').replace(/classDef/g, '#99;lassDef');
  // Leading/trailing spaces and runs of them are harmless but noisy.
  return out.replace(/ {2,}/g, ' ').trim();
}

/** Several lines of label text: each escaped, joined by Mermaid's line break. */
export function labelLines(lines: (string | undefined)[]): string {
  return lines
    .filter((l): l is string => l !== undefined && l !== '')
    .map(escapeLabel)
    .join('<br/>');
}

export type NodeShape = 'rect' | 'round' | 'stadium' | 'hexagon' | 'diamond' | 'subroutine' | 'cylinder';

const SHAPES: Record<NodeShape, [string, string]> = {
  rect: ['["', '"]'],
  round: ['("', '")'],
  stadium: ['(["', '"])'],
  hexagon: ['{{"', '"}}'],
  diamond: ['{"', '"}'],
  subroutine: ['[["', '"]]'],
  cylinder: ['[("', '")]'],
};

/** `invisible` (`~~~`) draws nothing: it only places its end below (or beside) its start. */
export type EdgeStyle = 'solid' | 'dotted' | 'thick' | 'line' | 'thickLine' | 'invisible';

const ID = /^[A-Z][A-Za-z0-9_]*$/;
const RESERVED = new Set(['end', 'graph', 'flowchart', 'subgraph', 'style', 'class', 'classDef', 'click', 'default', 'linkStyle', 'direction']);

function checkId(id: string): string {
  if (!ID.test(id) || RESERVED.has(id)) throw new Error(`mermaid: bad node id ${JSON.stringify(id)}`);
  return id;
}

/** Builds a flowchart line by line, counting what Mermaid limits (edges, text size). */
export class FlowchartBuilder {
  private readonly lines: string[];
  /** Edges go after every node and subgraph, at top level: an edge written inside a subgraph block pulls both its nodes into that subgraph. */
  private readonly edges: string[] = [];
  private readonly edgesBetween = new Map<string, number>();
  private depth = 1;
  private readonly ids = new Set<string>();
  private readonly classes = new Map<string, string[]>();
  nodeCount = 0;
  edgeCount = 0;

  constructor(direction: 'LR' | 'TB' | 'RL' | 'BT') {
    this.lines = [`flowchart ${direction}`];
  }

  private push(line: string): void {
    this.lines.push(`${'  '.repeat(this.depth)}${line}`);
  }

  /** A node; `label` is already escaped (use labelLines). */
  node(id: string, shape: NodeShape, label: string, cls?: string | string[]): string {
    checkId(id);
    if (this.ids.has(id)) throw new Error(`mermaid: node id ${id} used twice`);
    this.ids.add(id);
    this.nodeCount++;
    const [open, close] = SHAPES[shape];
    this.push(`${id}${open}${label}${close}`);
    for (const c of cls === undefined ? [] : Array.isArray(cls) ? cls : [cls]) this.addClass(id, c);
    return id;
  }

  has(id: string): boolean {
    return this.ids.has(id);
  }

  /**
   * An edge. Returns the id Mermaid gives its label (`L_<from>_<to>_<n>`, n = 0 for the first
   * edge between the same two ends, then 2, 3...), which the drawn label carries as `data-id`: a label can then
   * stand for something, as a node does.
   */
  edge(from: string, to: string, label?: string, style: EdgeStyle = 'solid'): string {
    checkId(from);
    checkId(to);
    this.edgeCount++;
    const pair = `${from}\u0000${to}`;
    const n = this.edgesBetween.get(pair) ?? 0;
    this.edgesBetween.set(pair, n + 1);
    const arrow =
      style === 'dotted'
        ? '-.->'
        : style === 'thick'
          ? '==>'
          : style === 'line'
            ? '---'
            : style === 'thickLine'
              ? '==='
              : style === 'invisible'
                ? '~~~'
                : '-->';
    this.edges.push(`  ${label ? `${from} ${arrow}|"${label}"| ${to}` : `${from} ${arrow} ${to}`}`);
    // Mermaid 12 numbers them 0, 2, 3... (a second edge gets `existingLinks.length + 1`).
    return `L_${from}_${to}_${n === 0 ? 0 : n + 1}`;
  }

  /** A subgraph around what `body` adds; `title` is already escaped. */
  subgraph(id: string, title: string, body: () => void, cls?: string, direction?: 'LR' | 'TB'): void {
    checkId(id);
    if (this.ids.has(id)) throw new Error(`mermaid: subgraph id ${id} used twice`);
    this.ids.add(id);
    this.push(`subgraph ${id}["${title}"]`);
    this.depth++;
    // Mermaid honours a subgraph's own direction only when no edge crosses its border.
    if (direction) this.push(`direction ${direction}`);
    body();
    this.depth--;
    this.push('end');
    if (cls) this.addClass(id, cls);
  }

  addClass(id: string, cls: string): void {
    if (!/^[a-z][A-Za-z0-9]*$/.test(cls)) throw new Error(`mermaid: bad class ${cls}`);
    const ids = this.classes.get(cls) ?? [];
    ids.push(id);
    this.classes.set(cls, ids);
  }

  idsWithClass(cls: string): string[] {
    return [...(this.classes.get(cls) ?? [])];
  }

  /** The text, with class definitions (styling itself comes from the panel's theme-aware CSS). */
  text(classDefs: Record<string, string> = {}): string {
    const out = [...this.lines, ...this.edges];
    for (const [cls, style] of Object.entries(classDefs)) out.push(`  classDef ${cls} ${style}`);
    for (const [cls, ids] of this.classes) {
      // One `class` statement per 50 ids keeps lines short.
      for (let i = 0; i < ids.length; i += 50) out.push(`  class ${ids.slice(i, i + 50).join(',')} ${cls}`);
    }
    return `${out.join('\n')}\n`;
  }
}
