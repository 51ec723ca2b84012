// What changed between two reads of the host, one item per change a user would notice:
// a container started, stopped, appeared, went or was renamed; an endpoint's address or veth
// changed; a port was published or unpublished; a source became readable or stopped being
// so (the engine lost or back); and, on request, rule counters that moved. Pure.
import type { HostSnapshot, SourceName } from '../snapshot/hostSnapshot';
import { socketAddress } from './socketAddress';
import { counterBefore, countersOf } from './ruleCounters';
import { topologyOf, type Endpoint, type PortMapping } from './topology';

export type StateChangeKind =
  | 'container-added'
  | 'container-removed'
  | 'container-started'
  | 'container-stopped'
  | 'container-renamed'
  | 'endpoint-added'
  | 'endpoint-removed'
  | 'endpoint-changed'
  | 'port-published'
  | 'port-unpublished'
  | 'network-added'
  | 'network-removed'
  | 'source-changed'
  | 'counter-moved';

export interface StateChange {
  kind: StateChangeKind;
  /** What it concerns: a container, network, source or rule, by name. */
  subject: string;
  /** One line in words. */
  detail: string;
}

const endpointText = (e: Endpoint): string => `${e.network} ${e.ip || 'no IP'}${e.ipv6 ? ` ${e.ipv6}` : ''}${e.hostVeth ? ` via ${e.hostVeth.name}` : ''}`;
const portText = (p: PortMapping): string => `${p.protocol} ${socketAddress(p.hostIp, p.hostPort)} -> ${socketAddress(p.containerIp, p.containerPort)}`;

export function stateChanges(before: HostSnapshot, after: HostSnapshot, options: { counters?: boolean } = {}): StateChange[] {
  const out: StateChange[] = [];
  const add = (kind: StateChangeKind, subject: string, detail: string): void => void out.push({ kind, subject, detail });

  // Sources first: "engine not reachable" explains everything else that vanished.
  const sourceState = (s: HostSnapshot, name: SourceName) => s.sources.find((x) => x.name === name);
  for (const now of after.sources) {
    const then = sourceState(before, now.name);
    if (then?.state !== now.state) add('source-changed', now.name, `${then?.state ?? 'absent'} -> ${now.state}${now.reason ? `: ${now.reason}` : ''}`);
  }

  const a = topologyOf(before);
  const b = topologyOf(after);
  const oldContainers = new Map(a.containers.map((c) => [c.id, c]));
  const newContainers = new Map(b.containers.map((c) => [c.id, c]));
  // A snapshot without Docker says nothing about containers: no "removed" for each of them.
  const dockerRead = (s: HostSnapshot) => s.docker !== undefined;
  if (dockerRead(before) && dockerRead(after)) {
    for (const [id, c] of newContainers) {
      const old = oldContainers.get(id);
      if (!old) add('container-added', c.name, `${c.state}, image ${c.image}`);
      else {
        if (old.name !== c.name) add('container-renamed', c.name, `was ${old.name}`);
        if (old.state !== c.state) add(c.state === 'running' ? 'container-started' : 'container-stopped', c.name, `${old.state} -> ${c.state}`);
      }
    }
    for (const [id, c] of oldContainers) if (!newContainers.has(id)) add('container-removed', c.name, `was ${c.state}`);

    const key = (e: Endpoint) => `${e.containerId}\0${e.network}`;
    const oldEps = new Map(a.endpoints.map((e) => [key(e), e]));
    const newEps = new Map(b.endpoints.map((e) => [key(e), e]));
    for (const [k, e] of newEps) {
      const old = oldEps.get(k);
      if (!old) add('endpoint-added', e.containerName, endpointText(e));
      else if (endpointText(old) !== endpointText(e)) add('endpoint-changed', e.containerName, `${endpointText(old)} -> ${endpointText(e)}`);
    }
    for (const [k, e] of oldEps) if (!newEps.has(k)) add('endpoint-removed', e.containerName, endpointText(e));

    const portKey = (p: PortMapping) => `${p.containerId}\0${portText(p)}`;
    const oldPorts = new Set(a.ports.map(portKey));
    const newPorts = new Set(b.ports.map(portKey));
    for (const p of b.ports) if (!oldPorts.has(portKey(p))) add('port-published', p.containerName, portText(p));
    for (const p of a.ports) if (!newPorts.has(portKey(p))) add('port-unpublished', p.containerName, portText(p));

    const oldNets = new Map(a.networks.map((n) => [n.id, n]));
    const newNets = new Map(b.networks.map((n) => [n.id, n]));
    for (const [id, n] of newNets) if (!oldNets.has(id)) add('network-added', n.name, `${n.driver} ${n.subnets.join(' ')}`.trim());
    for (const [id, n] of oldNets) if (!newNets.has(id)) add('network-removed', n.name, `${n.driver} ${n.subnets.join(' ')}`.trim());
  }

  if (options.counters && before.netfilter && after.netfilter) {
    const was = countersOf(before);
    for (const table of after.netfilter.tables) {
      for (const chain of table.chains) {
        for (const rule of chain.rules) {
          const then = counterBefore(was, rule);
          if (then !== undefined && then !== rule.packets)
            add('counter-moved', `${rule.table} ${rule.chain} #${rule.position}`, `${rule.spec}: ${then} -> ${rule.packets} packets`);
        }
      }
    }
  }
  return out;
}
