// Takes a HostSnapshot: every source read in parallel, each timed, each failure recorded with
// its reason and fix instead of failing the whole snapshot.
import { hostname, release } from 'node:os';
import type Docker from 'dockerode';
import { BRIDGE_FDB_ARGS, BRIDGE_LINK_ARGS, parseBridgeFdbJson, parseBridgeLinkJson } from './bridgeTables';
import { batchError, runFixedBatch } from './commandBatch';
import { CommandError, runCommand, type CommandResult, type RunCommand } from './commandRunner';
import { conntrackNote, DEFAULT_CONNTRACK_LIMIT, readConntrack } from './conntrack';
import { ContainerGoneError, readContainerNamespace, readListeners, readNamespaceLinks, readNamespaceNats } from './containerNamespaces';
import { join } from 'node:path';
import { readNamespaceIds } from './namespaceIds';
import { classifyDockerError, createDockerClient, describeEndpoint, readDocker, readOverlayPeers } from './dockerEngine';
import { pidBelongsToContainerSync, pidFeaturesOffReason } from './containerPid';
import { readDockerProxies } from './dockerProxy';
import {
  SNAPSHOT_SCHEMA,
  type ContainerInfo,
  type ContainerNamespace,
  type HostSnapshot,
  type Link,
  type SourceName,
  type SourceStatus,
} from '../snapshot/hostSnapshot';
import { readVxlanOffloads } from './interfaceOffloads';
import { IP6TABLES_SAVE_ARGS, IPTABLES_SAVE_ARGS, parseIptablesSave } from './iptablesSave';
import { IP_ADDR_ARGS, parseIpAddrJson } from './links';
import { mapLimit } from './mapLimit';
import { NFT_RULESET_ARGS, nftAllowed, nftMissingStatus, nftNotAllowedStatus, parseNftRuleset } from './nftRuleset';
import { DOCKER_NETNS_DIR, listNetworkSandboxes, readOverlaySandboxes } from './overlaySandboxes';
import { ParseError } from './parseError';
import { DEFAULT_PRIVILEGE_COMMAND, Privilege, findExecutable } from './privilege';
import { IP6_ROUTE_ARGS, IP_ROUTE_ARGS, parseIpRouteJson } from './routes';
import { readSysctls } from './sysctls';

export interface SnapshotOptions {
  run?: RunCommand;
  privilege?: Privilege;
  /** Used when not root; default `sudo -n`. */
  privilegeCommand?: readonly string[];
  /** Docker endpoint (unix:///path, tcp://host:port); default DOCKER_HOST or the local socket. */
  dockerEndpoint?: string;
  docker?: Docker;
  procRoot?: string;
  dockerNetnsDir?: string;
  conntrackLimit?: number;
  /** Parallel reads of container namespaces (only nsenter reads spawn processes). */
  namespaceConcurrency?: number;
  timeoutMs?: number;
  /**
   * Read Docker's DNS redirect rules inside each container (one nsenter + iptables-save per
   * container, the costliest part of a snapshot). Default true.
   */
  dnsRules?: boolean;
  /**
   * As root, read each container's interfaces with the host's `ip` inside its namespace (one
   * nsenter per container, in one batch): MAC, MTU, state and the peer index. Default true.
   * Without it the /proc view and the namespace ids still pair every veth exactly.
   */
  namespaceLinks?: boolean;
  /**
   * The previous snapshot: DNS redirect rules of containers whose process and namespace are
   * unchanged are taken from it instead of re-read (Docker writes them once, when the
   * container joins its first user-defined network). The sidebar passes it on refreshes.
   */
  previous?: HostSnapshot;
  /**
   * Sources taken from `previous` instead of re-read (when it read them): what a container
   * event cannot change (sysctls, overlay sandboxes) or what is only shown, not joined
   * (conntrack). The snapshot notes which were kept, and from when.
   */
  reuse?: readonly SourceName[];
}

/** The Debian package that brings each tool, for "missing tool" fixes. */
const PACKAGE_OF: Record<string, string> = {
  ip: 'iproute2',
  bridge: 'iproute2',
  'iptables-save': 'iptables',
  'ip6tables-save': 'iptables',
  conntrack: 'conntrack',
  nsenter: 'util-linux',
  nft: 'nftables',
  ethtool: 'ethtool',
};

class SourceRecorder {
  readonly sources: SourceStatus[] = [];

  constructor(private readonly privilege: Privilege) {}

  /** Times `read`, records its outcome, and returns its value (undefined when it failed). */
  async read<T>(name: SourceName, via: string, tools: string[], read: (notes: string[]) => Promise<T>): Promise<T | undefined> {
    const started = performance.now();
    const notes: string[] = [];
    const status: SourceStatus = { name, state: 'ok', ms: 0, via };
    try {
      const value = await read(notes);
      if (notes.length > 0) {
        status.notes = notes;
        if (notes.some((n) => !n.startsWith('info:'))) status.state = 'partial';
      }
      return value;
    } catch (err) {
      Object.assign(status, this.describeFailure(err, tools));
      return undefined;
    } finally {
      status.ms = Math.round((performance.now() - started) * 10) / 10;
      this.sources.push(status);
    }
  }

  record(status: SourceStatus): void {
    this.sources.push(status);
  }

  describeFailure(err: unknown, tools: string[]): Pick<SourceStatus, 'state' | 'reason' | 'fix'> {
    if (err instanceof CommandError) {
      if (err.kind === 'missing-tool') {
        const tool = err.argv.find((a) => PACKAGE_OF[a] !== undefined) ?? tools[0] ?? err.argv[0] ?? '';
        return { state: 'missing-tool', reason: err.message, fix: `Install ${tool}: apt-get install ${PACKAGE_OF[tool] ?? tool}` };
      }
      if (err.kind === 'permission') return { state: 'needs-privilege', reason: err.message, fix: this.privilege.remedy() };
      return { state: 'error', reason: err.message, fix: 'Run the same command by hand to see its full output.' };
    }
    if (err instanceof ParseError) return { state: 'error', reason: err.message, fix: 'Report this output as a bug; the rest of the snapshot is unaffected.' };
    const e = err as NodeJS.ErrnoException;
    if (e?.code === 'EACCES' || e?.code === 'EPERM') return { state: 'needs-privilege', reason: e.message, fix: this.privilege.remedy() };
    return { state: 'error', reason: e?.message ?? String(err) };
  }

  /** The previous read's value and status of a source, noted as kept; undefined when there is none to keep. */
  kept<T>(name: SourceName, previous: HostSnapshot | undefined, value: (p: HostSnapshot) => T | undefined): T | undefined {
    const before = previous?.sources.find((s) => s.name === name);
    const v = previous ? value(previous) : undefined;
    if (!previous || !before || (before.state !== 'ok' && before.state !== 'partial') || v === undefined) return undefined;
    this.sources.push({
      ...before,
      ms: 0,
      notes: [...(before.notes ?? []), `info: kept from the read at ${previous.takenAt} (not re-read after a container event)`],
    });
    return v;
  }

  needsPrivilege(name: SourceName): void {
    this.sources.push({
      name,
      state: 'needs-privilege',
      ms: 0,
      via: 'unprivileged',
      reason: `reading ${name} needs root, and ${this.privilege.mode === 'none' ? 'no privilege command is available' : `${this.privilege.command.join(' ')} was refused`}`,
      fix: this.privilege.remedy(),
    });
  }
}

/** Whether a container sits on a user-defined network (and so has Docker's DNS redirect inside). */
function hasEmbeddedDnsNetwork(c: ContainerInfo): boolean {
  return c.endpoints.some((e) => !['bridge', 'host', 'none'].includes(e.network));
}

/** The interfaces /proc shows now (name and index) are the ones of the earlier full read. */
function sameInterfaces(full: Link[], proc: Link[]): boolean {
  const names = (links: Link[]) =>
    links
      .map((l) => `${l.name}@${l.index}`)
      .sort()
      .join(' ');
  return names(full) === names(proc);
}

/** The same namespace as in the previous read: its inode (root) or its nsid (any user) unchanged. */
function sameNamespace(a: ContainerNamespace, b: ContainerNamespace): boolean {
  if (a.netnsInode !== undefined || b.netnsInode !== undefined) return a.netnsInode === b.netnsInode;
  return a.nsid !== undefined && a.nsid === b.nsid;
}

/**
 * Only the netfilter rules and counters (one `iptables-save -c`), for a panel that follows
 * rule counters every few seconds without re-reading the whole host. Throws when the read
 * is refused or fails: the caller keeps the last full snapshot's rules.
 */
export async function readNetfilterCounters(privilege: Privilege, timeoutMs = 10_000): Promise<HostSnapshot['netfilter']> {
  if (!privilege.usable) throw new Error(`netfilter needs privilege (${privilege.via})`);
  return parseIptablesSave((await privilege.runPrivileged(IPTABLES_SAVE_ARGS, { timeoutMs })).stdout);
}

/** Only the native nftables rules and counters (one `nft -j list ruleset`), beside readNetfilterCounters. */
export async function readNftablesCounters(privilege: Privilege, timeoutMs = 10_000): Promise<HostSnapshot['nftables']> {
  if (!privilege.usable) throw new Error(`nftables needs privilege (${privilege.via})`);
  return parseNftRuleset((await privilege.runPrivileged(NFT_RULESET_ARGS, { timeoutMs })).stdout);
}

export async function takeSnapshot(options: SnapshotOptions = {}): Promise<HostSnapshot> {
  const started = performance.now();
  const takenAt = new Date().toISOString();
  const run = options.run ?? runCommand;
  const privilege = options.privilege ?? Privilege.detect(run, options.privilegeCommand ?? DEFAULT_PRIVILEGE_COMMAND);
  const procRoot = options.procRoot ?? '/proc';
  const timeoutMs = options.timeoutMs ?? 10_000;
  const recorder = new SourceRecorder(privilege);
  const endpoint = describeEndpoint(options.dockerEndpoint);
  const runPrivileged = (argv: string[]) => privilege.runPrivileged(argv, { timeoutMs });
  /** A source kept from the previous read (options.reuse), as a settled promise; undefined to read it. */
  const reuse = <T>(name: SourceName, value: (p: HostSnapshot) => T | undefined): Promise<T | undefined> | undefined => {
    if (!options.reuse?.includes(name)) return undefined;
    const v = recorder.kept(name, options.previous, value);
    return v === undefined ? undefined : Promise.resolve(v);
  };

  // Container pids are only meaningful against this host's /proc when the engine is local: a
  // remote engine's pids name unrelated local processes, so nothing is read through them.
  const pidsOff = pidFeaturesOffReason(endpoint);
  // Each running container's /proc view is read as soon as its inspect is in, while the others
  // are still being inspected.
  const earlyNamespaces = new Map<string, Promise<ContainerNamespace | Error>>();
  const readEarly = (c: ContainerInfo): void => {
    if (pidsOff || c.pid <= 0 || c.modeKind === 'host' || c.modeKind === 'container') return;
    earlyNamespaces.set(
      c.id,
      readContainerNamespace(c, { procRoot }).catch((err: unknown) => (err instanceof Error ? err : new Error(String(err)))),
    );
  };
  let dockerClient: Docker | undefined;
  const dockerPart = (async () => {
    const started = performance.now();
    try {
      const docker = options.docker ?? createDockerClient(options.dockerEndpoint);
      dockerClient = docker;
      const { state, vanished } = await readDocker(docker, endpoint, 32, options.previous?.docker, procRoot, readEarly);
      recorder.record({
        name: 'docker',
        state: vanished.length > 0 ? 'partial' : 'ok',
        ms: Math.round(performance.now() - started),
        via: 'docker-api',
        ...(vanished.length > 0 ? { notes: vanished.map((n) => `container ${n} was removed during the read; skipped`) } : {}),
      });
      return state;
    } catch (err) {
      recorder.record({ name: 'docker', ms: Math.round(performance.now() - started), via: 'docker-api', ...classifyDockerError(err, endpoint) });
      return undefined;
    }
  })();

  // The peers of each swarm overlay network (one inspect each), beside the reads that need Docker;
  // kept after container events alone (a container joining an overlay is a network connect event).
  const peersPart = dockerPart.then(async (docker) => {
    if (!docker || !dockerClient) return;
    const client = dockerClient;
    const peers = await (reuse('overlayPeers', (p) => new Map((p.docker?.networks ?? []).flatMap((n) => (n.peers ? [[n.id, n.peers] as const] : [])))) ??
      recorder.read('overlayPeers', 'docker-api', [], (notes) => readOverlayPeers(client, docker, notes)));
    for (const n of docker.networks) {
      const p = peers?.get(n.id);
      if (p) n.peers = p;
    }
  });

  // The host namespace's iproute2 reads need no privilege and no names: one process for all.
  const hostBatch = runFixedBatch(run, [IP_ADDR_ARGS, IP_ROUTE_ARGS, BRIDGE_LINK_ARGS, BRIDGE_FDB_ARGS, IP6_ROUTE_ARGS], { timeoutMs });

  const namespacesPart = dockerPart.then(async (docker): Promise<ContainerNamespace[]> => {
    if (!docker) return [];
    if (pidsOff) {
      for (const name of ['containerNamespaces', 'containerDnsRules'] as const) {
        recorder.record({
          name,
          state: 'error',
          ms: 0,
          via: 'not read',
          reason: pidsOff,
          fix: "Open the Docker host itself (Remote-SSH) to see inside its containers' namespaces.",
        });
      }
      return [];
    }
    const targets = docker.containers.filter((c) => c.pid > 0 && c.modeKind !== 'host' && c.modeKind !== 'container');
    const namespaces =
      (await recorder.read('containerNamespaces', privilege.isRoot ? 'root' : 'unprivileged', ['nsenter'], async (notes) => {
        const read = await mapLimit(targets, options.namespaceConcurrency ?? 8, async (c) => {
          try {
            const early = await earlyNamespaces.get(c.id);
            if (early instanceof Error) throw early;
            return early ?? (await readContainerNamespace(c, { procRoot }));
          } catch (err) {
            if (err instanceof ContainerGoneError) {
              notes.push(err.message);
              return undefined;
            }
            throw err;
          }
        });
        const found = read.filter((n): n is ContainerNamespace => n !== undefined);
        // Before anything enters a namespace as root: the pid must still be the container's
        // (its cgroup names the container), not a process that took a freed pid meanwhile.
        const enterable = new Set(found.filter((ns) => pidBelongsToContainerSync(ns.pid, ns.containerId, procRoot)).map((ns) => ns.containerId));
        for (const ns of found)
          if (!enterable.has(ns.containerId))
            notes.push(`${ns.containerName}: pid ${ns.pid} is no longer in the container's cgroup; its namespace is not entered`);
        // Root: the host's `ip` inside each namespace, all in one batch, adds what /proc lacks
        // (peer index, MAC, MTU, state). Through sudo that would be one sudo per container on
        // every refresh: the /proc view and the nsid pairing below are exact without it.
        // A namespace unchanged since the previous read (same process, same namespace, the same
        // interfaces in /proc) keeps that read's interfaces: a refresh spawns nothing for it.
        const previousNs = new Map((options.previous?.containerNamespaces ?? []).map((n) => [n.containerId, n]));
        const toRead = found.filter((ns) => {
          if (!enterable.has(ns.containerId)) return false;
          const old = previousNs.get(ns.containerId);
          if (old?.via === 'nsenter' && old.pid === ns.pid && sameNamespace(old, ns) && sameInterfaces(old.links, ns.links)) {
            ns.links = old.links;
            ns.via = 'nsenter';
            return false;
          }
          return true;
        });
        if (options.namespaceLinks === false && toRead.length > 0) {
          notes.push(`info: ${toRead.length} namespaces from /proc only (their MTU and state come with the next read)`);
        } else if (privilege.isRoot && toRead.length > 0) {
          try {
            const links = await readNamespaceLinks(
              toRead.map((ns) => ns.pid),
              privilege,
              timeoutMs,
            );
            links.forEach((l, i) => {
              const ns = toRead[i] as ContainerNamespace;
              if (l instanceof CommandError) notes.push(`${ns.containerName}: ${l.message} (kept the /proc view)`);
              else if (l && l.length > 0) {
                ns.links = l;
                ns.via = 'nsenter';
              }
            });
          } catch (err) {
            notes.push(`namespace interfaces from /proc only: ${(err as Error).message}`);
          }
        }
        // The nsid of each namespace, after the host links were read (the host gives a peer
        // namespace its id when it first reports a link into it).
        await hostBatch.catch(() => undefined);
        try {
          const { ids, failed } = await readNamespaceIds(
            run,
            found.map((ns) => ns.pid),
            timeoutMs,
          );
          for (const ns of found) {
            const id = ids.get(ns.pid);
            if (id !== undefined) ns.nsid = id;
          }
          for (const f of failed) notes.push(`info: nsid of ${f}`);
        } catch (err) {
          notes.push(`nsid probe failed (veth pairing falls back to peer indexes): ${(err as Error).message}`);
        }
        for (const c of docker.containers.filter((c) => c.pid > 0 && c.modeKind === 'container')) {
          // By name: Docker reports container:X with X's full id.
          const owner = docker.containers.find((o) => o.id === c.modeTarget || o.name === c.modeTarget);
          notes.push(`info: ${c.name} shares the network namespace of ${owner?.name ?? c.modeTarget}`);
        }
        return found;
      })) ?? [];
    const byId = new Map(docker.containers.map((c) => [c.id, c]));
    const dnsTargets = namespaces.filter((ns) => {
      const c = byId.get(ns.containerId);
      return c !== undefined && hasEmbeddedDnsNetwork(c) && pidBelongsToContainerSync(ns.pid, ns.containerId, procRoot);
    });
    if (options.dnsRules === false) {
      recorder.record({
        name: 'containerDnsRules',
        state: 'ok',
        ms: 0,
        via: 'not requested',
        notes: [
          'info: not read in this read (one process per container): the live state reads them right after its first picture; the CLI without --no-dns-rules',
        ],
      });
    } else if (!privilege.usable) {
      recorder.needsPrivilege('containerDnsRules');
    } else {
      await recorder.read('containerDnsRules', privilege.via, ['nsenter', 'iptables-save'], async (notes) => {
        const before = new Map((options.previous?.containerNamespaces ?? []).map((n) => [n.containerId, n]));
        const toRead = dnsTargets.filter((ns) => {
          const old = before.get(ns.containerId);
          if (old?.dnsRules && old.pid === ns.pid && sameNamespace(old, ns)) {
            ns.dnsRules = old.dnsRules;
            return false;
          }
          return true;
        });
        if (toRead.length < dnsTargets.length) notes.push(`info: ${dnsTargets.length - toRead.length} unchanged namespaces kept from the previous read`);
        const nats = await readNamespaceNats(
          toRead.map((ns) => ns.pid),
          privilege,
          timeoutMs,
        );
        nats.forEach((nat, i) => {
          const ns = toRead[i] as ContainerNamespace;
          if (nat instanceof CommandError) {
            // A container that stopped meanwhile, a namespace nsenter cannot enter, or its
            // batch timing out: noted for that container, the others kept. A refusal or a
            // missing tool is the whole source's.
            if (nat.kind === 'permission' || nat.kind === 'missing-tool') throw nat;
            notes.push(`${ns.containerName}: ${nat.message}`);
          } else if (nat) ns.dnsRules = nat;
        });
      });
    }
    return namespaces;
  });

  const hostRead = <T>(name: SourceName, index: number, argv: string[], parse: (text: string) => T[]) =>
    recorder
      .read(name, 'unprivileged', [argv[0] as string], async () => {
        const result = (await hostBatch)[index] as CommandResult;
        const error = batchError(argv, result);
        if (error) throw error;
        return parse(result.stdout);
      })
      .then((v) => v ?? []);
  const [links, routes, bridgePorts, fdb, sysctls, dockerProxies] = await Promise.all([
    hostRead('hostLinks', 0, IP_ADDR_ARGS, (t) => parseIpAddrJson(t)),
    recorder
      .read('hostRoutes', 'unprivileged', ['ip'], async (notes) => {
        const [v4, v6] = [(await hostBatch)[1] as CommandResult, (await hostBatch)[4] as CommandResult];
        const error = batchError(IP_ROUTE_ARGS, v4);
        if (error) throw error;
        const routes = parseIpRouteJson(v4.stdout);
        // IPv6 routes: a failure here is noted and keeps the IPv4 routes.
        const error6 = batchError(IP6_ROUTE_ARGS, v6);
        if (error6) notes.push(`IPv6 routes not read: ${error6.message}`);
        else routes.push(...parseIpRouteJson(v6.stdout, 'ip -j -6 route', 'inet6'));
        return routes;
      })
      .then((v) => v ?? []),
    hostRead('bridgePorts', 2, BRIDGE_LINK_ARGS, (t) => parseBridgeLinkJson(t)),
    hostRead('bridgeFdb', 3, BRIDGE_FDB_ARGS, (t) => parseBridgeFdbJson(t)),
    (reuse('sysctls', (p) => p.hostNamespace.sysctls) ?? recorder.read('sysctls', 'unprivileged', [], () => readSysctls(procRoot))).then((s) => s ?? {}),
    recorder.read('dockerProxy', privilege.isRoot ? 'root' : 'unprivileged', [], (notes) => readDockerProxies(procRoot, notes)).then((p) => p ?? []),
  ]);

  const privilegedReads = privilege.usable
    ? Promise.all([
        recorder.read('netfilter', privilege.via, ['iptables-save'], async () => parseIptablesSave((await runPrivileged(IPTABLES_SAVE_ARGS)).stdout)),
        recorder.read('netfilter6', privilege.via, ['ip6tables-save'], async () =>
          parseIptablesSave((await runPrivileged(IP6TABLES_SAVE_ARGS)).stdout, 'ip6tables-save'),
        ),
        reuse('conntrack', (p) => p.conntrack) ??
          recorder.read('conntrack', privilege.via, ['conntrack'], async (notes) => {
            const state = await readConntrack(privilege, { limit: options.conntrackLimit ?? DEFAULT_CONNTRACK_LIMIT, timeoutMs, procRoot });
            const note = conntrackNote(state);
            if (note) notes.push(note);
            return state;
          }),
        reuse('overlaySandboxes', (p) => p.overlaySandboxes) ??
          recorder.read('overlaySandboxes', privilege.via, ['nsenter', 'ip', 'bridge'], async (notes) => {
            const dir = options.dockerNetnsDir ?? DOCKER_NETNS_DIR;
            let names: string[];
            try {
              names = await listNetworkSandboxes(dir);
            } catch (err) {
              if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
                notes.push(`info: ${dir} does not exist (no overlay networks on this host)`);
                return [];
              }
              throw err;
            }
            const { sandboxes, stale, unread } = await readOverlaySandboxes(names, privilege, dir, timeoutMs);
            for (const n of stale) notes.push(`info: ${n} is a stale namespace file (no namespace behind it); skipped`);
            notes.push(...unread);
            return sandboxes;
          }),
      ])
    : Promise.resolve(
        (['netfilter', 'netfilter6', 'conntrack', 'overlaySandboxes'] as const).map((name) => {
          recorder.needsPrivilege(name);
          return undefined;
        }) as [undefined, undefined, undefined, undefined],
      );

  // Many hosts have no nft at all: that is recorded as information, not as a failure.
  const nftablesPart = (async () => {
    const nft = findExecutable('nft');
    if (nft === undefined) return void recorder.record(nftMissingStatus());
    if (!privilege.usable) return void recorder.needsPrivilege('nftables');
    if (!(await nftAllowed(privilege, run, nft, timeoutMs))) return void recorder.record(nftNotAllowedStatus(privilege, nft));
    return recorder.read('nftables', privilege.via, ['nft'], async () => parseNftRuleset((await runPrivileged(NFT_RULESET_ARGS)).stdout));
  })();

  // ethtool on the interfaces VXLAN leaves by, once the overlay sandboxes say which (none: not run).
  const offloadsPart = (async () => {
    const [[, , , sandboxes], docker] = await Promise.all([privilegedReads, dockerPart]);
    const kept = reuse('offloads', (p) => p.offloads);
    if (kept) return kept;
    const started = performance.now();
    const ms = () => Math.round((performance.now() - started) * 10) / 10;
    try {
      const { status, offloads } = await readVxlanOffloads({
        hostNamespace: { links, routes },
        sandboxes,
        sandboxesStatus: recorder.sources.find((s) => s.name === 'overlaySandboxes'),
        ...(docker ? { overlayNetworks: docker.networks.some((n) => n.driver === 'overlay') } : {}),
        run,
        ethtool: findExecutable('ethtool'),
        timeoutMs,
      });
      recorder.record({ ...status, ms: ms() });
      return offloads;
    } catch (err) {
      recorder.record({ name: 'offloads', ms: ms(), via: 'unprivileged', ...recorder.describeFailure(err, ['ethtool']) });
      return undefined;
    }
  })();

  const [[netfilter, netfilter6, conntrack, overlaySandboxes], docker, containerNamespaces, nftables, , offloads] = await Promise.all([
    privilegedReads,
    dockerPart,
    namespacesPart,
    nftablesPart,
    peersPart,
    offloadsPart,
  ]);

  const order: SourceName[] = [
    'docker',
    'hostLinks',
    'hostRoutes',
    'bridgePorts',
    'bridgeFdb',
    'sysctls',
    'containerNamespaces',
    'containerDnsRules',
    'overlaySandboxes',
    'overlayPeers',
    'offloads',
    'netfilter',
    'netfilter6',
    'nftables',
    'conntrack',
    'dockerProxy',
  ];
  const snapshot: HostSnapshot = {
    schema: SNAPSHOT_SCHEMA,
    takenAt,
    tookMs: 0,
    host: {
      hostname: hostname(),
      kernel: release(),
      uid: typeof process.getuid === 'function' ? process.getuid() : -1,
      user: privilege.user,
      privilege: privilege.mode,
      ...(privilege.mode === 'root' ? {} : { privilegeCommand: privilege.command.join(' ') }),
    },
    sources: recorder.sources.sort((a, b) => order.indexOf(a.name) - order.indexOf(b.name)),
    hostNamespace: { links, routes, bridgePorts, fdb, sysctls, listeners: readListeners(join(procRoot, 'net')) },
    containerNamespaces,
    overlaySandboxes: overlaySandboxes ?? [],
    dockerProxies,
  };
  if (docker) snapshot.docker = docker;
  if (netfilter) snapshot.netfilter = netfilter;
  if (netfilter6) snapshot.netfilter6 = netfilter6;
  if (nftables) snapshot.nftables = nftables;
  if (conntrack) snapshot.conntrack = conntrack;
  if (offloads) snapshot.offloads = offloads;
  snapshot.tookMs = Math.round(performance.now() - started);
  return snapshot;
}
