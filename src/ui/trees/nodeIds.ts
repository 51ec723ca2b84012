// The ids of the sidebar's tree nodes, in one place: the trees build their nodes with them, and
// the reveal logic (peers, diagram clicks) finds nodes by them. An id names what the node shows,
// stable across reads: a container by its id, a link by its ifindex, a rule by its position.
//   c/<container id>                       a container
//   c/<id>/ep/<network>[/if<index>]        one of its endpoints (by interface when inspect does not list it)
//   c/<id>/port/<hostIp>:<port>/<proto>    one of its published ports
//   n/<network id>                         a network
//   h/link/<ifindex>, h/uplink/<ifindex>   a host interface, an uplink
//   nf/<table>[/<chain>[/<position>]]      iptables (nf6/... ip6tables)
//   nft/<family>/<table>[/<chain>[/<handle>]]  a native nftables table, chain or rule
import type { Endpoint } from '../../model/topology';

/** Tree id prefix of iptables (`nf`) and ip6tables (`nf6`) nodes. */
export type NetfilterFamily = 'nf' | 'nf6';

export const containerNodeId = (containerId: string): string => `c/${containerId}`;

/** An endpoint's node id: by network, and by interface for those Docker's inspect does not list. */
export function endpointNodeId(ep: Pick<Endpoint, 'containerId' | 'network' | 'flags' | 'containerInterface'>): string {
  const extra = ep.flags.includes('not-in-docker-inspect') ? `/if${ep.containerInterface?.index ?? '?'}` : '';
  return `c/${ep.containerId}/ep/${ep.network}${extra}`;
}

export const portNodeId = (p: { containerId: string; hostIp: string; hostPort: number; protocol: string }): string =>
  `c/${p.containerId}/port/${p.hostIp}:${p.hostPort}/${p.protocol}`;

export const networkNodeId = (networkId: string): string => `n/${networkId}`;

export const hostLinkNodeId = (index: number): string => `h/link/${index}`;

export const uplinkNodeId = (index: number): string => `h/uplink/${index}`;

export const netfilterTableNodeId = (table: string, family: NetfilterFamily = 'nf'): string => `${family}/${table}`;

export const netfilterChainNodeId = (table: string, chain: string, family: NetfilterFamily = 'nf'): string => `${family}/${table}/${chain}`;

export const netfilterRuleNodeId = (table: string, chain: string, position: number, family: NetfilterFamily = 'nf'): string =>
  `${family}/${table}/${chain}/${position}`;

export const nftTableNodeId = (family: string, table: string): string => `nft/${family}/${table}`;

export const nftChainNodeId = (family: string, table: string, chain: string): string => `nft/${family}/${table}/${chain}`;

export const nftRuleNodeId = (family: string, table: string, chain: string, handle: number): string => `nft/${family}/${table}/${chain}/${handle}`;
