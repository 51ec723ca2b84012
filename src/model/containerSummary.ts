// A container in one line, as the sidebar's rows and the pickers describe it: where it is on the
// network (its addresses and networks: "172.30.1.10 · lab-net"), not its image (the same for
// many containers). A `container:X` sharer is described by X's NAME and X's addresses, never
// by the raw id Docker reports in its network mode. Pure.
import type { ContainerInfo } from '../snapshot/hostSnapshot';
import { findContainer } from './containerLookup';

type Described = Pick<ContainerInfo, 'id' | 'name' | 'state' | 'modeKind' | 'modeTarget' | 'networkMode' | 'endpoints'>;

/** Docker's short id for a full one; anything else as it is. */
function shortRef(ref: string): string {
  return /^[0-9a-f]{64}$/.test(ref) ? ref.slice(0, 12) : ref;
}

/** The container whose network namespace `c` uses (`container:X`), when X is on this host. */
export function namespaceOwner<T extends Described>(c: Described, containers: readonly T[]): T | undefined {
  return c.modeKind === 'container' ? findContainer(containers, c.modeTarget) : undefined;
}

/** X of `container:X` by name (its short id when X is not on this host). */
export function namespaceOwnerName(c: Described, containers: readonly Described[]): string {
  return namespaceOwner(c, containers)?.name ?? shortRef(c.modeTarget ?? '?');
}

/** The network mode as a user would say it: `container:api` rather than `container:8d425ed2…`. */
export function networkModeText(c: Described, containers: readonly Described[]): string {
  if (c.modeKind === 'container') return `container:${namespaceOwnerName(c, containers)}`;
  return c.networkMode || 'default';
}

/** "172.30.1.10 · lab-net", one such part per network joined by ", ". */
function endpointsText(c: Described): string {
  return c.endpoints
    .filter((e) => !['host', 'none'].includes(e.network))
    .map((e) => {
      const addresses = [e.ip, e.ipv6].filter(Boolean).join(' ');
      return addresses ? `${addresses} · ${e.network}` : e.network;
    })
    .join(', ');
}

/** Where a container is on the network, in one line, with its state when it is not running. */
export function containerAddressText(c: Described, containers: readonly Described[]): string {
  let where: string;
  if (c.modeKind === 'host') where = 'host network';
  else if (c.modeKind === 'none') where = 'no network';
  else if (c.modeKind === 'container') {
    const owner = namespaceOwner(c, containers);
    const theirs = owner ? endpointsText(owner) : '';
    where = `shares ${namespaceOwnerName(c, containers)}'s network namespace${theirs ? ` · ${theirs}` : ''}`;
  } else where = endpointsText(c) || c.networkMode || 'no network';
  return c.state === 'running' ? where : `${where} (${c.state})`;
}
