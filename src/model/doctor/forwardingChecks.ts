// Forwarding: IP forwarding off, a network's subnet without its MASQUERADE, and the drops that
// stop containers' traffic on the host: the FORWARD chain's policy or a rule in it, a
// DOCKER-USER rule, the host firewall's chains (ufw, firewalld). The drops are found by
// following each container's new connection out, and a connection from outside to each
// published port, through the host's rules (computePacketPath); drops Docker means (network
// isolation, --internal, the unpublished-port and direct-access DROPs) are not findings.
// Also rules naming bridges or addresses that no longer exist (stale-rules).
import type { ContainerInfo, HostSnapshot, NetfilterState, NetworkInfo } from '../../snapshot/hostSnapshot';
import { cidrContains } from '../../snapshot/ipAddress';
import { containerOutboundFlow } from '../packetFlows';
import { computePacketPath, type PacketPath } from '../packetPath';
import { OUTSIDE_CLIENT, pathForRequest } from '../pathRequests';
import { iptablesShape, nftShape } from '../ruleOwners';
import { finding, sourceRead, type Finding } from './finding';
import { isHostFirewallChain } from './hostFirewall';
import { staleRules } from './staleRules';

function bridgeNetworks(snapshot: HostSnapshot): NetworkInfo[] {
  return (snapshot.docker?.networks ?? []).filter((n) => n.driver === 'bridge' && n.bridgeName);
}

function running(snapshot: HostSnapshot): ContainerInfo[] {
  return (snapshot.docker?.containers ?? []).filter(
    (c) => c.state === 'running' && c.modeKind !== 'host' && c.modeKind !== 'none' && c.modeKind !== 'container',
  );
}

/** Networks with running containers whose traffic leaves through the host. */
function usedNetworks(snapshot: HostSnapshot, pred: (n: NetworkInfo) => boolean): NetworkInfo[] {
  const used = new Set(running(snapshot).flatMap((c) => c.endpoints.map((e) => e.network)));
  return bridgeNetworks(snapshot).filter((n) => !n.internal && used.has(n.name) && pred(n));
}

function ipForwardOff(snapshot: HostSnapshot): Finding[] {
  const out: Finding[] = [];
  const sysctls = snapshot.hostNamespace.sysctls;
  const v4 = usedNetworks(snapshot, () => true);
  if (sysctls['net.ipv4.ip_forward'] === '0' && v4.length > 0) {
    out.push(
      finding(
        'ip-forward-off',
        'error',
        'host',
        'net.ipv4.ip_forward',
        `net.ipv4.ip_forward is 0: the kernel routes nothing between interfaces, so containers on ${v4.map((n) => n.name).join(', ')} cannot reach beyond their bridge and published ports are not forwarded to them`,
        `sysctl -w net.ipv4.ip_forward=1 (and net.ipv4.ip_forward = 1 in /etc/sysctl.d/ to keep it), then restart Docker (systemctl restart docker) so it re-creates its rules`,
      ),
    );
  }
  const v6 = usedNetworks(snapshot, (n) => n.enableIPv6 && n.subnets.some((s) => s.subnet.includes(':')));
  if (sysctls['net.ipv6.conf.all.forwarding'] === '0' && v6.length > 0) {
    out.push(
      finding(
        'ip-forward-off',
        'error',
        'host',
        'net.ipv6.conf.all.forwarding',
        `net.ipv6.conf.all.forwarding is 0 while ${v6.map((n) => n.name).join(', ')} ${v6.length > 1 ? 'have' : 'has'} IPv6 enabled: IPv6 traffic of their containers is not routed`,
        `sysctl -w net.ipv6.conf.all.forwarding=1 (persist it in /etc/sysctl.d/)`,
      ),
    );
  }
  return out;
}

function engineMajor(snapshot: HostSnapshot): number {
  const major = Number(/^(\d+)\./.exec(snapshot.docker?.version ?? '')?.[1]);
  return Number.isFinite(major) ? major : 0;
}

/** Whether ip6tables' nat table masquerades some Docker IPv6 subnet other than these. */
function v6Masquerades(state: NetfilterState, except: string[]): boolean {
  return (state.tables.find((t) => t.name === 'nat')?.chains ?? []).some((c) =>
    c.rules.some((r) => r.target === 'MASQUERADE' && r.match.source?.includes(':') && !except.includes(r.match.source)),
  );
}

function noMasquerade(snapshot: HostSnapshot): Finding[] {
  const out: Finding[] = [];
  const nftDocker = snapshot.nftables?.tables.filter((t) => t.origin === 'native' && t.managers.includes('docker')) ?? [];
  const used = new Set(running(snapshot).flatMap((c) => c.endpoints.map((e) => e.network)));
  for (const n of bridgeNetworks(snapshot)) {
    if (n.internal || n.options['com.docker.network.bridge.enable_ip_masquerade'] === 'false') continue;
    for (const s of n.subnets) {
      if (!s.subnet) continue;
      const v6 = s.subnet.includes(':');
      const mode = n.options[v6 ? 'com.docker.network.bridge.gateway_mode_ipv6' : 'com.docker.network.bridge.gateway_mode_ipv4'];
      if (mode === 'routed' || mode === 'isolated') continue;
      const state = v6 ? snapshot.netfilter6 : snapshot.netfilter;
      if (!sourceRead(snapshot, v6 ? 'netfilter6' : 'netfilter') || !state) continue;
      if (v6 && !n.enableIPv6) continue;
      // Before Docker 27 the engine programmed ip6tables only when told to (--ip6tables): expect
      // IPv6 NAT from 27 on, or when it made one for another IPv6 network.
      if (
        v6 &&
        !(
          engineMajor(snapshot) >= 27 ||
          v6Masquerades(
            state,
            n.subnets.map((x) => x.subnet),
          )
        )
      )
        continue;
      const nat = state.tables.find((t) => t.name === 'nat');
      const inIptables = (nat?.chains ?? []).some((c) => c.rules.some((r) => r.target === 'MASQUERADE' && iptablesShape(r).sourceNet === s.subnet));
      const inNft = nftDocker.some((t) =>
        t.chains.some((c) => c.rules.some((r) => nftShape(t, r).verdict === 'MASQUERADE' && nftShape(t, r).sourceNet === s.subnet)),
      );
      if (inIptables || inNft) continue;
      const tool = v6 ? 'ip6tables' : 'iptables';
      out.push(
        finding(
          'no-masquerade',
          used.has(n.name) ? 'error' : 'warning',
          'network',
          n.name,
          `no MASQUERADE rule for ${n.name}'s subnet ${s.subnet} in ${tool}' nat table${nftDocker.length ? ` or Docker's nftables table` : ''}: its containers' connections leave ${n.bridgeName} with their private source address, and replies never come back`,
          `Restart Docker (systemctl restart docker) to re-create it, or add it by hand: ${tool} -t nat -A POSTROUTING -s ${s.subnet} ! -o ${n.bridgeName} -j MASQUERADE`,
        ),
      );
    }
  }
  return out;
}

type DropCause = 'docker-user-drop' | 'host-firewall-drop' | 'forward-drop';

interface Drop {
  cause: DropCause;
  /** "filter DOCKER-USER #1: -A DOCKER-USER -s 172.30.1.20/32 -j DROP", or "filter FORWARD policy DROP". */
  where: string;
  /** The rule's spec, for a fix; absent for a policy. */
  spec?: string;
  table: string;
  chain: string;
  firewall?: string;
}

/** Why a path ends in DROP or REJECT, when the host (not Docker's design) is the cause. */
function dropCause(path: PacketPath): Drop | undefined {
  if (path.finalVerdict !== 'DROP' && path.finalVerdict !== 'REJECT') return undefined;
  if (path.routing && path.routing.kind !== 'forward' && path.routing.kind !== 'bridge') return undefined;
  const last = path.steps.at(-1);
  if (!last) return undefined;
  const rule = last.policy ? undefined : last.rules.filter((r) => r.result === 'matched').at(-1)?.rule;
  const where = rule ? `${rule.table} ${rule.chain} #${rule.position}: ${rule.spec}` : `${last.table} ${last.chain} policy ${last.verdict}`;
  const base = { where, table: last.table, chain: last.chain, ...(rule ? { spec: rule.spec } : {}) };
  const firewall = isHostFirewallChain(last.table, last.chain);
  if (firewall) return { cause: 'host-firewall-drop', firewall, ...base };
  if (last.chain === 'DOCKER-USER') return { cause: 'docker-user-drop', ...base };
  if (last.table === 'filter' && last.chain === 'FORWARD') return { cause: 'forward-drop', ...base };
  return undefined;
}

function dropFix(d: Drop, what: string, bridge = 'BRIDGE'): string {
  switch (d.cause) {
    case 'docker-user-drop':
      return `DOCKER-USER is yours, not Docker's: if ${what} should pass, delete the rule (iptables ${d.spec ? d.spec.replace(/^-A /, '-D ') : '-D DOCKER-USER ...'}) or put an ACCEPT for it above the DROP (iptables -I DOCKER-USER ...)`;
    case 'host-firewall-drop':
      return d.firewall === 'ufw'
        ? `ufw drops forwarded traffic: allow it (ufw route allow in on ${bridge} or ufw allow from the network's subnet), or keep ufw's rules out of FORWARD and filter in DOCKER-USER instead`
        : `firewalld drops forwarded traffic: put Docker's bridges in the docker zone (firewall-cmd --permanent --zone=docker --add-interface=${bridge}) or a zone with forwarding allowed, then firewall-cmd --reload and restart Docker`;
    case 'forward-drop':
      return d.spec
        ? `A rule in FORWARD drops it before Docker's chains: delete it (iptables ${d.spec.replace(/^-A /, '-D ')}) or filter in DOCKER-USER instead`
        : `FORWARD's policy drops what Docker's chains do not accept: restart Docker so its jump to DOCKER-FORWARD/DOCKER comes first (systemctl restart docker); something flushed or reordered FORWARD`;
  }
}

/**
 * Whether some rule matches a source narrower than a Docker network (a container's address, a
 * range of it), so a container's path may differ from its network's other members'.
 */
function sourceSpecific(snapshot: HostSnapshot): (ip: string) => boolean {
  const subnets = new Set((snapshot.docker?.networks ?? []).flatMap((n) => n.subnets.map((s) => s.subnet)));
  const blocks: string[] = [];
  for (const state of [snapshot.netfilter, snapshot.netfilter6]) {
    for (const t of state?.tables ?? []) {
      for (const c of t.chains) {
        for (const r of c.rules) {
          const src = r.match.source;
          if (src && !subnets.has(src) && !/\/0$/.test(src)) blocks.push(src);
          if (r.modules.includes('iprange') || r.modules.includes('set')) blocks.push('0.0.0.0/0', '::/0');
        }
      }
    }
  }
  const nftTexts = (snapshot.nftables?.tables ?? []).filter((t) => t.origin === 'native').flatMap((t) => t.chains.flatMap((c) => c.rules.map((r) => r.text)));
  return (ip) => blocks.some((b) => cidrContains(b.includes('/') ? b : `${b}/${b.includes(':') ? 128 : 32}`, ip)) || nftTexts.some((t) => t.includes(ip));
}

function pathDrops(snapshot: HostSnapshot): Finding[] {
  if (!sourceRead(snapshot, 'netfilter')) return [];
  const out: Finding[] = [];
  // Containers' traffic out, grouped by what drops it and whom it concerns.
  const outbound = new Map<string, { d: Drop; kind: 'network' | 'container'; name: string; network: NetworkInfo; senders: { name: string; ip: string }[] }>();
  const bridges = new Map(bridgeNetworks(snapshot).map((n) => [n.name, n]));
  // Members of one network take the same path unless a rule names a source narrower than the
  // network: one path per network, and one per container whose address such a rule covers.
  const singledOut = sourceSpecific(snapshot);
  const shared = new Map<string, Drop | undefined>();
  for (const c of running(snapshot)) {
    for (const e of c.endpoints) {
      const n = bridges.get(e.network);
      if (!n || n.internal || !e.ip) continue;
      const own = singledOut(e.ip);
      let d: Drop | undefined;
      if (!own && shared.has(n.name)) d = shared.get(n.name);
      else {
        try {
          d = dropCause(computePacketPath(snapshot, containerOutboundFlow(snapshot, c.id, { dst: OUTSIDE_CLIENT, dport: 443, network: n.name })));
        } catch {
          continue;
        }
        if (!own) shared.set(n.name, d);
      }
      if (!d) continue;
      // A policy or a rule in FORWARD hits the whole network; a DOCKER-USER or firewall rule may be about one container.
      const whole = d.cause === 'forward-drop' && !d.spec;
      const kind = whole ? 'network' : 'container';
      const name = whole ? n.name : c.name;
      const key = `${d.cause}\u0000${kind}\u0000${name}\u0000${d.where}\u0000${n.name}`;
      const g = outbound.get(key) ?? { d, kind, name, network: n, senders: [] };
      g.senders.push({ name: c.name, ip: e.ip });
      outbound.set(key, g);
    }
  }
  for (const g of outbound.values()) {
    const dst = `${OUTSIDE_CLIENT}:443`;
    const first = g.senders[0];
    const what =
      g.senders.length === 1 && first
        ? `${first.name}'s traffic out (${first.ip} on ${g.network.name} to ${dst})`
        : `traffic out of ${g.senders.map((x) => `${x.name} (${x.ip})`).join(', ')} on ${g.network.name} to ${dst}`;
    out.push(
      finding(
        g.d.cause,
        'error',
        g.kind,
        g.name,
        `${what} is dropped by ${g.d.where}${g.d.firewall ? ` (${g.d.firewall})` : ''}`,
        dropFix(g.d, what, g.network.bridgeName),
      ),
    );
  }
  // A connection from outside to each published port.
  for (const c of running(snapshot)) {
    for (const p of c.ports) {
      if (p.hostPort <= 0 || cidrContains('127.0.0.0/8', p.hostIp) || p.hostIp === '::1') continue;
      if (p.protocol !== 'tcp' && p.protocol !== 'udp') continue;
      let path: PacketPath;
      try {
        path = pathForRequest(snapshot, {
          kind: 'inbound',
          hostPort: p.hostPort,
          protocol: p.protocol,
          ...(p.hostIp.includes(':') ? { ipv6: true } : {}),
        }).path;
      } catch {
        continue;
      }
      const d = dropCause(path);
      if (!d) continue;
      const port = `${p.hostIp.includes(':') ? `[${p.hostIp}]` : p.hostIp}:${p.hostPort}/${p.protocol}`;
      const what = `a connection from outside (${path.flow.src}) to ${c.name}'s published port ${port}`;
      out.push(
        finding(d.cause, 'error', 'port', port, `${what} is dropped by ${d.where}${d.firewall ? ` (${d.firewall})` : ''}`, dropFix(d, what, path.outInterface)),
      );
    }
  }
  return out;
}

/**
 * Rules naming a bridge or an address that is gone: a warning each. Rules of another engine
 * version's layout (left after switching engines in place) name nothing that is gone and sit
 * behind the running engine's own rules: information, one finding per chain.
 */
function staleRuleFindings(snapshot: HostSnapshot): Finding[] {
  const stale = staleRules(snapshot).filter((r) => !r.dnat);
  const out = stale
    .filter((r) => r.owner.name !== undefined)
    .map((r) =>
      finding(
        'stale-rules',
        'warning',
        'rule',
        r.where,
        `${r.spec}: ${r.owner.by}${r.owner.role ? ` (Docker's ${r.owner.role})` : ''}`,
        `Nothing uses it any more: delete it (${r.remove}), or restart Docker to rebuild its chains`,
      ),
    );
  const layout = new Map<string, typeof stale>();
  for (const r of stale.filter((x) => x.owner.name === undefined)) {
    const chain = r.where.replace(/ #\d+$/, '').replace(/ handle \d+$/, '');
    layout.set(chain, [...(layout.get(chain) ?? []), r]);
  }
  for (const [chain, rules] of layout) {
    out.push(
      finding(
        'stale-rules',
        'info',
        'rule',
        chain,
        `${rules.length} rule${rules.length === 1 ? '' : 's'} another engine version left in ${chain}: ${rules.map((r) => r.spec).join('; ')} (${rules[0]?.owner.by})`,
        `Remove them when convenient (${rules.map((r) => r.remove).join('; ')}); they sit behind the running engine's own rules`,
      ),
    );
  }
  return out;
}

export function forwardingChecks(snapshot: HostSnapshot): Finding[] {
  return [...ipForwardOff(snapshot), ...noMasquerade(snapshot), ...pathDrops(snapshot), ...staleRuleFindings(snapshot)];
}
