// Network interfaces of one namespace from `ip -j -d addr show` (iproute2's own JSON):
// kind, MTU, state, bridge master, veth peer index and namespace id, addresses, VXLAN details.
import type { Link, LinkAddress, VxlanInfo } from '../snapshot/hostSnapshot';
import { ParseError, expectArray, num, obj, parseJsonOutput, str } from './parseError';

export const IP_ADDR_ARGS = ['ip', '-j', '-d', 'addr', 'show'];

export function parseIpAddrJson(text: string, source = 'ip -j -d addr'): Link[] {
  const rows = expectArray(source, parseJsonOutput(source, text));
  const links: Link[] = [];
  const peerNames = new Map<Link, string>();
  for (const row of rows) {
    const index = num(row.ifindex);
    const name = str(row.ifname);
    // `ip -j addr` prints a stub object (no ifindex) for some address-only lines; skip those.
    if (index === undefined || name === undefined) continue;
    const info = obj(row.linkinfo);
    const kind = str(info?.info_kind) ?? (str(row.link_type) === 'loopback' ? 'loopback' : 'device');
    const link: Link = {
      index,
      name,
      kind,
      mtu: num(row.mtu) ?? 0,
      operState: str(row.operstate) ?? 'UNKNOWN',
      flags: Array.isArray(row.flags) ? row.flags.filter((f): f is string => typeof f === 'string') : [],
      addresses: parseAddresses(row.addr_info),
    };
    const mac = str(row.address);
    if (mac) link.mac = mac;
    const master = str(row.master);
    if (master) link.master = master;
    const linkIndex = num(row.link_index);
    if (linkIndex !== undefined) link.linkIndex = linkIndex;
    const netnsId = num(row.link_netnsid);
    if (netnsId !== undefined) link.linkNetnsId = netnsId;
    if (kind === 'vxlan') link.vxlan = parseVxlan(obj(info?.info_data));
    if (kind === 'bridge') {
      const data = obj(info?.info_data);
      link.bridge = { stpState: num(data?.stp_state), vlanFiltering: num(data?.vlan_filtering) === 1 };
    }
    if (str(info?.info_slave_kind) === 'bridge') {
      const slave = obj(info?.info_slave_data);
      link.bridgePort = { state: str(slave?.state), cost: num(slave?.cost), priority: num(slave?.priority) };
    }
    // A peer in the same namespace is printed by name ("link": "vethX"), resolved below.
    const peerName = str(row.link);
    if (peerName !== undefined && link.linkIndex === undefined) peerNames.set(link, peerName);
    links.push(link);
  }
  for (const [link, peerName] of peerNames) {
    const peer = links.find((l) => l.name === peerName);
    if (peer) link.linkIndex = peer.index;
  }
  if (rows.length > 0 && links.length === 0) throw new ParseError(source, 'no interface objects in the output');
  return links;
}

function parseAddresses(value: unknown): LinkAddress[] {
  if (!Array.isArray(value)) return [];
  const out: LinkAddress[] = [];
  for (const a of value) {
    const row = obj(a);
    const family = str(row?.family);
    const local = str(row?.local);
    const prefixLen = num(row?.prefixlen);
    if ((family === 'inet' || family === 'inet6') && local && prefixLen !== undefined) {
      const addr: LinkAddress = { family, local, prefixLen };
      const scope = str(row?.scope);
      if (scope) addr.scope = scope;
      out.push(addr);
    }
  }
  return out;
}

function parseVxlan(data: Record<string, unknown> | undefined): VxlanInfo {
  const info: VxlanInfo = { id: num(data?.id) ?? -1 };
  const port = num(data?.port);
  if (port !== undefined) info.port = port;
  for (const key of ['local', 'group', 'remote'] as const) {
    const v = str(data?.[key]);
    if (v) info[key] = v;
  }
  const dev = str(data?.link);
  if (dev) info.dev = dev;
  if (typeof data?.learning === 'boolean') info.learning = data.learning;
  return info;
}
