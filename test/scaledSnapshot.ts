// A bigger host made from the lab fixture: `extra` more running containers, cloned from the
// lab's plain bridge containers (web1 on lab-net, lone on lab-other, vault on lab-internal) in
// turn, each with its own name, id, pid, IP and MAC, its own namespace (eth0 plus the DNS
// redirect rules) and its own host-side veth on the network's bridge. Nothing else of the lab
// changes, so the picture is the lab plus many ordinary containers.
import { createHash } from 'node:crypto';
import type { ContainerInfo, ContainerNamespace, HostSnapshot, Link } from '../src/snapshot/hostSnapshot';
import { labSnapshot } from './fixtures';

const TEMPLATES = ['web1', 'lone', 'vault'];

function hex(seed: string, length: number): string {
  return createHash('sha256').update(seed).digest('hex').slice(0, length);
}

function clone<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

/** The lab snapshot plus `extra` cloned containers (at most 600: 200 per network's /24). */
export function scaledLabSnapshot(extra: number): HostSnapshot {
  if (extra > 600) throw new Error('scaledLabSnapshot: at most 600 extra containers (three /24 networks)');
  const s = labSnapshot();
  const docker = s.docker;
  if (!docker) throw new Error('the lab fixture has no docker state');
  const templates = TEMPLATES.map((name) => {
    const container = docker.containers.find((c) => c.name === name);
    const ns = s.containerNamespaces.find((n) => n.containerName === name);
    const endpoint = container?.endpoints[0];
    const network = docker.networks.find((n) => n.name === endpoint?.network);
    const inner = ns?.links.find((l) => l.name === 'eth0');
    const veth = s.hostNamespace.links.find((l) => l.index === inner?.linkIndex);
    if (!container || !ns || !endpoint || !network?.bridgeName || !inner || !veth)
      throw new Error(`lab fixture: container ${name} is not a plain bridge container`);
    return { container, ns, endpoint, network, inner, veth };
  });
  let nextIndex = 10_000;
  for (let i = 0; i < extra; i++) {
    const t = templates[i % templates.length] as (typeof templates)[number];
    const k = Math.floor(i / templates.length);
    const name = `${t.container.name}-clone-${String(i + 1).padStart(3, '0')}`;
    const id = hex(name, 64);
    const ipParts = t.endpoint.ip.split('.');
    const ip = `${ipParts[0]}.${ipParts[1]}.${ipParts[2]}.${50 + k}`;
    const mac = `02:42:${ip
      .split('.')
      .map((p) => Number(p).toString(16).padStart(2, '0'))
      .join(':')}`;
    const pid = 200_000 + i;
    const innerIndex = nextIndex++;
    const hostIndex = nextIndex++;

    const container: ContainerInfo = clone(t.container);
    container.id = id;
    container.name = name;
    container.pid = pid;
    container.ports = [];
    container.labels = { 'containernet.bench': 'clone' };
    const ep = container.endpoints[0] as ContainerInfo['endpoints'][number];
    ep.ip = ip;
    ep.mac = mac;
    ep.endpointId = hex(`${name}/endpoint`, 64);
    ep.aliases = [id.slice(0, 12), name];
    docker.containers.push(container);

    const ns: ContainerNamespace = clone(t.ns);
    ns.containerId = id;
    ns.containerName = name;
    ns.pid = pid;
    ns.netnsInode = 4_026_600_000 + i;
    ns.links = ns.links
      .filter((l) => l.name === 'lo' || l.name === 'eth0')
      .map((l) =>
        l.name === 'eth0' ? { ...l, index: innerIndex, linkIndex: hostIndex, mac, addresses: [{ family: 'inet', local: ip, prefixLen: ep.prefixLen }] } : l,
      );
    s.containerNamespaces.push(ns);

    const veth: Link = clone(t.veth);
    veth.index = hostIndex;
    veth.name = `veth${hex(`${name}/veth`, 7)}`;
    veth.linkIndex = innerIndex;
    veth.linkNetnsId = 1_000 + i;
    veth.mac = `9e:${hex(`${name}/mac`, 10).match(/../g)?.join(':')}`;
    s.hostNamespace.links.push(veth);
    s.hostNamespace.bridgePorts.push({ ifname: veth.name, master: t.network.bridgeName as string, state: 'forwarding', cost: 2, priority: 32 });
  }
  return s;
}
