// Overlay network sandboxes: the namespaces Docker keeps under /var/run/docker/netns for each
// overlay network (named "<n>-<network id prefix>"), plus ingress_sbox and lb_* load balancers.
// Inside: the br0 bridge, the vxlan device (VNI, MTU) and its FDB of remote VTEPs. Root only.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { OverlaySandbox } from './hostSnapshot';
import { BRIDGE_FDB_ARGS, parseBridgeFdbJson } from './bridgeTables';
import { IP_ADDR_ARGS, parseIpAddrJson } from './links';
import type { Privilege } from './privilege';

export const DOCKER_NETNS_DIR = '/var/run/docker/netns';

/** Sandbox names that belong to networks rather than to single containers. */
export function isNetworkSandbox(name: string): boolean {
  return /^\d+-[0-9a-z]+$/.test(name) || name === 'ingress_sbox' || name.startsWith('lb_');
}

export async function listNetworkSandboxes(dir = DOCKER_NETNS_DIR): Promise<string[]> {
  return (await readdir(dir)).filter(isNetworkSandbox).sort();
}

export async function readOverlaySandbox(name: string, privilege: Privilege, dir = DOCKER_NETNS_DIR, timeoutMs = 5000): Promise<OverlaySandbox> {
  const path = join(dir, name);
  const enter = ['nsenter', `--net=${path}`];
  const [addr, fdb] = await Promise.all([
    privilege.runPrivileged([...enter, ...IP_ADDR_ARGS], { timeoutMs }),
    privilege.runPrivileged([...enter, ...BRIDGE_FDB_ARGS], { timeoutMs }),
  ]);
  return {
    name,
    path,
    links: parseIpAddrJson(addr.stdout, `nsenter --net=${path} ip -j -d addr`),
    fdb: parseBridgeFdbJson(fdb.stdout, `nsenter --net=${path} bridge -j fdb`),
  };
}
