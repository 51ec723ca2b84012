// The Problems view: the network doctor's findings for the latest snapshot (addresses compared
// with the session's first), grouped by
// severity (errors, warnings, information), each finding with its evidence and fix; clicking a
// finding reveals the container, network, port, rule or interface it concerns in its view.
import * as vscode from 'vscode';
import type { ContainerInfo, HostSnapshot } from '../../snapshot/hostSnapshot';
import { findContainer } from '../../model/containerLookup';
import { problemCount, runDoctor, SEVERITIES, type Finding, type Severity } from '../../model/doctor/doctor';
import { uplinkOf } from '../../model/packetFlows';
import { containerNodeId, hostLinkNodeId, netfilterRuleNodeId, networkNodeId, nftRuleNodeId, portNodeId, uplinkNodeId } from './nodeIds';
import type { TreeInput } from './treeInput';
import { FactNode, TreeNode, md, type NodeFacts } from './treeNode';
import { VIEW } from './viewIds';

const findings = new WeakMap<HostSnapshot, Finding[]>();

/**
 * Each container as first seen in this session, by name (a container re-created under its name,
 * as compose does, keeps its first record), and when: later snapshots are compared with it, so
 * an address that changed since (ip-changed) stays reported while it matters, not for one
 * refresh only. Only Docker's container records are kept, not whole snapshots; they start again
 * when the engine endpoint changes.
 */
const firstSeen = new Map<string, ContainerInfo>();
let baselineOf: { endpoint: string; takenAt: string } | undefined;
const FIRST_SEEN_LIMIT = 2000;

function sessionBaseline(snapshot: HostSnapshot): HostSnapshot | undefined {
  const docker = snapshot.docker;
  if (!docker) return undefined;
  if (baselineOf?.endpoint !== docker.endpoint) {
    firstSeen.clear();
    baselineOf = undefined;
  }
  const before = baselineOf && { ...snapshot, takenAt: baselineOf.takenAt, docker: { ...docker, containers: [...firstSeen.values()] } };
  baselineOf ??= { endpoint: docker.endpoint, takenAt: snapshot.takenAt };
  for (const c of docker.containers) if (c.state === 'running' && !firstSeen.has(c.name)) firstSeen.set(c.name, c);
  // Bounded on hosts that churn containers: the oldest of those gone are forgotten first.
  if (firstSeen.size > FIRST_SEEN_LIMIT) {
    const live = new Set(docker.containers.map((c) => c.name));
    for (const name of firstSeen.keys()) if (firstSeen.size > FIRST_SEEN_LIMIT && !live.has(name)) firstSeen.delete(name);
  }
  return before;
}

/** The doctor's findings for a snapshot, worked out once (the tree and the view's badge share them). */
export function findingsOf(snapshot: HostSnapshot): Finding[] {
  let f = findings.get(snapshot);
  if (!f) {
    f = runDoctor(snapshot, sessionBaseline(snapshot));
    findings.set(snapshot, f);
  }
  return f;
}

/** The Problems view's badge: how many errors and warnings, or none. */
export function problemsBadge(snapshot: HostSnapshot): { value: number; tooltip: string } | undefined {
  const all = findingsOf(snapshot);
  const n = problemCount(all);
  if (n === 0) return undefined;
  const errors = all.filter((f) => f.severity === 'error').length;
  const warnings = n - errors;
  return {
    value: n,
    tooltip: [errors ? `${errors} error${errors === 1 ? '' : 's'}` : '', warnings ? `${warnings} warning${warnings === 1 ? '' : 's'}` : '']
      .filter(Boolean)
      .join(', '),
  };
}

const TITLES: Record<Severity, string> = { error: 'Errors', warning: 'Warnings', info: 'Information' };
const ICONS: Record<Severity, [string, string]> = {
  error: ['error', 'problemsErrorIcon.foreground'],
  warning: ['warning', 'problemsWarningIcon.foreground'],
  info: ['info', 'problemsInfoIcon.foreground'],
};

/** Where in the sidebar the object a finding concerns is shown, when it is there. */
export function findingLocation(snapshot: HostSnapshot, f: Finding): { view: string; nodeId: string } | undefined {
  const docker = snapshot.docker;
  const name = f.subject.name;
  switch (f.subject.kind) {
    case 'container': {
      const c = findContainer(docker?.containers, name);
      return c ? { view: VIEW.containers, nodeId: containerNodeId(c.id) } : undefined;
    }
    case 'network': {
      const n = docker?.networks.find((x) => x.name === name);
      return n ? { view: VIEW.networks, nodeId: networkNodeId(n.id) } : undefined;
    }
    case 'port': {
      // "0.0.0.0:8080/tcp" (a host binding) or "api:80/tcp" (a container's port).
      const m = /^(.*):(\d+)\/(\w+)$/.exec(name);
      if (!m) return undefined;
      const [, left = '', num, protocol = ''] = m;
      const port = Number(num);
      for (const c of docker?.containers ?? []) {
        const byHost = c.ports.find((p) => p.protocol === protocol && p.hostPort === port && (p.hostIp === left || `[${p.hostIp}]` === left));
        const byContainer = c.name === left ? c.ports.find((p) => p.protocol === protocol && p.containerPort === port) : undefined;
        const p = byHost ?? byContainer;
        if (p) return { view: VIEW.containers, nodeId: portNodeId({ containerId: c.id, ...p }) };
      }
      return undefined;
    }
    case 'rule': {
      const ipt = /^(ip6tables )?(\S+) (\S+) #(\d+)$/.exec(name);
      if (ipt) return { view: VIEW.netfilter, nodeId: netfilterRuleNodeId(ipt[2] ?? '', ipt[3] ?? '', Number(ipt[4]), ipt[1] ? 'nf6' : 'nf') };
      const nft = /^(\S+) (\S+) (\S+) handle (\d+)$/.exec(name);
      if (nft) return { view: VIEW.netfilter, nodeId: nftRuleNodeId(nft[1] ?? '', nft[2] ?? '', nft[3] ?? '', Number(nft[4])) };
      return undefined;
    }
    case 'interface': {
      const link = snapshot.hostNamespace.links.find((l) => l.name === name);
      if (!link) return undefined;
      return { view: VIEW.host, nodeId: link.name === uplinkOf(snapshot) ? uplinkNodeId(link.index) : hostLinkNodeId(link.index) };
    }
    case 'host':
      return undefined;
  }
}

/** One finding: its check and subject, the evidence beside it, evidence and fix below. */
export class FindingNode extends TreeNode {
  private readonly location: { view: string; nodeId: string } | undefined;

  constructor(
    id: string,
    readonly finding: Finding,
    snapshot: HostSnapshot,
  ) {
    const location = findingLocation(snapshot, finding);
    super(id, location ? 'finding-located' : 'finding');
    this.location = location;
  }

  item(): vscode.TreeItem {
    const f = this.finding;
    const item = this.base(`${f.check}: ${f.subject.name}`, true);
    item.description = f.evidence;
    const [icon, color] = ICONS[f.severity];
    item.iconPath = new vscode.ThemeIcon(icon, new vscode.ThemeColor(color));
    item.tooltip = new vscode.MarkdownString(
      `**${md(f.check)}** (${f.severity}): ${md(f.subject.kind)} ${md(f.subject.name)}\n\n**Evidence:** ${md(f.evidence)}\n\n**Fix:** ${md(f.fix)}`,
    );
    if (this.location) item.command = { command: 'containerNet.item.revealPeer', title: 'Reveal', arguments: [this] };
    return item;
  }

  override children(): TreeNode[] {
    const f = this.finding;
    return [
      new FactNode(`${this.id}/evidence`, 'evidence', f.evidence, 'search', md(f.evidence)),
      new FactNode(`${this.id}/fix`, 'fix', f.fix, 'lightbulb', md(f.fix)),
    ];
  }

  override facts(): NodeFacts {
    return { inspect: this.finding, ...(this.location ? { peer: this.location } : {}) };
  }

  override filterText(): string {
    const f = this.finding;
    return `${f.check} ${f.subject.name} ${f.evidence}`.toLowerCase();
  }
}

/** A severity's findings: "Errors (2)". */
export class SeverityNode extends TreeNode {
  constructor(
    readonly severity: Severity,
    private readonly members: FindingNode[],
  ) {
    super(`problems/${severity}`, 'doctor-severity');
    for (const m of members) m.parent = this;
  }

  item(): vscode.TreeItem {
    const item = this.base(TITLES[this.severity], this.members.length > 0, this.severity !== 'info');
    item.description = `${this.members.length}`;
    const [icon, color] = ICONS[this.severity];
    item.iconPath = new vscode.ThemeIcon(icon, new vscode.ThemeColor(color));
    return item;
  }

  override children(): TreeNode[] {
    return this.members;
  }

  override filterText(): string {
    return this.members.map((m) => m.filterText()).join(' ');
  }
}

/** The view's roots: one node per severity that has findings; a plain line when there is no problem. */
export function problemRoots(input: TreeInput): TreeNode[] {
  const all = findingsOf(input.snapshot);
  const seen = new Map<string, number>();
  const roots: TreeNode[] = [];
  // Without Docker's state nothing was checked: the view shows only why (the source's item).
  if (!input.snapshot.docker) return roots;
  if (problemCount(all) === 0) roots.push(new FactNode('problems/none', 'no problems found', 'nothing above information', 'pass'));
  for (const severity of SEVERITIES) {
    const nodes = all
      .filter((f) => f.severity === severity)
      .map((f) => {
        const base = `problems/${severity}/${f.check}/${f.subject.kind}/${f.subject.name}`;
        const n = (seen.get(base) ?? 0) + 1;
        seen.set(base, n);
        return new FindingNode(n === 1 ? base : `${base}#${n}`, f, input.snapshot);
      });
    if (nodes.length > 0) roots.push(new SeverityNode(severity, nodes));
  }
  return roots;
}
