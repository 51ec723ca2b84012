// The kernel settings that decide whether container traffic is forwarded and filtered.
// Read from /proc/sys, which any user may read; a missing one (br_netfilter not loaded) is absent.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

export const NETWORK_SYSCTLS = [
  'net.ipv4.ip_forward',
  'net.ipv6.conf.all.forwarding',
  'net.bridge.bridge-nf-call-iptables',
  'net.bridge.bridge-nf-call-ip6tables',
  'net.ipv4.conf.all.rp_filter',
  'net.ipv4.conf.all.route_localnet',
];

export async function readSysctls(procRoot = '/proc', names = NETWORK_SYSCTLS): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  await Promise.all(
    names.map(async (name) => {
      try {
        out[name] = (await readFile(join(procRoot, 'sys', ...name.split('.')), 'utf8')).trim();
      } catch {
        // not present on this kernel (e.g. br_netfilter not loaded)
      }
    }),
  );
  return out;
}
