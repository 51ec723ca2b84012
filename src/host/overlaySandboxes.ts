// Overlay network sandboxes: the namespaces Docker keeps under /var/run/docker/netns for each
// overlay network (named "<n>-<network id prefix>"), plus ingress_sbox and lb_* load balancers.
// Inside: the br0 bridge, the vxlan device (VNI, MTU) and its FDB of remote VTEPs. Root only.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { OverlaySandbox } from '../snapshot/hostSnapshot';
import { BRIDGE_FDB_ARGS, parseBridgeFdbJson } from './bridgeTables';
import { IP_ADDR_ARGS, parseIpAddrJson } from './links';
import { CommandError } from './commandRunner';
import type { Privilege } from './privilege';

export const DOCKER_NETNS_DIR = '/var/run/docker/netns';

/** Sandbox names that belong to networks rather than to single containers. */
export function isNetworkSandbox(name: string): boolean {
  return /^\d+-[0-9a-z]+$/.test(name) || name === 'ingress_sbox' || name.startsWith('lb_');
}

export async function listNetworkSandboxes(dir = DOCKER_NETNS_DIR): Promise<string[]> {
  return (await readdir(dir)).filter(isNetworkSandbox).sort();
}

/**
 * Reads the given sandboxes (links and FDB of each). A sandbox whose file has no namespace
 * behind it any more (Docker leaves plain files for removed sandboxes; nsenter says
 * "Invalid argument") comes back as `stale`.
 */
export async function readOverlaySandboxes(
  names: readonly string[],
  privilege: Privilege,
  dir = DOCKER_NETNS_DIR,
  timeoutMs = 10_000,
): Promise<{ sandboxes: OverlaySandbox[]; stale: string[]; unread: string[] }> {
  const paths = names.map((n) => join(dir, n));
  const rows = await privilege.runPrivilegedEach(
    [
      ['nsenter', '--net={}', ...IP_ADDR_ARGS],
      ['nsenter', '--net={}', ...BRIDGE_FDB_ARGS],
    ],
    paths,
    { timeoutMs },
  );
  const sandboxes: OverlaySandbox[] = [];
  const stale: string[] = [];
  const unread: string[] = [];
  rows.forEach(([addr, fdb], i) => {
    const name = names[i] as string;
    const path = paths[i] as string;
    const failed = [addr, fdb].find((r) => r instanceof CommandError) as CommandError | undefined;
    if (failed) {
      if (failed.kind === 'exit' && /Invalid argument|No such file/.test(failed.message)) {
        stale.push(name);
        return;
      }
      // Refused or not installed: the whole source says so. Anything else (a timeout, a
      // sandbox that failed alone) is this sandbox's: the others are kept, and it is named.
      if (failed.kind === 'permission' || failed.kind === 'missing-tool') throw failed;
      unread.push(`${name}: ${failed.message}`);
      return;
    }
    sandboxes.push({
      name,
      path,
      links: parseIpAddrJson((addr as { stdout: string }).stdout, `nsenter --net=${path} ip -j -d addr`),
      fdb: parseBridgeFdbJson((fdb as { stdout: string }).stdout, `nsenter --net=${path} bridge -j fdb`),
    });
  });
  return { sandboxes, stale, unread };
}
