// Netfilter view: the iptables tables and chains Docker manages, each rule in `iptables -S` form
// with its counters, Docker's role for it and the container or network it belongs to (or STALE);
// next to them the native nftables tables (firewalld, Docker 29's nftables backend): table >
// chain with hook, priority and policy > rule with counters. Who owns a rule is decided in
// src/model/ruleOwners.ts; this file only displays it.
import * as vscode from 'vscode';
import type { Chain, HostSnapshot, NetfilterTable, NftChain, NftRule, NftTable, Rule } from '../../snapshot/hostSnapshot';
import { sourceStatus } from '../../snapshot/hostSnapshot';
import { describeOwner, dockerRuleLayout, ruleOwnership, type RuleOwner, type RuleOwnership } from '../../model/ruleOwners';
import { SourceProblemNode } from './sourceProblemNode';
import { FactNode, GroupNode, TreeNode, code, md } from './treeNode';
import type { TreeInput } from './treeInput';
import { VIEW } from './viewIds';
import {
  netfilterChainNodeId,
  netfilterRuleNodeId,
  netfilterTableNodeId,
  nftChainNodeId,
  nftRuleNodeId,
  nftTableNodeId,
  type NetfilterFamily,
} from './nodeIds';

const BUILT_IN = new Set(['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING']);

/** One ownership per snapshot, shared by every node of the tree built from it. */
const ownershipCache = new WeakMap<HostSnapshot, RuleOwnership>();
function ownership(snapshot: HostSnapshot): RuleOwnership {
  let o = ownershipCache.get(snapshot);
  if (!o) {
    o = ruleOwnership(snapshot);
    ownershipCache.set(snapshot, o);
  }
  return o;
}

/** Chains shown: Docker's own, and built-in chains holding Docker's rules or jumping into its chains. */
export function isDockerChain(chain: Chain, owners?: RuleOwnership): boolean {
  if (chain.name.startsWith('DOCKER')) return true;
  if (!BUILT_IN.has(chain.name)) return false;
  return chain.rules.some(
    (r) => r.target?.startsWith('DOCKER') || r.target === 'MASQUERADE' || ['container', 'network', 'stale'].includes(owners?.iptables.get(r)?.kind ?? ''),
  );
}

function ownerIcon(owner: RuleOwner | undefined, verdict: string | undefined): vscode.ThemeIcon {
  if (owner?.kind === 'stale') return new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground'));
  const v = verdict?.toUpperCase();
  return new vscode.ThemeIcon(
    v === 'DROP' || v === 'REJECT' ? 'circle-slash' : v === 'DNAT' || v === 'MASQUERADE' || v === 'SNAT' ? 'arrow-swap' : 'arrow-right',
  );
}

/** "0 pkts / 0 B · published-port DNAT · api" (the owner last, as the e2e test reads it). */
function ruleDescription(packets: number | undefined, bytes: number | undefined, owner: RuleOwner | undefined): string {
  const counters = packets === undefined ? 'no counter' : `${packets} pkts / ${bytes ?? 0} B`;
  const who = owner ? describeOwner(owner) : '';
  return `${counters}${owner?.role ? ` · ${owner.role}` : ''}${who ? ` · ${who}` : ''}`;
}

function ownerTooltip(owner: RuleOwner | undefined): string {
  if (!owner || owner.kind === 'none') return '';
  const who =
    owner.kind === 'stale'
      ? '**STALE**: nothing on this host uses it'
      : `Belongs to ${owner.kind} **${md(owner.name ?? '')}**${owner.network ? ` on network **${md(owner.network)}**` : ''}`;
  return `\n\n${who}${owner.role ? ` (Docker's ${md(owner.role)})` : ''}: ${md(owner.by)}`;
}

type Family = NetfilterFamily;

export class TableNode extends TreeNode {
  constructor(
    private readonly table: NetfilterTable,
    private readonly input: TreeInput,
    private readonly family: Family = 'nf',
  ) {
    super(netfilterTableNodeId(table.name, family), 'nf-table');
  }

  private chains(): Chain[] {
    const owners = ownership(this.input.snapshot);
    return this.table.chains.filter((c) => isDockerChain(c, owners));
  }

  item(): vscode.TreeItem {
    const v6 = this.family === 'nf6';
    const item = this.base(v6 ? `${this.table.name} (IPv6)` : this.table.name, true, !v6 && this.table.name !== 'raw');
    item.description = `${v6 ? 'ip6tables · ' : ''}${this.chains().length} chains`;
    item.iconPath = new vscode.ThemeIcon('filter');
    return item;
  }

  override children(): TreeNode[] {
    return this.chains().map((c) => new ChainNode(this.table.name, c, this.input, this.family));
  }
}

export class ChainNode extends TreeNode {
  constructor(
    private readonly table: string,
    private readonly chain: Chain,
    private readonly input: TreeInput,
    private readonly family: Family = 'nf',
  ) {
    super(netfilterChainNodeId(table, chain.name, family), 'nf-chain');
  }

  item(): vscode.TreeItem {
    const c = this.chain;
    const item = this.base(c.name, c.rules.length > 0);
    const owners = ownership(this.input.snapshot);
    const stale = c.rules.filter((r) => owners.iptables.get(r)?.kind === 'stale').length;
    item.description = `${c.policy !== '-' ? `policy ${c.policy} · ` : ''}${c.rules.length} rules${c.policy !== '-' ? ` · ${c.packets} pkts` : ''}${stale ? ` · ${stale} STALE` : ''}`;
    item.iconPath = new vscode.ThemeIcon('list-ordered');
    item.tooltip = new vscode.MarkdownString(`\`${this.family === 'nf6' ? 'ip6tables' : 'iptables'} -t ${this.table} -L ${md(c.name)} -n -v --line-numbers\``);
    return item;
  }

  override children(): TreeNode[] {
    return this.chain.rules.map((r) => new RuleNode(r, this.input, this.family));
  }

  override facts() {
    return { inspect: this.chain };
  }
}

export class RuleNode extends TreeNode {
  constructor(
    private readonly rule: Rule,
    private readonly input: TreeInput,
    family: Family = 'nf',
  ) {
    super(netfilterRuleNodeId(rule.table, rule.chain, rule.position, family), 'nf-rule');
  }

  item(): vscode.TreeItem {
    const r = this.rule;
    const owner = ownership(this.input.snapshot).iptables.get(r);
    const item = this.base(r.spec, false);
    item.description = ruleDescription(r.packets, r.bytes, owner);
    item.iconPath = ownerIcon(owner, r.target);
    item.tooltip = new vscode.MarkdownString(
      `#${r.position} in ${md(r.table)}/${md(r.chain)}: ${code(r.spec)}\n\n${r.packets} packets, ${r.bytes} bytes${ownerTooltip(owner)}`,
    );
    return item;
  }

  override facts() {
    return { inspect: { rule: this.rule, owner: ownership(this.input.snapshot).iptables.get(this.rule) } };
  }
}

// ------------------------------------------------------------------ native nftables

const nftId = (t: NftTable) => nftTableNodeId(t.family, t.name);

export class NftTableNode extends TreeNode {
  constructor(
    private readonly table: NftTable,
    private readonly input: TreeInput,
  ) {
    super(nftId(table), 'nft-table');
  }

  item(): vscode.TreeItem {
    const t = this.table;
    const item = this.base(`${t.family} ${t.name}`, t.chains.length > 0, true);
    item.description = `nftables · ${t.chains.filter((c) => c.base).length} base, ${t.chains.filter((c) => !c.base).length} regular chains${t.managers.length ? ` · ${t.managers.join(', ')}` : ''}`;
    item.iconPath = new vscode.ThemeIcon('filter');
    item.tooltip = new vscode.MarkdownString(`\`nft list table ${md(t.family)} ${md(t.name)}\`\n\nNative nftables table: ${md(t.originReason)}`);
    return item;
  }

  override children(): TreeNode[] {
    // Base chains first, in the order the kernel runs them on a hook; then the regular ones.
    const base = this.table.chains.filter((c) => c.base).sort((a, b) => (a.hook ?? '').localeCompare(b.hook ?? '') || (a.priority ?? 0) - (b.priority ?? 0));
    return [...base, ...this.table.chains.filter((c) => !c.base)].map((c) => new NftChainNode(this.table, c, this.input));
  }

  override facts() {
    return {
      inspect: {
        family: this.table.family,
        name: this.table.name,
        origin: this.table.origin,
        originReason: this.table.originReason,
        managers: this.table.managers,
        sets: this.table.sets,
      },
    };
  }
}

export class NftChainNode extends TreeNode {
  constructor(
    private readonly table: NftTable,
    private readonly chain: NftChain,
    private readonly input: TreeInput,
  ) {
    super(nftChainNodeId(table.family, table.name, chain.name), 'nf-chain');
  }

  item(): vscode.TreeItem {
    const c = this.chain;
    const item = this.base(c.name, c.rules.length > 0);
    const owners = ownership(this.input.snapshot);
    const stale = c.rules.filter((r) => owners.nft.get(r)?.kind === 'stale').length;
    const hook = c.base
      ? `${c.type ?? ''} hook ${c.hook}${c.device ? ` device ${c.device}` : ''} priority ${c.priority} · policy ${c.policy ?? 'accept'} · `
      : '';
    item.description = `${hook}${c.rules.length} rules${stale ? ` · ${stale} STALE` : ''}`;
    item.iconPath = new vscode.ThemeIcon(c.base ? 'debug-breakpoint-function' : 'list-ordered');
    item.tooltip = new vscode.MarkdownString(
      `\`nft list chain ${md(this.table.family)} ${md(this.table.name)} ${md(c.name)}\`${c.base ? `\n\nBase chain on the ${md(c.hook ?? '')} hook at priority ${c.priority}` : '\n\nRegular chain (entered by jump or goto)'}`,
    );
    return item;
  }

  override children(): TreeNode[] {
    return this.chain.rules.map((r) => new NftRuleNode(this.table, r, this.input));
  }

  override facts() {
    return { inspect: this.chain };
  }
}

export class NftRuleNode extends TreeNode {
  constructor(
    private readonly table: NftTable,
    private readonly rule: NftRule,
    private readonly input: TreeInput,
  ) {
    super(nftRuleNodeId(table.family, table.name, rule.chain, rule.handle), 'nf-rule');
  }

  item(): vscode.TreeItem {
    const r = this.rule;
    const owner = ownership(this.input.snapshot).nft.get(r);
    const item = this.base(`${r.text}${r.comment !== undefined ? ` comment "${r.comment}"` : ''}`, false);
    item.description = ruleDescription(r.packets, r.bytes, owner);
    const verdict = /\b(accept|drop|reject|dnat|snat|masquerade)\b/.exec(r.text)?.[1];
    item.iconPath = ownerIcon(owner, verdict);
    item.tooltip = new vscode.MarkdownString(
      `handle ${r.handle}, #${r.position} in ${md(r.family)} ${md(r.table)}/${md(r.chain)}: ${code(r.text)}${r.comment !== undefined ? `\n\ncomment ${code(r.comment)}` : ''}\n\n${r.packets === undefined ? 'no counter' : `${r.packets} packets, ${r.bytes} bytes`}${ownerTooltip(owner)}`,
    );
    return item;
  }

  override facts() {
    return { inspect: { rule: this.rule, owner: ownership(this.input.snapshot).nft.get(this.rule) } };
  }
}

/** The nftables part of the view: native tables, iptables-nft's named, or why there are none. */
function nftablesRoots(input: TreeInput): TreeNode[] {
  const { snapshot } = input;
  const status = sourceStatus(snapshot, 'nftables');
  const nft = snapshot.nftables;
  if (!nft) {
    if (!status) return [];
    if (status.state === 'missing-tool')
      return [
        new FactNode('nft/missing', 'nftables', 'nft not installed: native tables not read', 'info', `${md(status.reason ?? '')}\n\n${md(status.fix ?? '')}`),
      ];
    return [new SourceProblemNode(VIEW.netfilter, status)];
  }
  const native = nft.tables.filter((t) => t.origin === 'native');
  const compat = nft.tables.filter((t) => t.origin === 'iptables-nft');
  const out: TreeNode[] = native.map((t) => new NftTableNode(t, input));
  if (compat.length > 0) {
    const names = compat.map((t) => `${t.family} ${t.name}${t.managers.length ? ` (${t.managers.join(', ')})` : ''}`);
    out.push(
      new FactNode(
        'nft/iptables-nft',
        'iptables-nft tables',
        names.join(', '),
        'info',
        `These nftables tables are iptables-nft's: their rules are the iptables rules shown above.\n\n${compat.map((t) => `- ${md(`${t.family} ${t.name}`)}: ${md(t.originReason)}`).join('\n')}`,
      ),
    );
  }
  if (native.length === 0) out.push(new FactNode('nft/none', 'nftables', `no native tables (nft ${nft.version ?? ''})`, 'info'));
  return out;
}

export function netfilterRoots(input: TreeInput): TreeNode[] {
  const { snapshot } = input;
  const nf = snapshot.netfilter;
  const owners = ownership(snapshot);
  const out: TreeNode[] = [];
  if (nf) out.push(new FactNode('nf/backend', 'backend', nf.backend, 'info'));
  const layout = dockerRuleLayout(snapshot);
  if (layout.layout !== 'none') out.push(new FactNode('nf/layout', 'Docker rule layout', layout.evidence, 'versions'));
  if (owners.stale.length > 0) {
    const items = owners.stale.map(
      (s, i) => new FactNode(`nf/stale/${i}`, s.rule, s.owner.by, 'warning', `${code(s.rule)}\n\n${md(s.owner.by)}`, { inspect: s }),
    );
    out.push(new GroupNode('nf/stale', 'STALE rules', 'warning', items, `${owners.stale.length}: nothing on this host uses them`));
  }
  if (nf) out.push(...nf.tables.filter((t) => t.chains.some((c) => isDockerChain(c, owners))).map((t) => new TableNode(t, input)));
  const nf6 = snapshot.netfilter6;
  if (nf6) out.push(...nf6.tables.filter((t) => t.chains.some((c) => isDockerChain(c, owners))).map((t) => new TableNode(t, input, 'nf6')));
  out.push(...nftablesRoots(input));
  return out;
}
