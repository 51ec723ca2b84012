// What the kernel reports of a traced packet (src/host/kernelTrace.ts reads it; src/model
// compares it with the predicted path).

export interface KernelPacketLine {
  kind: 'packet';
  id: string;
  /** The packet's fields: IN, OUT, SRC, DST, SPORT, DPORT, ... */
  fields: Record<string, string>;
  /** TCP flags and other bare words (SYN, ACK, DF). */
  flags: string[];
}

export interface KernelTraceEvent {
  kind: 'trace';
  id: string;
  table: string;
  chain: string;
  /** rule: a rule matched; policy: the chain's policy applied; return: fell off a user chain. */
  what: 'rule' | 'policy' | 'return';
  handle?: string;
  /** ACCEPT, DROP, CONTINUE, JUMP, GOTO, RETURN, QUEUE... */
  verdict: string;
  /** For JUMP/GOTO: the chain entered. */
  target?: string;
  /** The rule as iptables prints it (`-4 -t raw -A OUTPUT ...`), when the kernel line gives it. */
  spec?: string;
}

export type KernelTraceLine = KernelPacketLine | KernelTraceEvent;

/** One traced packet: what it looked like and every event the kernel reported for it, in order. */
export interface TracedPacket {
  summary: string;
  events: KernelTraceEvent[];
}

/** One flow a trace marks: a TRACE rule in raw PREROUTING or OUTPUT. */
export interface TraceFlow {
  protocol: 'tcp' | 'udp';
  src?: string;
  dst: string;
  dport?: number;
  /** OUTPUT for a connection the host itself opens, PREROUTING for one it receives. */
  chain: 'PREROUTING' | 'OUTPUT';
}
