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

  constructor(private readonly marker: string) {}

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
    if (line.spec?.includes(this.marker)) {
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
    // After routing the kernel may trace the same packet under a new id (a forwarded packet
    // does): same addresses, ports and IP id, so the same packet.
    let p = this.open.get(line.id);
    if (!p) {
      const key = this.keys.get(line.id);
      p = key ? this.byKey.get(key) : undefined;
      if (p) this.open.set(line.id, p);
    }
    p?.events.push(line);
  }
}
