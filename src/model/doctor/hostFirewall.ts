// The host's own firewall, when one is there: ufw (iptables or iptables-nft chains named
// ufw-*) or firewalld (its native nftables table `inet firewalld`, or the iptables chains of
// its iptables backend). Used to tell its drops from Docker's and to find ports it believes
// closed that Docker's DNAT opens anyway.
import type { Chain, HostSnapshot, NftTable } from '../../snapshot/hostSnapshot';

export interface HostFirewall {
  name: 'ufw' | 'firewalld';
  /** What shows it is there. */
  evidence: string;
  /** Whether its input rules accept the port (undefined: cannot tell). */
  allows(port: number, protocol: string): boolean | undefined;
}

const UFW_CHAIN = /^ufw6?-/;
const FIREWALLD_CHAIN = /^(INPUT_direct|FORWARD_direct|IN_\w+|FWDI_\w+|FWDO_\w+|FWD_\w+)$/;

/** Whether a chain (an iptables chain, or a native nft table and chain) is the host firewall's. */
export function isHostFirewallChain(table: string, chain: string): 'ufw' | 'firewalld' | undefined {
  if (UFW_CHAIN.test(chain)) return 'ufw';
  if (/firewalld/.test(table) || FIREWALLD_CHAIN.test(chain)) return 'firewalld';
  return undefined;
}

/** "22", "80:90", "22,80,443": whether the port is in it. */
function portInSpec(spec: string | undefined, port: number): boolean {
  if (!spec) return false;
  return spec.split(',').some((part) => {
    const [lo, hi] = part.split(':').map(Number);
    return lo !== undefined && (hi === undefined ? lo === port : lo <= port && port <= (hi || 65535));
  });
}

function ufwAllows(chains: Chain[], port: number, protocol: string): boolean {
  return chains
    .filter((c) => /^ufw6?-user-input$/.test(c.name))
    .some((c) =>
      c.rules.some((r) => r.target === 'ACCEPT' && (!r.match.protocol || r.match.protocol === protocol) && (!r.match.dport || portInSpec(r.match.dport, port))),
    );
}

function firewalldAllows(table: NftTable, port: number, protocol: string): boolean {
  const dport = new RegExp(`\\b${protocol} dport (\\{[^}]*\\b${port}\\b[^}]*\\}|${port})\\b.*\\baccept\\b`);
  return table.chains.filter((c) => /^filter_IN_/.test(c.name)).some((c) => c.rules.some((r) => dport.test(r.text)));
}

export function hostFirewalls(snapshot: HostSnapshot): HostFirewall[] {
  const out: HostFirewall[] = [];
  const filterChains = [snapshot.netfilter, snapshot.netfilter6].flatMap((s) => s?.tables.find((t) => t.name === 'filter')?.chains ?? []);
  const ufw = filterChains.filter((c) => UFW_CHAIN.test(c.name));
  if (ufw.length > 0) {
    out.push({
      name: 'ufw',
      evidence: `ufw's chains are in iptables' filter table (${[...new Set(ufw.map((c) => c.name))].slice(0, 4).join(', ')}${ufw.length > 4 ? ', ...' : ''})`,
      allows: (port, protocol) => ufwAllows(filterChains, port, protocol),
    });
  }
  const fwTable = snapshot.nftables?.tables.find((t) => t.origin === 'native' && (t.name === 'firewalld' || t.managers.includes('firewalld')));
  if (fwTable) {
    out.push({
      name: 'firewalld',
      evidence: `firewalld's nftables table ${fwTable.family} ${fwTable.name} is loaded (${fwTable.chains.length} chains)`,
      allows: (port, protocol) => firewalldAllows(fwTable, port, protocol),
    });
  } else {
    const fwChains = filterChains.filter((c) => FIREWALLD_CHAIN.test(c.name));
    if (fwChains.length > 0) {
      out.push({
        name: 'firewalld',
        evidence: `firewalld's iptables chains are in the filter table (${fwChains
          .slice(0, 4)
          .map((c) => c.name)
          .join(', ')})`,
        allows: () => undefined,
      });
    }
  }
  return out;
}
