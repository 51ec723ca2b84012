// The kernel's own account of a packet's way through netfilter: the lines `xtables-monitor
// --trace` prints for packets a TRACE rule marked (iptables-nft), parsed one at a time:
//   PACKET: 2 cf1b2c62 OUT=br-x SRC=172.30.1.1 DST=172.30.1.10 ... SPORT=54844 DPORT=80 SYN
//    TRACE: 2 cf1b2c62 raw:OUTPUT:rule:0x7a:CONTINUE  -4 -t raw -A OUTPUT ... -j TRACE
//    TRACE: 2 cf1b2c62 nat:OUTPUT:policy:ACCEPT
// Everything in these lines came from the kernel, but names in them (chains, comments) were
// chosen by whoever wrote the rules: they are kept as text, never run.

import type { KernelTraceEvent, KernelTraceLine, TracedPacket } from '../snapshot/kernelTrace';

/** nf_tables' internal verdicts, which xtables-monitor prints as numbers (NFT_RETURN is -5, ...). */
const NFT_VERDICT_CODES: Record<string, string> = {
  '0XFFFFFFFF': 'CONTINUE',
  '0XFFFFFFFE': 'BREAK',
  '0XFFFFFFFD': 'JUMP',
  '0XFFFFFFFC': 'GOTO',
  '0XFFFFFFFB': 'RETURN',
};

/** One line of `xtables-monitor --trace`, or undefined for anything else (headers, events). */
export function parseKernelTraceLine(line: string): KernelTraceLine | undefined {
  const packet = /^\s*PACKET:\s+\d+\s+([0-9a-f]+)\s+(.*)$/.exec(line);
  if (packet) {
    const fields: Record<string, string> = {};
    const flags: string[] = [];
    for (const word of (packet[2] as string).trim().split(/\s+/)) {
      const eq = word.indexOf('=');
      if (eq > 0) fields[word.slice(0, eq)] = word.slice(eq + 1);
      else if (word) flags.push(word);
    }
    return { kind: 'packet', id: packet[1] as string, fields, flags };
  }
  const trace = /^\s*TRACE:\s+\d+\s+([0-9a-f]+)\s+(\S+)(?:\s+(.*))?$/.exec(line);
  if (!trace) return undefined;
  const parts = (trace[2] as string).split(':');
  const [table, chain, what] = parts;
  if (!table || !chain || (what !== 'rule' && what !== 'policy' && what !== 'return')) return undefined;
  const spec = trace[3]?.trim();
  const event: KernelTraceEvent = { kind: 'trace', id: trace[1] as string, table, chain, what, verdict: 'RETURN' };
  if (what === 'rule') {
    event.handle = parts[3] ?? '';
    const v = (parts[4] ?? '').toUpperCase();
    event.verdict = NFT_VERDICT_CODES[v] ?? v;
    if (parts[5]) event.target = parts[5];
  } else if (what === 'policy') event.verdict = (parts[3] ?? '').toUpperCase();
  if (spec) {
    event.spec = spec;
    if (!event.target && (event.verdict === 'JUMP' || event.verdict === 'GOTO')) {
      const j = /\s-[jg]\s+(\S+)/.exec(spec);
      if (j) event.target = j[1] as string;
    }
  }
  return event;
}

const IPTABLES_TABLES = new Set(['raw', 'mangle', 'nat', 'filter', 'security']);

/**
 * One line of `nft monitor trace`, or undefined for anything else. Its events name iptables-nft's
 * chains as the iptables tables do (`ip filter FORWARD` -> filter FORWARD) and native tables by
 * family and name (`inet firewalld`), as the packet path names them.
 *   trace id 8d7da1bf ip filter FORWARD rule counter packets 33 bytes 2186 jump DOCKER-USER (verdict jump DOCKER-USER)
 *   trace id 8d7da1bf inet cndt_fw cndt_forward packet: iif "br-x" ... ip saddr 172.30.1.20 ... tcp dport 80 tcp flags == syn
 */
export function parseNftTraceLine(line: string): KernelTraceLine | undefined {
  const m = /^trace id ([0-9a-f]+) (\S+) (\S+) (\S+) (packet: .*|(?:unknown )?rule .*|verdict .*|policy .*?)\s*$/.exec(line);
  if (!m) return undefined;
  const [, id, family, tableName, chain, rest] = m as unknown as [string, string, string, string, string, string];
  const table = (family === 'ip' || family === 'ip6') && IPTABLES_TABLES.has(tableName) ? tableName : `${family} ${tableName}`;
  if (rest.startsWith('packet: ')) {
    const text = rest.slice(8);
    const fields: Record<string, string> = {};
    const grab = (re: RegExp, key: string) => {
      const v = re.exec(text)?.[1];
      if (v !== undefined) fields[key] = v.replace(/^"|"$/g, '');
    };
    grab(/\bip6? saddr (\S+)/, 'SRC');
    grab(/\bip6? daddr (\S+)/, 'DST');
    grab(/\b(?:tcp|udp) sport (\d+)/, 'SPORT');
    grab(/\b(?:tcp|udp) dport (\d+)/, 'DPORT');
    grab(/\bip id (\d+)/, 'ID');
    grab(/\bip6 flowlabel (\d+)/, 'ID');
    grab(/\biif (\S+)/, 'IN');
    grab(/\boif (\S+)/, 'OUT');
    const flagText = /\btcp flags == (\S+(?: \| \S+)*)/.exec(text)?.[1] ?? '';
    const flags = flagText
      .split(/[^a-z]+/)
      .filter((f) => /^(syn|ack|fin|rst|psh|urg)$/.test(f))
      .map((f) => f.toUpperCase());
    return { kind: 'packet', id, fields, flags };
  }
  const event: KernelTraceEvent = { kind: 'trace', id, table, chain, what: 'rule', verdict: 'CONTINUE' };
  const ruleMatch = /^(?:unknown )?rule (.*) \(verdict (\S+)(?: (\S+))?\)$/.exec(rest);
  if (ruleMatch) {
    event.spec = ruleMatch[1] as string;
    event.verdict = (ruleMatch[2] as string).toUpperCase();
    if (ruleMatch[3]) event.target = ruleMatch[3];
    return event;
  }
  const verdict = /^(verdict|policy) (\S+)(?: (\S+))?/.exec(rest);
  if (!verdict) return undefined;
  event.what = verdict[1] === 'policy' ? 'policy' : 'return';
  event.verdict = (verdict[2] as string).toUpperCase();
  if (verdict[3]) event.target = verdict[3];
  return event;
}

/**
 * Groups parsed lines into packets. The kernel reuses trace ids, so a packet starts at the
 * event of the TRACE rule that marked it (its spec carries `marker`); later events of the same
 * id belong to it until the next marked event of that id.
 */
export class KernelTraceCollector {
  readonly packets: TracedPacket[] = [];
  private readonly open = new Map<string, TracedPacket>();
  private readonly lastPacketLine = new Map<string, string>();
  private readonly keys = new Map<string, string>();
  private readonly byKey = new Map<string, TracedPacket>();

  /** `ownTable`: the table the trace's own marking rule lives in (nft mode): its events are not the host's. */
  constructor(
    private readonly marker: string,
    private readonly ownTable?: string,
  ) {}

  add(line: KernelTraceLine | undefined): void {
    if (!line) return;
    if (line.kind === 'packet') {
      const f = line.fields;
      this.keys.set(line.id, `${f.SRC} ${f.SPORT} ${f.DST} ${f.DPORT} ${f.ID}`);
      this.lastPacketLine.set(
        line.id,
        `${f.SRC ?? '?'}${f.SPORT ? `:${f.SPORT}` : ''} -> ${f.DST ?? '?'}${f.DPORT ? `:${f.DPORT}` : ''}${f.IN ? ` in ${f.IN}` : ''}${f.OUT ? ` out ${f.OUT}` : ''} ${line.flags.filter((x) => /^[A-Z]{3}$/.test(x)).join(' ')}`.trim(),
      );
      return;
    }
    // nft monitor knows rules made after it started only by handle ("unknown rule handle 3"):
    // in nft mode any rule event of the trace's own table is its marking rule.
    if (line.spec?.includes(this.marker) || (this.ownTable !== undefined && line.table === this.ownTable && line.what === 'rule')) {
      // A packet the host sent to itself comes back in through lo under a new trace id: the same
      // packet (same addresses, ports and IP id), now received.
      const key = this.keys.get(line.id);
      const looped = line.chain === 'PREROUTING' && key ? this.byKey.get(key) : undefined;
      if (looped && looped.events.at(-1)?.chain === 'POSTROUTING') {
        this.open.set(line.id, looped);
        return;
      }
      const p: TracedPacket = { summary: this.lastPacketLine.get(line.id) ?? line.id, events: [] };
      if (key) this.byKey.set(key, p);
      this.packets.push(p);
      this.open.set(line.id, p);
      return; // the TRACE rule itself is ours, not the host's
    }
    if (this.ownTable && line.table === this.ownTable) return;
    // After routing the kernel may trace the same packet under a new id (a forwarded packet
    // does): same addresses, ports and IP id, so the same packet.
    let p = this.open.get(line.id);
    if (!p) {
      const key = this.keys.get(line.id);
      p = key ? this.byKey.get(key) : undefined;
      if (p) this.open.set(line.id, p);
    }
    // Nothing follows a DROP or REJECT for that packet: later events under a reused id or key
    // belong to another packet (a retransmission), not to this one.
    const last = p?.events.at(-1);
    if (last && (last.verdict === 'DROP' || last.verdict === 'REJECT')) return;
    p?.events.push(line);
  }
}
