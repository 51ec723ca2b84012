// Plain-text views of a snapshot and its topology, for the CLI and bug reports.
import type { HostSnapshot } from '../snapshot/hostSnapshot';
import type { Endpoint, Topology } from '../model/topology';
import { socketAddress } from '../model/socketAddress';
import { leftoverLines } from '../model/leftovers';
import { aliasMembersText, type AliasGroup } from '../model/aliasGroups';

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}

export function renderSourcesText(snapshot: HostSnapshot): string {
  const lines = [
    `Snapshot of ${snapshot.host.hostname} (kernel ${snapshot.host.kernel}) at ${snapshot.takenAt}, took ${snapshot.tookMs} ms, as ${snapshot.host.user} (${snapshot.host.privilege})`,
    '',
    `${pad('source', 20)}${pad('state', 16)}${pad('ms', 8)}via / reason`,
  ];
  for (const s of snapshot.sources) {
    lines.push(`${pad(s.name, 20)}${pad(s.state, 16)}${pad(String(s.ms), 8)}${s.state === 'ok' ? (s.via ?? '') : (s.reason ?? '')}`);
    if (s.fix && s.state !== 'ok') lines.push(`${' '.repeat(44)}fix: ${s.fix}`);
    for (const n of s.notes ?? []) lines.push(`${' '.repeat(44)}note: ${n}`);
  }
  const d = snapshot.docker;
  lines.push('');
  if (d) {
    lines.push(
      `Docker ${d.version} (API ${d.apiVersion}) at ${d.endpoint}, swarm ${d.swarm}: ${d.containers.length} containers, ${d.networks.length} networks`,
    );
  }
  lines.push(
    `Host: ${snapshot.hostNamespace.links.length} links, ${snapshot.hostNamespace.routes.length} routes, ${snapshot.hostNamespace.fdb.length} FDB entries; ` +
      `${snapshot.containerNamespaces.length} container namespaces, ${snapshot.overlaySandboxes.length} overlay sandboxes` +
      (snapshot.netfilter
        ? `, netfilter (${snapshot.netfilter.backend}) ${snapshot.netfilter.tables.reduce((n, t) => n + t.chains.reduce((m, c) => m + c.rules.length, 0), 0)} rules`
        : '') +
      (snapshot.nftables
        ? `, nftables ${snapshot.nftables.tables.length} tables (${snapshot.nftables.tables.filter((t) => t.origin === 'native').length} native)`
        : '') +
      (snapshot.conntrack ? `, ${snapshot.conntrack.entries.length}${snapshot.conntrack.truncated ? '+' : ''} conntrack entries` : ''),
  );
  return lines.join('\n');
}

function endpointLine(ep: Endpoint): string {
  const inner = ep.containerInterface ? `${ep.containerInterface.name}@if${ep.hostVeth?.index ?? ep.overlay?.sandboxVeth?.index ?? '?'}` : '?';
  let path = `${inner} ${ep.ip}/${ep.prefixLen}${ep.ipv6 ? ` ${ep.ipv6}` : ''}`;
  if (ep.hostVeth) path += ` <-> ${ep.hostVeth.name}@if${ep.containerInterface?.index ?? '?'}`;
  if (ep.bridge) path += ` -- ${ep.bridge}`;
  if (ep.overlay) {
    path += ` <-> [${ep.overlay.sandbox}] ${ep.overlay.sandboxVeth?.name ?? '?'} -- ${ep.overlay.bridge ?? '?'} -- ${ep.overlay.vxlanDevice ?? '?'} (VNI ${ep.overlay.vni ?? '?'}, MTU ${ep.overlay.mtu ?? '?'})`;
  }
  if (ep.uplink) path += ` -> ${ep.uplink}`;
  const flags = ep.flags.length ? `  [${ep.flags.join(', ')}]` : '';
  return `    ${ep.network} (${ep.driver}): ${path}${flags}`;
}

/** `aliases`: the host's alias groups (aliasGroups(snapshot)), listed under their network. */
export function renderTopologyText(topo: Topology, aliases: AliasGroup[] = []): string {
  const lines: string[] = [];
  lines.push(`Uplinks: ${topo.uplinks.map((u) => u.name).join(', ') || 'none (no default route)'}`);
  lines.push('', 'Networks:');
  for (const n of topo.networks) {
    const extra = [
      n.bridge ? `bridge ${n.bridge}${n.bridgeUp === false ? ' (down)' : ''}` : '',
      n.gateway ? `gw ${n.gateway}` : '',
      n.vxlanIds.length ? `VNI ${n.vxlanIds.join(',')}` : '',
      n.mtu ? `MTU ${n.mtu}` : '',
      n.internal ? 'internal' : '',
      n.gatewayMode && n.gatewayMode !== 'nat' ? `gateway ${n.gatewayMode}` : '',
      n.masquerade[0] ? `NAT: ${n.masquerade[0].spec}` : '',
      n.flags.length ? `[${n.flags.join(', ')}]` : '',
    ].filter(Boolean);
    lines.push(`  ${n.name} (${n.driver}) ${n.subnets.join(' ')} ${extra.join('; ')}`.trimEnd());
    for (const g of aliases.filter((a) => a.network === n.name)) lines.push(`    alias ${g.alias} -> ${aliasMembersText(g)}`);
  }
  lines.push('', 'Containers:');
  for (const c of topo.containers) {
    const mode =
      c.modeKind === 'container'
        ? `shares netns of ${c.sharesNamespaceWith}`
        : c.modeKind === 'host'
          ? 'host network namespace'
          : c.modeKind === 'none'
            ? 'no network'
            : '';
    lines.push(`  ${c.name} [${c.state}] dns=${c.dns}${mode ? `, ${mode}` : ''}${c.flags.length ? `  [${c.flags.join(', ')}]` : ''}`);
    for (const ep of topo.endpoints.filter((e) => e.containerId === c.id)) lines.push(endpointLine(ep));
    for (const p of topo.ports.filter((x) => x.containerId === c.id)) {
      const dnat = p.dnatRules[0]
        ? `DNAT -> ${p.dnatTarget} (${p.dnatRules[0].packets} pkts)`
        : p.carriedBy === 'routed'
          ? 'routed: no NAT, the container port is open'
          : p.carriedBy === 'docker-proxy'
            ? `no DNAT for this binding: docker-proxy carries it to ${socketAddress(p.containerIp, p.containerPort)}`
            : 'no DNAT rule seen';
      lines.push(
        `    port ${socketAddress(p.hostIp, p.hostPort)} -> ${p.containerPort}/${p.protocol}: ${dnat}${p.proxy ? `, docker-proxy pid ${p.proxy.pid}` : ''}${p.flags.length ? `  [${p.flags.join(', ')}]` : ''}`,
      );
    }
  }
  const leftovers = leftoverLines(topo.leftovers);
  if (leftovers.length) {
    lines.push('', 'Leftovers (state no Docker network owns, and where it sends traffic):');
    for (const l of leftovers) lines.push(`  ${l}`);
  }
  if (topo.unmatched.length) {
    lines.push('', 'Unmatched:');
    for (const u of topo.unmatched) lines.push(`  ${u.kind} ${u.name}: ${u.reason}`);
  }
  if (topo.limits.length) {
    lines.push('', 'Not read (limits what is joined):');
    for (const l of topo.limits) lines.push(`  ${l}`);
  }
  return lines.join('\n');
}
