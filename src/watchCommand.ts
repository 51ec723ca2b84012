// `container-net watch`: the live host state from a terminal. Prints the host's state once,
// then one line per change (container started/stopped/renamed, endpoint or address changed,
// port published, a source lost or back, and with --counters rule counters that moved),
// `--json` one JSON object per line, until SIGINT/SIGTERM. The same LiveSnapshot as the
// extension: Docker's event stream, a slow poll as a net, counters re-read on request.
// Names come from containers: every line is printed with control characters replaced.
import { displayBlock, displayJson } from './host/displayText';
import type { HostSnapshot } from './snapshot/hostSnapshot';
import type { SnapshotOptions } from './host/hostSnapshotReader';
import { LiveSnapshot } from './host/liveSnapshot';
import { stateChanges, type StateChange } from './model/stateChanges';
import { topologyOf } from './model/topology';
import { renderSourcesText, renderTopologyText } from './render/topologyText';
import { aliasGroups } from './model/aliasGroups';

export interface WatchOptions {
  json: boolean;
  /** Re-read rule counters every `counterMs` and report the rules whose counter moved. */
  counters: boolean;
  counterMs?: number;
  pollMs?: number;
  snapshot: SnapshotOptions;
  write?: (line: string) => void;
  /** Ends the watch (the CLI wires SIGINT and SIGTERM to it). */
  signal: AbortSignal;
}

function stateLine(snapshot: HostSnapshot): Record<string, unknown> {
  const topo = topologyOf(snapshot);
  return {
    time: snapshot.takenAt,
    kind: 'state',
    sources: snapshot.sources.map((s) => ({ name: s.name, state: s.state, ...(s.reason ? { reason: s.reason } : {}) })),
    containers: topo.containers.map((c) => ({
      name: c.name,
      id: c.id,
      state: c.state,
      endpoints: topo.endpoints
        .filter((e) => e.containerId === c.id)
        .map((e) => ({ network: e.network, ip: e.ip, ...(e.ipv6 ? { ipv6: e.ipv6 } : {}), ...(e.hostVeth ? { hostVeth: e.hostVeth.name } : {}) })),
    })),
  };
}

export async function watch(options: WatchOptions): Promise<number> {
  const write = options.write ?? ((line: string) => void process.stdout.write(`${line}\n`));
  const live = new LiveSnapshot({ snapshot: options.snapshot, pollMs: options.pollMs ?? 30_000 });
  let previous: HostSnapshot | undefined;
  const emit = (c: StateChange, time: string): void => {
    if (options.json) write(displayJson({ time, ...c }, 0));
    else write(displayBlock(`${time.slice(11, 23)} ${c.kind.padEnd(17)} ${c.subject}: ${c.detail}`));
  };
  live.on('changed', (snapshot) => {
    if (!previous) {
      if (options.json) write(displayJson(stateLine(snapshot), 0));
      else
        write(
          displayBlock(`${renderSourcesText(snapshot)}\n\n${renderTopologyText(topologyOf(snapshot), aliasGroups(snapshot))}\n\nWatching (Ctrl+C to stop)...`),
        );
    } else {
      for (const c of stateChanges(previous, snapshot)) emit(c, snapshot.takenAt);
    }
    previous = snapshot;
  });
  live.on('counters', (snapshot) => {
    if (previous)
      for (const c of stateChanges(previous, snapshot, { counters: true }).filter((x) => x.kind === 'counter-moved'))
        emit(c, snapshot.countersReadAt ?? snapshot.takenAt);
    previous = snapshot;
  });
  live.on('failed', (err) =>
    write(
      options.json ? displayJson({ time: new Date().toISOString(), kind: 'read-failed', detail: err.message }, 0) : displayBlock(`read failed: ${err.message}`),
    ),
  );
  const timer = options.counters ? setInterval(() => void live.refreshCounters().catch(() => undefined), options.counterMs ?? 2000) : undefined;
  live.start();
  await new Promise<void>((resolve) => {
    if (options.signal.aborted) resolve();
    options.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  if (timer) clearInterval(timer);
  live.stop();
  return 0;
}
