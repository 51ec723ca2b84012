// Bridge ports (state, STP cost/priority) and forwarding databases (learned MACs, VXLAN
// remote VTEPs) from `bridge -j link show` and `bridge -j fdb show`.
import type { BridgePortState, FdbEntry } from '../snapshot/hostSnapshot';
import { expectArray, num, parseJsonOutput, str } from './parseError';

export const BRIDGE_LINK_ARGS = ['bridge', '-j', 'link', 'show'];
export const BRIDGE_FDB_ARGS = ['bridge', '-j', 'fdb', 'show'];

export function parseBridgeLinkJson(text: string, source = 'bridge -j link'): BridgePortState[] {
  const out: BridgePortState[] = [];
  for (const row of expectArray(source, parseJsonOutput(source, text))) {
    const ifname = str(row.ifname);
    const master = str(row.master);
    if (!ifname || !master) continue;
    const port: BridgePortState = { ifname, master, state: str(row.state) ?? 'unknown' };
    const cost = num(row.cost);
    if (cost !== undefined) port.cost = cost;
    const priority = num(row.priority);
    if (priority !== undefined) port.priority = priority;
    out.push(port);
  }
  return out;
}

export function parseBridgeFdbJson(text: string, source = 'bridge -j fdb'): FdbEntry[] {
  const out: FdbEntry[] = [];
  for (const row of expectArray(source, parseJsonOutput(source, text))) {
    const mac = str(row.mac);
    const ifname = str(row.ifname);
    if (!mac || !ifname) continue;
    const entry: FdbEntry = {
      mac,
      ifname,
      flags: Array.isArray(row.flags) ? row.flags.filter((f): f is string => typeof f === 'string') : [],
    };
    const master = str(row.master);
    if (master) entry.master = master;
    const dst = str(row.dst);
    if (dst) entry.dst = dst;
    const vlan = num(row.vlan);
    if (vlan !== undefined) entry.vlan = vlan;
    const state = str(row.state);
    if (state) entry.state = state;
    out.push(entry);
  }
  return out;
}
