// Which containers can open which listening ports of which others, from the state alone: every
// running container (of a network, or the whole host) against every port something listens on
// in another container's namespace, each cell the verdict of explainConnection, so a cell can
// be opened as its explanation. The host and an outside client are rows too when the whole
// host is asked for.
import type { HostSnapshot } from '../snapshot/hostSnapshot';
import { connectionDestinations, connectionSources } from './connectionChoices';
import { explainConnection, type DecidingKind, type ExplainVerdict } from './explain';

export interface MatrixTarget {
  /** What explain takes: "api:80". */
  to: string;
  protocol: 'tcp' | 'udp';
}

export interface MatrixCell {
  from: string;
  to: string;
  protocol: 'tcp' | 'udp';
  verdict: ExplainVerdict;
  decidedBy?: { kind: DecidingKind; text: string };
}

export interface ReachabilityMatrix {
  scope: string;
  sources: string[];
  targets: MatrixTarget[];
  /** cells[i][j]: sources[i] to targets[j]; undefined on the diagonal (a container to itself). */
  cells: (MatrixCell | undefined)[][];
}

/** The containers with an endpoint on the network (the network's own list is not always read). */
export function networkMembers(snapshot: HostSnapshot, network: string): Set<string> {
  return new Set((snapshot.docker?.containers ?? []).filter((c) => c.endpoints.some((e) => e.network === network)).map((c) => c.name));
}

export function reachabilityMatrix(snapshot: HostSnapshot, network?: string): ReachabilityMatrix {
  const net = network === undefined ? undefined : snapshot.docker?.networks.find((n) => n.name === network || n.id === network || n.id.startsWith(network));
  if (network !== undefined && !net) throw new Error(`there is no network ${network} on this host`);
  const members = net ? networkMembers(snapshot, net.name) : undefined;
  const sources = connectionSources(snapshot)
    .map((c) => c.value)
    .filter((s) => (members ? members.has(s) : true));
  const seen = new Set<string>();
  const targets: MatrixTarget[] = [];
  for (const s of ['host', ...sources]) {
    for (const d of connectionDestinations(snapshot, s)) {
      const name = d.value.replace(/:\d+$/, '');
      if (!snapshot.docker?.containers.some((c) => c.name === name)) continue; // published host ports: not a container's port
      if (members && !members.has(name)) continue;
      const key = `${d.value}/${d.protocol}`;
      if (seen.has(key)) continue;
      seen.add(key);
      targets.push({ to: d.value, protocol: d.protocol });
    }
  }
  targets.sort((a, b) => a.to.localeCompare(b.to, 'en', { numeric: true }));
  const cells = sources.map((from) =>
    targets.map((t): MatrixCell | undefined => {
      if (t.to.replace(/:\d+$/, '') === from) return undefined;
      const e = explainConnection(snapshot, { from, to: t.to, protocol: t.protocol });
      return {
        from,
        to: t.to,
        protocol: t.protocol,
        verdict: e.verdict,
        ...(e.decidedBy ? { decidedBy: { kind: e.decidedBy.kind, text: e.decidedBy.text } } : {}),
      };
    }),
  );
  return { scope: net ? `network ${net.name}` : 'the whole host', sources, targets, cells };
}
