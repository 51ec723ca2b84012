// What each sidebar view lists, and which sources it depends on.
import { ContainerNode } from './containerNodes';
import { hostRoots } from './hostNodes';
import { NetworkNode } from './networkNodes';
import { netfilterRoots } from './netfilterNodes';
import { problemRoots } from './problemNodes';
import type { TreeViewSpec } from './snapshotTreeProvider';
import { VIEW } from './viewIds';

const BUILT_IN_NETWORKS = new Set(['bridge', 'host', 'none']);

export const VIEW_SPECS: TreeViewSpec[] = [
  {
    view: VIEW.containers,
    sources: ['docker', 'containerNamespaces', 'containerDnsRules', 'dockerProxy'],
    emptyLabel: 'no containers on this host',
    roots: (input) =>
      (input.snapshot.docker?.containers ?? [])
        .filter((c) => input.settings.showStoppedContainers || c.state === 'running')
        .map(
          (c) =>
            new ContainerNode(
              c,
              input.topology.containers.find((m) => m.id === c.id),
              input,
            ),
        ),
  },
  {
    view: VIEW.networks,
    sources: ['docker', 'bridgeFdb', 'overlaySandboxes'],
    emptyLabel: 'no networks',
    roots: (input) =>
      (input.snapshot.docker?.networks ?? [])
        .filter((n) => input.settings.showBuiltInNetworks || !BUILT_IN_NETWORKS.has(n.name))
        .map(
          (n) =>
            new NetworkNode(
              n,
              input.topology.networks.find((m) => m.id === n.id),
              input,
            ),
        ),
  },
  {
    view: VIEW.host,
    sources: ['hostLinks', 'hostRoutes', 'sysctls', 'overlaySandboxes'],
    emptyLabel: 'no interfaces read',
    roots: hostRoots,
  },
  {
    view: VIEW.netfilter,
    sources: ['netfilter'],
    emptyLabel: 'no Docker chains in netfilter',
    roots: netfilterRoots,
  },
  {
    view: VIEW.problems,
    // The sources the checks need: an unread one shows on top, so "no problems" never hides "not checked".
    sources: ['docker', 'netfilter', 'containerNamespaces', 'containerDnsRules', 'hostRoutes', 'sysctls', 'overlayPeers', 'offloads'],
    emptyLabel: 'no problems found',
    roots: problemRoots,
  },
];
