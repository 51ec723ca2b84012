// A computed packet path as the reference draws it: the flow enters, passes each hook's
// chains in order (one box per chain visited, one per rule that matched or could not be
// evaluated, with its counters), the routing decision between the hooks, and the verdict.
// The edge after a DNAT/SNAT carries the rewritten address. Pure.
import type { EvaluatedRule, PathStep } from '../model/packetPath';
import type { RequestedPath } from '../model/pathRequests';
import { counterMoved, type CounterMemory } from '../model/ruleCounters';
import type { NodeTarget } from '../model/diagramRequest';
import type { RenderedDiagram } from './renderedDiagram';
import { FlowchartBuilder, escapeLabel, labelLines } from './mermaidText';

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

function counters(rule: EvaluatedRule['rule']): string {
  return `${rule.packets} pkts, ${formatBytes(rule.bytes)}`;
}

const STEP_ENTRY: Record<PathStep['entered'], string> = { hook: '', jump: 'jumped to', goto: 'goto', return: 'back in' };

function stepLabel(step: PathStep, notMatched: number, hiddenUnknown: number): string {
  const entry = STEP_ENTRY[step.entered];
  const lines = [`${entry ? `${entry} ` : ''}${step.table} ${step.chain}`];
  if (notMatched > 0) lines.push(`${notMatched} rule${notMatched === 1 ? '' : 's'} did not match`);
  if (hiddenUnknown > 0) lines.push(`${hiddenUnknown} more rule${hiddenUnknown === 1 ? '' : 's'} not understood (not drawn; see the CLI's path --json)`);
  if (step.policy) lines.push(`policy ${step.verdict}`);
  if (step.uncertain) lines.push('(assumes the rules not understood above did not match)');
  return labelLines(lines);
}

/** Longest rule text drawn in a box (a rule comment can be long, and every escaped character grows). */
const MAX_RULE_TEXT = 240;
/** Most rules drawn per chain visit; the rest are counted (an ipset-heavy chain can have hundreds the evaluator does not understand). */
const MAX_RULES_PER_STEP = 8;

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 3)}...`;
}

function ruleLabel(e: EvaluatedRule): string {
  const lines = [clip(`#${e.rule.position} ${e.rule.spec}`, MAX_RULE_TEXT), counters(e.rule)];
  if (e.result === 'unknown') lines.push(clip(`not understood: ${(e.unknown ?? []).join('; ')}`, MAX_RULE_TEXT));
  if (e.effect) lines.push(e.effect);
  return labelLines(lines);
}

function verdictEdge(step: PathStep): string | undefined {
  switch (step.verdict) {
    case 'JUMP':
      return `jump ${step.next ?? ''}`;
    case 'GOTO':
      return `goto ${step.next ?? ''}`;
    case 'RETURN':
      return 'return';
    default:
      return step.policy ? undefined : step.verdict;
  }
}

/**
 * The verdict and its reason on top; under it the path from left to right: the flow, each hook
 * as a column (its chains and the rules that decide, top to bottom), the routing decision
 * between hooks. No edge enters a hook's box (the arrows join the boxes themselves), so
 * Mermaid lays each column out on its own and the whole uses the panel's width.
 */
/** Nodes a hook's column holds before the rest goes into a column beside it. */
const FOLD_AT = 7;

/**
 * How a hook's steps (each the number of nodes it draws) split into columns: runs of whole
 * steps, as even as the steps allow, each about FOLD_AT nodes or less; one run when it fits.
 */
export function foldSteps(sizes: readonly number[]): number[] {
  const total = sizes.reduce((a, b) => a + b, 0);
  if (total <= FOLD_AT + 2) return [sizes.length];
  const columns = Math.ceil(total / FOLD_AT);
  const target = total / columns;
  const runs: number[] = [];
  let count = 0;
  let nodes = 0;
  for (const size of sizes) {
    if (count > 0 && nodes + size / 2 > target && runs.length < columns - 1) {
      runs.push(count);
      count = 0;
      nodes = 0;
    }
    count++;
    nodes += size;
  }
  runs.push(count);
  return runs;
}

export function renderPacketPathMermaid(requested: RequestedPath, previousCounters?: CounterMemory): RenderedDiagram {
  const { path } = requested;
  const fc = new FlowchartBuilder('TB');
  const nodes: Record<string, NodeTarget> = {};
  const moved: string[] = [];
  const inHost = requested.namespace === 'host';

  const final = path.finalVerdict;
  const verdictClass = final === 'ACCEPT' ? 'accept' : final === 'UNKNOWN' ? 'uncertain' : 'drop';
  const end = [`${final}${path.verdictIfUnknownRulesDoNotMatch ? ` (${path.verdictIfUnknownRulesDoNotMatch} if the rules not understood do not match)` : ''}`];
  const reason = path.reason ? clip(path.reason, MAX_RULE_TEXT) : '';
  if (reason) end.push(reason);
  // What the reason does not say already.
  const facts = [
    path.rewrittenDestination ? `destination rewritten to ${path.rewrittenDestination}` : undefined,
    path.rewrittenSource ? `source rewritten to ${path.rewrittenSource}` : undefined,
    path.outInterface ? `out ${path.outInterface}` : path.routing?.kind === 'local' ? 'delivered to a local process' : undefined,
  ];
  for (const f of facts) if (f && !reason.includes(f)) end.push(f);
  fc.node('VERDICT', 'stadium', labelLines(end), verdictClass);

  // Consecutive steps on one hook form one column; the routing decision sits after PREROUTING (or before OUTPUT).
  const groups: { hook: string; steps: { step: PathStep; index: number }[] }[] = [];
  path.steps.forEach((step, index) => {
    const g = groups[groups.length - 1];
    if (g && g.hook === step.hook) g.steps.push({ step, index });
    else groups.push({ hook: step.hook, steps: [{ step, index }] });
  });

  fc.subgraph(
    'PATH',
    ' ',
    () => {
      /** The last box or node of the row, and the label its outgoing arrow carries. */
      let last = fc.node(
        'FLOW',
        'stadium',
        labelLines([requested.subject, path.flow.sport === undefined ? 'NEW connection, first packet' : `NEW connection, source port ${path.flow.sport}`]),
        'endpoint',
      );
      let pendingEdge: string | undefined;
      const link = (to: string): void => {
        fc.edge(last, to, pendingEdge ? escapeLabel(pendingEdge) : undefined);
        pendingEdge = undefined;
        last = to;
      };
      let routed = false;
      const routingNode = (): void => {
        if (routed || !path.routing) return;
        routed = true;
        const r = path.routing;
        link(
          fc.node(
            'ROUTE',
            'diamond',
            labelLines([`routing: ${r.kind}`, r.reason]),
            r.kind === 'unreachable' || r.kind === 'forwarding-disabled' ? 'drop' : 'routing',
          ),
        );
      };
      groups.forEach((g, gi) => {
        if (g.hook === 'OUTPUT' && gi === 0) routingNode();
        if ((g.hook === 'INPUT' || g.hook === 'FORWARD' || g.hook === 'POSTROUTING') && !routed) routingNode();
        const hookId = `HOOK${gi}`;
        /** Inside the column: what the previous chain ended with, on the arrow to the next. */
        let edgeIn: string | undefined;
        // A long hook (FORWARD through Docker's chains) is folded into columns side by side, a
        // run of whole chain visits each, so the hook is not one tall column at Fit.
        const runs = foldSteps(g.steps.map(({ step }) => 1 + Math.min(step.rules.filter((r) => r.result !== 'not-matched').length, MAX_RULES_PER_STEP)));
        const drawStep = (step: PathStep, index: number, chain: (to: string) => void): void => {
          const relevant = step.rules.filter((r) => r.result !== 'not-matched');
          const notMatched = step.rules.length - relevant.length;
          // The rules that decide are drawn; past the cap, the undecided ones before them are counted.
          const matched = relevant.filter((r) => r.result === 'matched');
          const shown =
            relevant.length <= MAX_RULES_PER_STEP
              ? relevant
              : relevant.filter((r) => r.result === 'matched' || relevant.indexOf(r) < MAX_RULES_PER_STEP - Math.min(matched.length, MAX_RULES_PER_STEP));
          const hidden = relevant.length - shown.length;
          const sid = fc.node(`S${index}`, 'subroutine', stepLabel(step, notMatched, hidden), step.uncertain ? 'uncertain' : 'chain');
          if (inHost) nodes[sid] = { kind: 'chain', table: step.table, chain: step.chain };
          chain(sid);
          shown.forEach((e, ri) => {
            const cls = e.result === 'unknown' ? 'unknownRule' : ['DROP', 'REJECT'].some((v) => e.rule.spec.includes(`-j ${v}`)) ? 'drop' : 'matched';
            const rid = fc.node(`S${index}R${ri}`, 'rect', ruleLabel(e), cls);
            if (inHost) nodes[rid] = { kind: 'rule', table: e.rule.table, chain: e.rule.chain, position: e.rule.position, spec: e.rule.spec };
            if (counterMoved(previousCounters, e.rule) && inHost) {
              moved.push(rid);
              fc.addClass(rid, 'moved');
            }
            chain(rid);
          });
          const edge = verdictEdge(step);
          const effect = shown
            .map((e) => e.effect)
            .filter(Boolean)
            .pop();
          edgeIn = [edge, effect].filter(Boolean).join(': ') || undefined;
        };
        /** One column: steps chained top to bottom. */
        const column = (steps: { step: PathStep; index: number }[]): void => {
          let inner: string | undefined;
          const chain = (to: string): void => {
            if (inner) fc.edge(inner, to, edgeIn ? escapeLabel(edgeIn) : undefined);
            edgeIn = undefined;
            inner = to;
          };
          for (const { step, index } of steps) drawStep(step, index, chain);
        };
        const title = escapeLabel(`${g.hook}${inHost ? '' : ` (${requested.namespace})`}`);
        if (runs.length < 2) {
          fc.subgraph(hookId, title, () => column(g.steps), undefined, 'TB');
        } else {
          fc.subgraph(
            hookId,
            title,
            () => {
              let at = 0;
              let previous: string | undefined;
              runs.forEach((n, k) => {
                const colId = `${hookId}C${k}`;
                const carried = edgeIn;
                edgeIn = undefined;
                fc.subgraph(colId, ' ', () => column(g.steps.slice(at, at + n)), 'row', 'TB');
                if (previous) fc.edge(previous, colId, carried ? escapeLabel(carried) : undefined);
                previous = colId;
                at += n;
              });
            },
            undefined,
            'LR',
          );
        }
        // The arrow into the column carries what the previous one ended with; what this one ends with goes on the next.
        link(hookId);
        pendingEdge = edgeIn;
      });
      if (!routed) routingNode();
      link(fc.node('END', 'stadium', labelLines([final]), verdictClass));
    },
    'row',
    'LR',
  );
  fc.edge('VERDICT', 'PATH', undefined, 'invisible');

  const mermaid = fc.text(PATH_CLASSES);
  return {
    title: requested.title,
    // The verdict and its reason, shown above the drawing: what the reader came for.
    ...(path.reason ? { summary: path.reason } : {}),
    mermaid,
    nodes,
    moved,
    stats: { nodes: fc.nodeCount, edges: fc.edgeCount, chars: mermaid.length },
    notes: [...path.uncertain.map((u) => `uncertain: ${u}`), ...path.notes],
  };
}

/** Class names the panel's stylesheet colours from the theme; the definitions here only set widths. */
export const PATH_CLASSES: Record<string, string> = {
  endpoint: 'stroke-width:2px',
  chain: 'stroke-width:1px',
  matched: 'stroke-width:2px',
  unknownRule: 'stroke-width:2px,stroke-dasharray:4',
  uncertain: 'stroke-dasharray:4',
  routing: 'stroke-width:1px',
  accept: 'stroke-width:2px',
  drop: 'stroke-width:3px',
  moved: 'stroke-width:4px',
  row: 'fill:none,stroke:none',
};
