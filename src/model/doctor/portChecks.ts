// Ports: a container that cannot start because its host port is held, a published port with
// nothing listening behind it (or listening on loopback only, inside the container), a DNAT
// rule to an address no container has, and ports published on every address while the
// host's firewall believes them closed (Docker's DNAT comes before the firewall's INPUT rules).
import type { ContainerInfo, HostSnapshot, Listener, PublishedPort } from '../../snapshot/hostSnapshot';
import { findContainer } from '../containerLookup';
import { finding, sourceRead, type Finding } from './finding';
import { hostFirewalls } from './hostFirewall';
import { staleRules } from './staleRules';

const ANY = new Set(['0.0.0.0', '::', '']);
const isLoopback = (a: string): boolean => a.startsWith('127.') || a === '::1';

function bracket(ip: string): string {
  return ip.includes(':') ? `[${ip}]` : ip;
}

/** The namespace a container's processes listen in: its own, or its `container:X` target's. */
function listenersOf(snapshot: HostSnapshot, c: ContainerInfo): { owner: ContainerInfo; listeners: Listener[] | undefined } {
  const owner = c.modeKind === 'container' ? (findContainer(snapshot.docker?.containers, c.modeTarget) ?? c) : c;
  const ns = snapshot.containerNamespaces.find((n) => n.containerId === owner.id);
  return { owner, listeners: ns?.listeners };
}

function listenerText(l: Listener): string {
  return `${l.protocol} ${bracket(l.address)}:${l.port}`;
}

/** Whether two bindings of a port can both hold it: different specific addresses of one family. */
function addressesClash(a: string, b: string): boolean {
  if (ANY.has(a) || ANY.has(b)) return true;
  return a === b;
}

function noListener(snapshot: HostSnapshot): Finding[] {
  const out: Finding[] = [];
  for (const c of snapshot.docker?.containers ?? []) {
    if (c.state !== 'running' || c.modeKind === 'host' || c.ports.length === 0) continue;
    const { owner, listeners } = listenersOf(snapshot, c);
    if (listeners === undefined) continue;
    const seen = new Set<string>();
    for (const p of c.ports) {
      const key = `${p.containerPort}/${p.protocol}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const bindings = c.ports
        .filter((x) => x.containerPort === p.containerPort && x.protocol === p.protocol)
        .map((x) => `${bracket(x.hostIp)}:${x.hostPort || '(routed)'}`)
        .join(', ');
      const onPort = listeners.filter((l) => l.protocol === p.protocol && l.port === p.containerPort);
      const where = owner.id === c.id ? c.name : `${c.name} (in ${owner.name}'s namespace)`;
      if (onPort.length === 0) {
        const other = listeners.filter((l) => l.protocol === p.protocol && !isLoopback(l.address));
        out.push(
          finding(
            'no-listener',
            'error',
            'port',
            `${c.name}:${key}`,
            `${c.name} publishes ${key} (host ${bindings}), but nothing in ${where} listens on ${p.protocol} port ${p.containerPort}${other.length ? `; it listens on ${other.map(listenerText).join(', ')}` : `; it has no ${p.protocol} listener at all`}: connections are refused`,
            `Start the service on port ${p.containerPort} in ${c.name}, or publish the port it really uses (docker run -p HOSTPORT:${other[0]?.port ?? 'PORT'} ...)`,
          ),
        );
        continue;
      }
      if (onPort.every((l) => isLoopback(l.address))) {
        out.push(
          finding(
            'loopback-listener',
            'error',
            'port',
            `${c.name}:${key}`,
            `${c.name} publishes ${key} (host ${bindings}), but ${where} listens on ${onPort.map(listenerText).join(', ')} only: connections through the bridge (DNAT or docker-proxy) arrive on eth0 and are refused`,
            `Make the service listen on all addresses (0.0.0.0 or ::) inside the container, e.g. --host 0.0.0.0 or listen 0.0.0.0:${p.containerPort}`,
          ),
        );
      }
    }
  }
  return out;
}

/** What holds a host port: a running container's binding, docker-proxy, or a host socket. */
function holders(snapshot: HostSnapshot, c: ContainerInfo, p: PublishedPort): string[] {
  const out: string[] = [];
  for (const other of snapshot.docker?.containers ?? []) {
    if (other.id === c.id || other.state !== 'running') continue;
    for (const q of other.ports) {
      if (q.hostPort === p.hostPort && q.protocol === p.protocol && addressesClash(q.hostIp, p.hostIp) && q.hostIp.includes(':') === p.hostIp.includes(':')) {
        out.push(`container ${other.name} publishes ${bracket(q.hostIp)}:${q.hostPort}/${q.protocol}`);
      }
    }
  }
  if (out.length > 0) return out;
  for (const l of snapshot.hostNamespace.listeners ?? []) {
    if (l.port !== p.hostPort || l.protocol !== p.protocol || !addressesClash(l.address, p.hostIp)) continue;
    const proxy = snapshot.dockerProxies.find((x) => x.hostPort === l.port && x.protocol === l.protocol && x.hostIp === l.address);
    out.push(
      proxy
        ? `docker-proxy (pid ${proxy.pid}) listens on ${listenerText(l)} for ${proxy.containerIp}:${proxy.containerPort}`
        : `a host process listens on ${listenerText(l)} (uid ${l.uid}, socket inode ${l.inode}; ss -ltnup 'sport = :${l.port}' names it)`,
    );
  }
  return out;
}

function portConflict(snapshot: HostSnapshot): Finding[] {
  const out: Finding[] = [];
  for (const c of snapshot.docker?.containers ?? []) {
    if (c.state !== 'created' && c.state !== 'exited') continue;
    const wanted = c.portBindings ?? c.ports;
    for (const p of wanted) {
      if (p.hostPort <= 0) continue;
      const held = holders(snapshot, c, p);
      if (held.length === 0) continue;
      const port = `${bracket(p.hostIp)}:${p.hostPort}/${p.protocol}`;
      out.push(
        finding(
          'port-conflict',
          c.state === 'created' ? 'error' : 'warning',
          'container',
          c.name,
          `${c.name} (${c.state}) asks for host port ${port}, which is held: ${held.join('; ')}. ${c.state === 'created' ? 'Starting it failed' : 'Starting it will fail'} with "address already in use"`,
          `Publish it on another host port (docker run -p OTHER:${p.containerPort}), or stop what holds ${p.hostPort} first`,
        ),
      );
    }
  }
  return out;
}

function staleDnat(snapshot: HostSnapshot): Finding[] {
  return staleRules(snapshot)
    .filter((r) => r.dnat)
    .map((r) =>
      finding(
        'stale-dnat',
        'warning',
        'rule',
        r.where,
        `${r.spec}: ${r.owner.by}. Connections to that port are sent to an address nobody has (or someone new has)`,
        `Delete it (${r.remove}); restarting Docker rebuilds its own rules without it`,
      ),
    );
}

function exposedPorts(snapshot: HostSnapshot): Finding[] {
  const firewalls = hostFirewalls(snapshot);
  if (firewalls.length === 0) return [];
  const out: Finding[] = [];
  for (const c of snapshot.docker?.containers ?? []) {
    if (c.state !== 'running') continue;
    for (const p of c.ports) {
      if (p.hostPort <= 0 || !ANY.has(p.hostIp)) continue;
      const closedBy = firewalls.filter((f) => f.allows(p.hostPort, p.protocol) === false);
      if (closedBy.length === 0) continue;
      const port = `${bracket(p.hostIp)}:${p.hostPort}/${p.protocol}`;
      out.push(
        finding(
          'exposed-port-bypasses-firewall',
          'warning',
          'port',
          port,
          `${c.name} publishes ${port} on every address; ${closedBy.map((f) => f.evidence).join('; ')}, and ${closedBy.map((f) => f.name).join(' and ')} does not allow ${p.hostPort}/${p.protocol}, yet the port is open: Docker's DNAT in nat PREROUTING sends the connection through FORWARD to the container, so the firewall's INPUT rules never see it`,
          `Publish it on one address only (-p 127.0.0.1:${p.hostPort}:${p.containerPort}), or filter it where Docker's traffic passes: a DROP in DOCKER-USER (iptables -I DOCKER-USER -p ${p.protocol} -m conntrack --ctorigdstport ${p.hostPort} -j DROP), or ufw route / firewalld's docker zone rules`,
        ),
      );
    }
  }
  return out;
}

export function portChecks(snapshot: HostSnapshot): Finding[] {
  return [
    ...portConflict(snapshot),
    ...(sourceRead(snapshot, 'containerNamespaces') ? noListener(snapshot) : []),
    ...staleDnat(snapshot),
    ...exposedPorts(snapshot),
  ];
}
