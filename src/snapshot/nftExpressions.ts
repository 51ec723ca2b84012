// nftables expressions as `nft -j` gives them (the JSON kept in the snapshot), read and
// printed the way `nft list` prints them. Shared by the reader (src/host/nftRuleset.ts) and the
// reasoning that evaluates or attributes nft rules (src/model).
import type { NftJson } from './hostSnapshot';

export const isObject = (v: NftJson | undefined): v is { [key: string]: NftJson } => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The one key of an nft JSON object (`{"match": {...}}` -> ["match", {...}]). */
export function exprKind(e: NftJson | undefined): [string, NftJson] | undefined {
  if (!isObject(e)) return undefined;
  const keys = Object.keys(e);
  if (keys.length !== 1) return undefined;
  const key = keys[0] as string;
  return [key, e[key] as NftJson];
}

function quoted(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** A value or selector: `ip daddr`, `192.0.2.0/24`, `{ 80, 443 }`, `@set`, `ct state`... */
export function valueText(v: NftJson | undefined, quoteStrings = false): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v.startsWith('@') || !quoteStrings ? v : quoted(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return v.map((x) => valueText(x, quoteStrings)).join(',');
  const kind = exprKind(v);
  if (!kind) return JSON.stringify(v);
  const [key, body] = kind;
  const b = isObject(body) ? body : {};
  switch (key) {
    case 'payload':
      return b.protocol !== undefined ? `${valueText(b.protocol)} ${valueText(b.field)}` : `@${valueText(b.base)},${valueText(b.offset)},${valueText(b.len)}`;
    case 'meta':
      return `meta ${valueText(b.key)}`;
    case 'ct':
      return `ct ${b.dir !== undefined ? `${valueText(b.dir)} ` : ''}${valueText(b.key)}`;
    case 'fib':
      return `fib ${Array.isArray(b.flags) ? b.flags.map((f) => valueText(f)).join(' . ') : valueText(b.flags)} ${valueText(b.result)}`;
    case 'prefix':
      return `${valueText(b.addr)}/${valueText(b.len)}`;
    case 'range':
      return Array.isArray(body) ? `${valueText(body[0])}-${valueText(body[1])}` : JSON.stringify(v);
    case 'set':
      return Array.isArray(body) ? `{ ${body.map((x) => valueText(x, quoteStrings)).join(', ')} }` : valueText(body, quoteStrings);
    case 'concat':
      return Array.isArray(body) ? body.map((x) => valueText(x, quoteStrings)).join(' . ') : JSON.stringify(v);
    case '&':
    case '|':
    case '^':
    case '<<':
    case '>>':
      return Array.isArray(body) ? body.map((x) => valueText(x)).join(` ${key} `) : JSON.stringify(v);
    case 'jump':
    case 'goto':
      return `${key} ${valueText(b.target)}`;
    case 'accept':
    case 'drop':
    case 'continue':
    case 'return':
      return key;
    case 'elem':
      return valueText(b.val, quoteStrings);
    case 'symhash':
    case 'jhash':
    case 'numgen':
      return `${key} ${JSON.stringify(body)}`;
  }
  return JSON.stringify(v);
}

/** Selectors whose string values nft prints quoted (interface names). */
function quotesStrings(left: NftJson | undefined): boolean {
  const kind = exprKind(left);
  return kind?.[0] === 'meta' && isObject(kind[1]) && /ifname$/.test(String(kind[1].key ?? ''));
}

function natText(key: string, b: NftJson): string {
  if (!isObject(b)) return key;
  const addr = b.addr !== undefined ? valueText(b.addr) : '';
  const port = b.port !== undefined ? `:${valueText(b.port)}` : '';
  const family = b.family !== undefined ? `${valueText(b.family)} ` : '';
  if (key === 'masquerade' || key === 'redirect') return `${key}${b.port !== undefined ? ` to :${valueText(b.port)}` : ''}`;
  return `${key} ${family}to ${addr}${port}`;
}

/** One statement of a rule, as nft prints it (unknown ones as their JSON). */
export function statementText(e: NftJson): string {
  const kind = exprKind(e);
  if (!kind) return JSON.stringify(e);
  const [key, body] = kind;
  const b = isObject(body) ? body : {};
  switch (key) {
    case 'match': {
      const left = valueText(b.left);
      const right = valueText(b.right, quotesStrings(b.left));
      const op = b.op === '==' || b.op === 'in' ? '' : `${valueText(b.op)} `;
      return `${left} ${op}${right}`;
    }
    case 'counter':
      // The values are the rule's packets/bytes: left out here so the text stays the same as they move.
      return isObject(body) ? 'counter' : `counter name ${valueText(body)}`;
    case 'accept':
    case 'drop':
    case 'continue':
    case 'return':
    case 'notrack':
      return key;
    case 'jump':
    case 'goto':
      return `${key} ${valueText(b.target)}`;
    case 'vmap':
      return `${valueText(b.key)} vmap ${valueText(b.data, quotesStrings(b.key))}`;
    case 'dnat':
    case 'snat':
    case 'masquerade':
    case 'redirect':
      return natText(key, body);
    case 'reject':
      return isObject(body)
        ? `reject${b.type !== undefined ? ` with ${valueText(b.type)}` : ''}${b.expr !== undefined ? ` ${valueText(b.expr)}` : ''}`
        : 'reject';
    case 'log':
      return isObject(body) && b.prefix !== undefined ? `log prefix ${quoted(String(b.prefix))}` : 'log';
    case 'limit':
      return `limit rate ${valueText(b.rate)}/${valueText(b.per)}`;
    case 'mangle':
      return `${valueText(b.key)} set ${valueText(b.value)}`;
    case 'xt':
      return `xt ${valueText(b.type)} ${quoted(String(b.name ?? ''))}`;
  }
  return JSON.stringify(e);
}

export function ruleText(expr: NftJson[]): string {
  return expr.map(statementText).join(' ');
}
