// "Check Container…": the reference's six debugging steps for one container as one report,
// done from the live state: the networks it is on, name resolution, the route to a target,
// the listener on the target, netfilter drops (the explanation's and the doctor's findings
// about it), and where to capture packets to see the rest. The target is optional: without it
// the steps that need one say so.
import type { HostSnapshot } from '../snapshot/hostSnapshot';
import { findContainer } from './containerLookup';
import { runDoctor } from './doctor/doctor';
import { explainConnection, type Explanation } from './explain';
import { socketAddress } from './socketAddress';
import { topologyOf } from './topology';

export interface CheckSection {
  title: string;
  /** true: fine; false: the problem is here; undefined: not known or not asked. */
  ok: boolean | undefined;
  lines: string[];
}

export interface ContainerCheck {
  container: string;
  target?: string;
  sections: CheckSection[];
  explanation?: Explanation;
}

export class ContainerCheckError extends Error {}

export function checkContainer(snapshot: HostSnapshot, name: string, target?: { to: string; protocol: 'tcp' | 'udp' }): ContainerCheck {
  const c = findContainer(snapshot.docker?.containers, name);
  if (!c) throw new ContainerCheckError(`There is no container ${name} on this host.`);
  const ownerId = topologyOf(snapshot).containers.find((x) => x.id === c.id)?.namespaceOwnerId ?? c.id;
  const owner = snapshot.docker?.containers.find((x) => x.id === ownerId) ?? c;
  const ns = snapshot.containerNamespaces.find((n) => n.containerId === owner.id);
  const sections: CheckSection[] = [];

  // 1. Networks.
  const nets: string[] = [];
  if (owner !== c) nets.push(`${c.name} shares ${owner.name}'s network namespace (--network container:${owner.name}): what follows is ${owner.name}'s`);
  if (owner.modeKind === 'host') nets.push("host network mode: the host's own interfaces and ports");
  if (owner.modeKind === 'none') nets.push('no network (--network none): only lo');
  for (const e of owner.endpoints) {
    const aliases = e.aliases.filter((a) => a !== owner.name && !owner.id.startsWith(a));
    nets.push(
      `${e.network}: ${[e.ip, e.ipv6].filter(Boolean).join(', ') || 'no address'}${e.gateway ? ` via ${e.gateway}` : ''}${aliases.length ? `; aliases ${aliases.join(', ')}` : ''}`,
    );
  }
  if (c.state !== 'running') nets.push(`state ${c.state}: it has no network namespace until it runs`);
  sections.push({ title: '1. Networks', ok: c.state === 'running' && (owner.endpoints.length > 0 || owner.modeKind === 'host'), lines: nets });

  // 2. Name resolution.
  const user = owner.endpoints.filter((e) => !['bridge', 'host', 'none'].includes(e.network));
  const dns: string[] = [];
  if (user.length) {
    dns.push(`Docker's embedded DNS (127.0.0.11) answers for the containers on ${user.map((e) => e.network).join(', ')}`);
    if (ns?.dnsRules) {
      const redirect = ns.dnsRules.chains.some((ch) => ch.name === 'DOCKER_OUTPUT');
      dns.push(
        redirect
          ? "the redirect to the resolver's real port is in place (nat DOCKER_OUTPUT in its namespace)"
          : 'the redirect to the resolver (nat DOCKER_OUTPUT) is MISSING in its namespace: lookups time out',
      );
    }
  } else if (owner.endpoints.some((e) => e.network === 'bridge')) {
    dns.push("only on the default bridge: no embedded DNS; it uses the host's resolvers, which do not know container names");
  } else dns.push(owner.modeKind === 'host' ? "the host's resolvers" : 'no resolver');
  const e = target && c.state === 'running' ? explainConnection(snapshot, { from: c.name, to: target.to, protocol: target.protocol }) : undefined;
  const step = (kind: string) => e?.steps.filter((s) => s.kind === kind) ?? [];
  for (const s of step('resolve')) dns.push(`${target?.to}: ${s.text}`);
  sections.push({ title: '2. Name resolution', ok: step('resolve').every((s) => s.ok !== false) && !dns.some((l) => l.includes('MISSING')), lines: dns });

  // 3. Route, 4. Listener.
  const routeLines = [...step('route'), ...step('medium')].map((s) => s.text);
  sections.push({
    title: `3. Route${target ? ` to ${target.to}` : ''}`,
    ok: e && routeLines.length ? [...step('route'), ...step('medium')].every((s) => s.ok !== false) : undefined,
    lines: e
      ? routeLines.length
        ? routeLines
        : ['not reached: an earlier step stopped the connection']
      : ns
        ? ns.routes.map((r) => `${r.dst}${r.gateway ? ` via ${r.gateway}` : ''}${r.dev ? ` dev ${r.dev}` : ''}`)
        : ['no target given'],
  });
  const listen = step('listener');
  sections.push({
    title: `4. Listener${target ? ` on ${e?.target ?? target.to}` : ''}`,
    ok: e ? (listen.length ? listen.every((s) => s.ok === true) : undefined) : undefined,
    lines: e
      ? listen.length
        ? listen.map((s) => s.text)
        : ['not reached: an earlier step stopped the connection']
      : (ns?.listeners ?? [])
          .filter((l) => !l.address.startsWith('127.0.0.11'))
          .map((l) => `${c.name} itself listens on ${l.protocol} ${socketAddress(l.address, l.port)}`),
  });

  // 5. Netfilter drops: the connection's own, and what the doctor finds about this container.
  const drops: string[] = [];
  for (const s of [...step('netfilter'), ...step('proxy')]) drops.push(`${s.ok === false ? 'DROPPED: ' : ''}${s.text}`);
  const mine = runDoctor(snapshot).filter(
    (f) =>
      f.severity !== 'info' &&
      ((f.subject.kind === 'container' && (f.subject.name === c.name || f.subject.name === owner.name)) ||
        owner.endpoints.some((ep) => f.subject.name === ep.network) ||
        f.evidence.includes(owner.name)),
  );
  for (const f of mine) drops.push(`doctor ${f.severity} ${f.check}: ${f.evidence}`);
  if (!drops.length) drops.push('no netfilter rule drops its traffic that the host shows');
  sections.push({ title: '5. Netfilter drops', ok: !step('netfilter').some((s) => s.ok === false) && mine.length === 0, lines: drops });

  // 6. Capture.
  sections.push({
    title: '6. Capture',
    ok: undefined,
    lines: [
      `capture in ${owner.name}'s namespace (Capture Packets…, or: nsenter -t ${owner.pid || 'PID'} -n tcpdump -ni ${owner.endpoints.length ? 'eth0' : 'any'}${target ? ` port ${target.to.replace(/^.*:/, '')}` : ''}) to see what the wire carries`,
    ],
  });
  const out: ContainerCheck = { container: c.name, sections };
  if (target) out.target = target.to;
  if (e) out.explanation = e;
  return out;
}
