// Where a diagram node lives in the sidebar: a NodeTarget (what the node stands for) ->
// the view and tree node ids reveal() can find, most specific first. Pure: no vscode.
//
// The ids follow the tree nodes' own (src/ui/trees): containers `c/<id>`, their published
// ports `c/<id>/port/<hostIp>:<hostPort>/<proto>`, networks `n/<id>`, host links
// `h/link/<ifindex>`, uplinks `h/uplink/<ifindex>`, chains `nf/<table>/<chain>` and rules
// `nf/<table>/<chain>/<position>`, native nftables chains `nft/<family>/<table>/<chain>` and
// rules `nft/<family>/<table>/<chain>/<handle>`. test/unit/diagramTargets.test.ts pins them; the e2e test
// reveals through them for real.
import type { HostSnapshot } from '../snapshot/hostSnapshot';
import type { Topology } from '../model/topology';
import type { NodeTarget } from '../protocol';
import { VIEW, type ViewId } from './trees/viewIds';

export interface SidebarLocation {
  view: ViewId;
  nodeId: string;
}

/** A native nftables table named "family name" in a packet path, as the snapshot has it. */
function nftTable(snapshot: HostSnapshot | undefined, table: string) {
  const [family, name] = table.split(' ');
  return name === undefined ? undefined : snapshot?.nftables?.tables.find((t) => t.family === family && t.name === name);
}

/** Tree id prefix of a table: `nf/<iptables table>` or `nft/<family>/<name>`. */
function netfilterPrefix(table: string): string {
  const [family, name] = table.split(' ');
  return name === undefined ? `nf/${table}` : `nft/${family}/${name}`;
}

export function sidebarLocations(target: NodeTarget, snapshot: HostSnapshot | undefined, topology: Topology | undefined): SidebarLocation[] {
  switch (target.kind) {
    case 'container': {
      const id = target.id || snapshot?.docker?.containers.find((c) => c.name === target.name)?.id;
      return id ? [{ view: VIEW.containers, nodeId: `c/${id}` }] : [];
    }
    case 'network': {
      const id = target.id || snapshot?.docker?.networks.find((n) => n.name === target.name)?.id;
      return id ? [{ view: VIEW.networks, nodeId: `n/${id}` }] : [];
    }
    case 'hostInterface': {
      const link = snapshot?.hostNamespace.links.find((l) => l.name === target.name);
      if (!link) return [];
      const uplink = topology?.uplinks.some((u) => u.index === link.index);
      return [
        ...(uplink ? [{ view: VIEW.host, nodeId: `h/uplink/${link.index}` }] : []),
        { view: VIEW.host, nodeId: `h/link/${link.index}` },
      ];
    }
    case 'chain':
      return [{ view: VIEW.netfilter, nodeId: `${netfilterPrefix(target.table)}/${target.chain}` }];
    case 'rule': {
      const nft = nftTable(snapshot, target.table);
      if (nft) {
        // Native nftables rules are known by their handle, which stays while the rule exists.
        const handle = nft.chains.find((c) => c.name === target.chain)?.rules.find((r) => r.text === target.spec)?.handle;
        const chainId = `nft/${nft.family}/${nft.name}/${target.chain}`;
        return [...(handle !== undefined ? [{ view: VIEW.netfilter, nodeId: `${chainId}/${handle}` }] : []), { view: VIEW.netfilter, nodeId: chainId }];
      }
      // Positions shift when rules are inserted: the rule's place in the current read, by its spec.
      const chain = snapshot?.netfilter?.tables.find((t) => t.name === target.table)?.chains.find((c) => c.name === target.chain);
      const now = chain?.rules.find((r) => r.spec === target.spec)?.position;
      const positions = now !== undefined && now !== target.position ? [now, target.position] : [target.position];
      return [
        ...positions.map((p) => ({ view: VIEW.netfilter, nodeId: `nf/${target.table}/${target.chain}/${p}` })),
        { view: VIEW.netfilter, nodeId: `nf/${target.table}/${target.chain}` },
      ];
    }
    case 'port': {
      const ports = (topology?.ports ?? []).filter((p) => p.containerName === target.containerName && p.hostPort === target.hostPort && p.protocol === target.protocol);
      const container = snapshot?.docker?.containers.find((c) => c.name === target.containerName);
      return [
        ...ports.map((p) => ({ view: VIEW.containers, nodeId: `c/${p.containerId}/port/${p.hostIp}:${p.hostPort}/${p.protocol}` })),
        ...(container ? [{ view: VIEW.containers, nodeId: `c/${container.id}` }] : []),
      ];
    }
  }
}

/** The target in words, for "not in the sidebar" messages. */
export function describeTarget(target: NodeTarget): string {
  switch (target.kind) {
    case 'container':
      return `container ${target.name}`;
    case 'network':
      return `network ${target.name}`;
    case 'hostInterface':
      return `interface ${target.name}`;
    case 'chain':
      return `chain ${target.table}/${target.chain}`;
    case 'rule':
      return `rule ${target.spec}`;
    case 'port':
      return `port ${target.hostPort}/${target.protocol} of ${target.containerName}`;
  }
}
