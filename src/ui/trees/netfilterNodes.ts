// Netfilter view: the tables and chains Docker manages, each rule in `iptables -S` form with
// its counters and, where known, the container or network it belongs to.
import * as vscode from 'vscode';
import type { Chain, NetfilterTable, Rule } from '../../host/hostSnapshot';
import { FactNode, TreeNode, code, md } from './treeNode';
import type { TreeInput } from './treeInput';

const BUILT_IN = new Set(['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING']);

/** Chains shown: Docker's own, and built-in chains that jump into them or hold their rules. */
export function isDockerChain(chain: Chain): boolean {
  return chain.name.startsWith('DOCKER') || (BUILT_IN.has(chain.name) && chain.rules.some((r) => r.target?.startsWith('DOCKER') || r.target === 'MASQUERADE'));
}

/** "api 172.30.1.10" or "lab-net" for a rule, from the addresses and bridges it names. */
export function ruleOwner(rule: Rule, input: TreeInput): string | undefined {
  const { topology } = input;
  const to = rule.targetOptions['to-destination']?.split(':')[0];
  const dst = rule.match.destination?.replace(/\/32$/, '');
  const src = rule.match.source?.replace(/\/32$/, '');
  for (const ip of [to, dst, src]) {
    const ep = ip ? topology.endpoints.find((e) => e.ip === ip) : undefined;
    if (ep) return ep.containerName;
  }
  for (const iface of [rule.match.inInterface, rule.match.outInterface]) {
    const net = iface ? topology.networks.find((n) => n.bridge === iface) : undefined;
    if (net) return net.name;
  }
  const net = topology.networks.find((n) => (rule.match.source && n.subnets.includes(rule.match.source)) || (rule.match.destination && n.subnets.includes(rule.match.destination)));
  return net?.name;
}

export class TableNode extends TreeNode {
  constructor(
    private readonly table: NetfilterTable,
    private readonly input: TreeInput,
  ) {
    super(`nf/${table.name}`, 'nf-table');
  }

  item(): vscode.TreeItem {
    const item = this.base(this.table.name, true, true);
    const chains = this.table.chains.filter(isDockerChain);
    item.description = `${chains.length} chains`;
    item.iconPath = new vscode.ThemeIcon('filter');
    return item;
  }

  override children(): TreeNode[] {
    const out = this.table.chains.filter(isDockerChain).map((c) => new ChainNode(this.table.name, c, this.input));
    for (const n of out) n.parent = this;
    return out;
  }
}

export class ChainNode extends TreeNode {
  constructor(
    private readonly table: string,
    private readonly chain: Chain,
    private readonly input: TreeInput,
  ) {
    super(`nf/${table}/${chain.name}`, 'nf-chain');
  }

  item(): vscode.TreeItem {
    const c = this.chain;
    const item = this.base(c.name, c.rules.length > 0);
    item.description = `${c.policy !== '-' ? `policy ${c.policy} · ` : ''}${c.rules.length} rules${c.policy !== '-' ? ` · ${c.packets} pkts` : ''}`;
    item.iconPath = new vscode.ThemeIcon('list-ordered');
    item.tooltip = new vscode.MarkdownString(`\`iptables -t ${this.table} -L ${md(c.name)} -n -v --line-numbers\``);
    return item;
  }

  override children(): TreeNode[] {
    const out = this.chain.rules.map((r) => new RuleNode(r, this.input));
    for (const n of out) n.parent = this;
    return out;
  }

  override facts() {
    return { inspect: this.chain };
  }
}

export class RuleNode extends TreeNode {
  constructor(
    private readonly rule: Rule,
    private readonly input: TreeInput,
  ) {
    super(`nf/${rule.table}/${rule.chain}/${rule.position}`, 'nf-rule');
  }

  item(): vscode.TreeItem {
    const r = this.rule;
    const owner = ruleOwner(r, this.input);
    const item = this.base(r.spec, false);
    item.description = `${r.packets} pkts / ${r.bytes} B${owner ? ` · ${owner}` : ''}`;
    item.iconPath = new vscode.ThemeIcon(r.target === 'DROP' || r.target === 'REJECT' ? 'circle-slash' : r.target === 'DNAT' || r.target === 'MASQUERADE' || r.target === 'SNAT' ? 'arrow-swap' : 'arrow-right');
    item.tooltip = new vscode.MarkdownString(`#${r.position} in ${md(r.table)}/${md(r.chain)}: ${code(r.spec)}\n\n${r.packets} packets, ${r.bytes} bytes${owner ? `\n\nBelongs to **${md(owner)}**` : ''}`);
    return item;
  }

  override facts() {
    return { inspect: this.rule };
  }
}

export function netfilterRoots(input: TreeInput): TreeNode[] {
  const nf = input.snapshot.netfilter;
  if (!nf) return [];
  return [
    new FactNode('nf/backend', 'backend', nf.backend, 'info'),
    ...nf.tables.filter((t) => t.chains.some(isDockerChain)).map((t) => new TableNode(t, input)),
  ];
}
