// What a packet capture can listen on in a namespace: each of its interfaces as the snapshot read
// them (a container's own, its owner's for a `container:X` sharer, the host's for host mode, an
// overlay sandbox's), and "any" for all of them at once. The capture command offers these and
// the terminal plan accepts nothing else. Pure.
import type { HostSnapshot, Link } from '../snapshot/hostSnapshot';
import { topologyOf } from './topology';

/** tcpdump's pseudo-interface for every interface of the namespace. */
export const ANY_INTERFACE = 'any';

export interface CaptureInterface {
  name: string;
  /** "veth · 172.30.1.10/24 · up", for the picker. */
  description: string;
}

export type CaptureTarget = { kind: 'container'; containerId: string } | { kind: 'netns'; path: string };

export interface CaptureInterfaces {
  interfaces: CaptureInterface[];
  /** Whose namespace it is, in words ("api's", "the host's"), when not the target's own. */
  namespaceOf?: string;
  /** Why the namespace's interfaces are not known (not read, not running), if so: only "any" is offered. */
  unknown?: string;
}

function describe(l: Link): string {
  const addresses = l.addresses.map((a) => `${a.local}/${a.prefixLen}`);
  return [l.kind, ...addresses, l.operState.toLowerCase()].filter(Boolean).join(' · ');
}

/** The links of the namespace a capture on `target` would enter, or why they are not known. */
function namespaceLinks(snapshot: HostSnapshot, target: CaptureTarget): { links?: Link[]; namespaceOf?: string; unknown?: string } {
  if (target.kind === 'netns') {
    const sandbox = snapshot.overlaySandboxes.find((s) => s.path === target.path);
    return sandbox ? { links: sandbox.links } : { unknown: `namespace ${target.path} was not read` };
  }
  const containers = snapshot.docker?.containers ?? [];
  const c = containers.find((x) => x.id === target.containerId);
  if (!c) return { unknown: 'the container is not in the last read' };
  if (c.modeKind === 'host') return { links: snapshot.hostNamespace.links, namespaceOf: "the host's" };
  const ownerId = topologyOf(snapshot).containers.find((x) => x.id === c.id)?.namespaceOwnerId ?? c.id;
  const owner = containers.find((x) => x.id === ownerId);
  const ns = snapshot.containerNamespaces.find((n) => n.containerId === ownerId);
  const namespaceOf = ownerId !== c.id && owner ? `${owner.name}'s` : undefined;
  if (!ns) return { unknown: `${owner?.name ?? c.name}'s namespace was not read`, ...(namespaceOf ? { namespaceOf } : {}) };
  return { links: ns.links, ...(namespaceOf ? { namespaceOf } : {}) };
}

/** The interfaces to offer, the namespace's own first (loopback last), then "any". */
export function captureInterfaces(snapshot: HostSnapshot, target: CaptureTarget): CaptureInterfaces {
  const { links, namespaceOf, unknown } = namespaceLinks(snapshot, target);
  const any: CaptureInterface = { name: ANY_INTERFACE, description: 'every interface of the namespace' };
  const isLoopback = (l: Link) => l.kind === 'loopback' || l.name === 'lo';
  const own = (links ?? []).filter((l) => !isLoopback(l));
  const loopback = (links ?? []).filter(isLoopback);
  return {
    interfaces: [...own.map((l) => ({ name: l.name, description: describe(l) })), any, ...loopback.map((l) => ({ name: l.name, description: describe(l) }))],
    ...(namespaceOf ? { namespaceOf } : {}),
    ...(unknown ? { unknown } : {}),
  };
}
