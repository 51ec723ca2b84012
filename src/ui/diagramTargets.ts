// Where a diagram node lives in the sidebar: a NodeTarget (what the node stands for) ->
// the view and tree node ids reveal() can find, most specific first. Pure: no vscode.
//
// The ids are the tree nodes' own, from one module (src/ui/trees/nodeIds.ts).
// test/unit/diagramTargets.test.ts pins them; the e2e test reveals through them for real.
import type { HostSnapshot } from '../snapshot/hostSnapshot';
import type { Topology } from '../model/topology';
import type { NodeTarget } from '../protocol';
import {
  containerNodeId,
  hostLinkNodeId,
  netfilterChainNodeId,
  netfilterRuleNodeId,
  networkNodeId,
  nftChainNodeId,
  nftRuleNodeId,
  portNodeId,
  uplinkNodeId,
} from './trees/nodeIds';
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

/** The tree id of a chain of an iptables table (`nat`) or a native nftables one (`ip docker-bridges`). */
function chainNodeId(table: string, chain: string): string {
  const [family, name] = table.split(' ');
  return name === undefined ? netfilterChainNodeId(table, chain) : nftChainNodeId(family as string, name, chain);
}

export function sidebarLocations(target: NodeTarget, snapshot: HostSnapshot | undefined, topology: Topology | undefined): SidebarLocation[] {
  switch (target.kind) {
    case 'container': {
      const id = target.id || snapshot?.docker?.containers.find((c) => c.name === target.name)?.id;
      return id ? [{ view: VIEW.containers, nodeId: containerNodeId(id) }] : [];
    }
    case 'network': {
      const id = target.id || snapshot?.docker?.networks.find((n) => n.name === target.name)?.id;
      return id ? [{ view: VIEW.networks, nodeId: networkNodeId(id) }] : [];
    }
    case 'hostInterface': {
      const link = snapshot?.hostNamespace.links.find((l) => l.name === target.name);
      if (!link) return [];
      const uplink = topology?.uplinks.some((u) => u.index === link.index);
      return [...(uplink ? [{ view: VIEW.host, nodeId: uplinkNodeId(link.index) }] : []), { view: VIEW.host, nodeId: hostLinkNodeId(link.index) }];
    }
    case 'chain':
      return [{ view: VIEW.netfilter, nodeId: chainNodeId(target.table, target.chain) }];
    case 'rule': {
      const nft = nftTable(snapshot, target.table);
      if (nft) {
        // Native nftables rules are known by their handle, which stays while the rule exists.
        const handle = nft.chains.find((c) => c.name === target.chain)?.rules.find((r) => r.text === target.spec)?.handle;
        return [
          ...(handle !== undefined ? [{ view: VIEW.netfilter, nodeId: nftRuleNodeId(nft.family, nft.name, target.chain, handle) }] : []),
          { view: VIEW.netfilter, nodeId: nftChainNodeId(nft.family, nft.name, target.chain) },
        ];
      }
      // Positions shift when rules are inserted: the rule's place in the current read, by its spec.
      const chain = snapshot?.netfilter?.tables.find((t) => t.name === target.table)?.chains.find((c) => c.name === target.chain);
      const now = chain?.rules.find((r) => r.spec === target.spec)?.position;
      const positions = now !== undefined && now !== target.position ? [now, target.position] : [target.position];
      return [
        ...positions.map((p) => ({ view: VIEW.netfilter, nodeId: netfilterRuleNodeId(target.table, target.chain, p) })),
        { view: VIEW.netfilter, nodeId: netfilterChainNodeId(target.table, target.chain) },
      ];
    }
    case 'port': {
      const ports = (topology?.ports ?? []).filter(
        (p) => p.containerName === target.containerName && p.hostPort === target.hostPort && p.protocol === target.protocol,
      );
      const container = snapshot?.docker?.containers.find((c) => c.name === target.containerName);
      return [
        ...ports.map((p) => ({ view: VIEW.containers, nodeId: portNodeId(p) })),
        ...(container ? [{ view: VIEW.containers, nodeId: containerNodeId(container.id) }] : []),
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
