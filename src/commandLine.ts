// The command line of container-net: its arguments and what each command does.
// The executable entry point is src/cli.ts.
//   container-net snapshot [--json] [--out FILE]
//   container-net topology [--from FILE] [--json | --mermaid [--network N | --container C] [--filter T] [--compact | --full]]
//   container-net path (--port N [--udp] [--ipv6] | --outbound C [--dst IP] [--dport N] | --dns C) [--from FILE] [--json]
//   container-net watch [--json] [--counters]
//   container-net rules [--stale] [--from FILE]
//   container-net explain --from SRC --to DST [--udp] [--ipv6] [--json] [--snapshot FILE]
//   container-net explain --matrix [--network N] [--json] [--snapshot FILE]
//   container-net trace --from SRC --to DST [--udp] [--ipv6] [--packets N] [--seconds S] [--probe] --yes
//   container-net trace --cleanup
// Exit codes: 0 ok, 1 failure, 2 usage error; explain: 0 reachable, 1 blocked, 3 unknown.
//   container-net doctor [--json] [--previous FILE] [--from FILE]
//   container-net doctor --container C [--to DST] [--udp] [--json]
// Exit codes: 0 ok, 1 failure, 2 usage error; explain: 0 reachable, 1 blocked, 3 unknown;
// doctor: 0 nothing above info, 1 an error or a warning.
import { readFileSync, writeFileSync } from 'node:fs';
import type { HostSnapshot } from './snapshot/hostSnapshot';
import { SNAPSHOT_SCHEMA } from './snapshot/hostSnapshot';
import { displayBlock, displayJson } from './host/displayText';
import { takeSnapshot, type SnapshotOptions } from './host/hostSnapshotReader';
import { watch } from './watchCommand';
import { buildTopology } from './model/topology';
import { renderRuleOwnersText } from './render/ruleOwnersText';
import { renderPacketPathText } from './render/packetPathText';
import { renderSourcesText, renderTopologyText } from './render/topologyText';
import { aliasGroups } from './model/aliasGroups';
import { DiagramRequestError, OUTSIDE_EXAMPLE, renderDiagram } from './render/diagram';
import { pathForRequest } from './model/pathRequests';
import { ConnectionEndError, explainConnection, explainExitCode, explanationJson } from './model/explain';
import { renderExplanationText } from './render/explanationText';
import { reachabilityMatrix } from './model/reachabilityMatrix';
import { renderMatrixText } from './render/matrixText';
import { checkContainer, ContainerCheckError } from './model/containerCheck';
import { renderContainerCheckText } from './render/containerCheckText';
import { cleanupTraces, renderTraceText, traceConnection } from './traceCommand';
import { TraceNeedsRootError } from './host/traceSession';
import { NothingToTraceError } from './model/tracePlan';
import { doctorExitCode, runDoctor } from './model/doctor/doctor';
import { doctorJson, renderDoctorText } from './render/doctorText';
import type { DiagramRequest, PathRequest, TopologyScope } from './protocol';

const HELP = `container-net: a Docker host's container networking as the kernel has it

Usage:
  container-net snapshot [--json] [--out FILE]   read the host (Docker, links, routes, bridges,
                                                 container namespaces, overlays, netfilter, conntrack)
  container-net topology [--from FILE] [--json]  join it up: container eth0 <-> host veth -- bridge
                                                 -> uplink, published ports -> DNAT, overlays -> VXLAN
  container-net topology --mermaid [--network N | --container C] [--filter TEXT] [--compact | --full]
                                                 the topology as a Mermaid flowchart (what the panel draws:
                                                 the whole host compact, a line per interface; --full for
                                                 every interface, veth pair and port edge)
  container-net path --port N [--udp] [--ipv6]   the chains a new connection from outside to published
                                                 port N traverses, rule by rule, the verdict and why
                                                 first (--mermaid: the flowchart the panel draws)
                                                 (--ipv6: over IPv6, through ip6tables)
  container-net path --outbound C [--dst IP] [--dport N]
                                                 container C's new connection out (its MASQUERADE); the
                                                 default destination ${OUTSIDE_EXAMPLE}:443 is never contacted
  container-net path --dns C                     C's DNS query redirected to Docker's resolver 127.0.0.11
  container-net watch [--json] [--counters]      the host's state, then one line per change (containers,
                                                 endpoints, ports, sources; --counters: rule counters that
                                                 moved, re-read every 2 s) until Ctrl+C
  container-net rules [--stale]                  who each netfilter rule (iptables and native nftables)
                                                 belongs to: container or network by the bridge it names,
                                                 Docker's role for it, and the STALE ones with why
  container-net explain --from SRC --to DST [--udp] [--ipv6]
                                                 why SRC can or cannot open a connection to DST: name
                                                 resolution, the route in SRC's namespace, every netfilter
                                                 hook, docker-proxy, the listener in DST's namespace; the
                                                 verdict (reachable, blocked, unknown) and the deciding step
                                                 SRC: a container (name, id or id prefix), host, outside,
                                                 or an outside client's address; DST: CONTAINER:PORT,
                                                 IP:PORT, [IPv6]:PORT or a host port (127.0.0.1:8080)
                                                 exit 0 reachable, 1 blocked, 3 unknown
  container-net explain --matrix [--network N]   which containers (of network N, or all) can open which
                                                 listening ports of which others, and why not
  container-net trace --from SRC --to DST --yes [--packets N] [--seconds S] [--probe]
                                                 the connection's path as the kernel reports it
                                                 (TRACE rules in the raw table, xtables-monitor),
                                                 beside the predicted one, differences marked; it
                                                 changes netfilter, so only with --yes (root); the
                                                 rules are removed when it ends, on Ctrl+C, and by
                                                 the next trace if a run was killed (--probe: send
                                                 one connection from SRC; default 5 packets, 10 s)
  container-net trace --cleanup                  remove TRACE rules a killed trace left behind
  container-net doctor [--previous FILE]         the common faults, found: DNS (default bridge, missing
                                                 resolver redirect), ports (held, nothing or loopback
                                                 listening, stale DNAT, bypassing ufw/firewalld), forwarding
                                                 (ip_forward, MASQUERADE, FORWARD / DOCKER-USER / firewall
                                                 drops, stale rules), MTU, subnet overlaps, macvlan; each
                                                 with severity, subject, evidence and fix
                                                 (--previous: a saved snapshot to compare addresses with)
                                                 exit 0 nothing above info, 1 an error or a warning
  container-net doctor --container C [--to DST]  the six debugging steps for one container: its networks,
                                                 name resolution, route and listener towards DST, netfilter
                                                 drops, where to capture (exit 1 when a step finds a problem)
  container-net --help

Options:
  --json                  print JSON instead of text (path: the computed path itself; watch: one
                          object per line)
  --stale                 rules: only the Docker rule layout and the STALE rules
  --mermaid               print Mermaid flowchart text
  --out FILE              write the snapshot JSON to FILE
  --from FILE             use a saved snapshot instead of reading the host (explain: the source;
                          --snapshot FILE there)
  --snapshot FILE         use a saved snapshot instead of reading the host
  --previous FILE         doctor: an earlier saved snapshot (container-net snapshot --out FILE)
  --docker-host URL       Docker endpoint (default: $DOCKER_HOST, else unix:///var/run/docker.sock)
  --privilege-command C   how to get root when not root (default: "sudo -n"; "none" to never try)
  --no-dns-rules          skip Docker's DNS redirect rules inside each container (one
                          nsenter + iptables-save per container: the slowest part on big hosts)

Sources that need root (netfilter, conntrack, overlay sandboxes, DNS rules inside containers)
are read directly as root, else through the privilege command; when that is refused the
snapshot says "needs-privilege" with the exact fix.`;

interface Args {
  command?: string;
  json: boolean;
  out?: string;
  from?: string;
  dockerHost?: string;
  privilegeCommand?: string[];
  dnsRules?: boolean;
  mermaid: boolean;
  detail?: 'compact' | 'full';
  network?: string;
  container?: string;
  filter?: string;
  port?: number;
  udp: boolean;
  ipv6?: boolean;
  outbound?: string;
  dst?: string;
  dport?: number;
  dns?: string;
  counters?: boolean;
  stale: boolean;
  to?: string;
  snapshot?: string;
  matrix?: boolean;
  packets?: number;
  seconds?: number;
  probe?: boolean;
  yes?: boolean;
  cleanup?: boolean;
  previous?: string;
}

function portValue(name: string, v: string): number {
  const n = Number(v);
  if (!/^\d+$/.test(v) || n < 1 || n > 65535) throw new UsageError(`${name} needs a port number (1-65535), not ${JSON.stringify(v)}`);
  return n;
}

export class UsageError extends Error {}

export function parseArgs(argv: string[]): Args {
  const args: Args = { json: false, mermaid: false, udp: false, stale: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${a} needs a value`);
      return v;
    };
    if (a === '--help' || a === '-h') args.command = 'help';
    else if (a === '--json') args.json = true;
    else if (a === '--out') args.out = value();
    else if (a === '--from') args.from = value();
    else if (a === '--docker-host') args.dockerHost = value();
    else if (a === '--no-dns-rules') args.dnsRules = false;
    else if (a === '--mermaid') args.mermaid = true;
    else if (a === '--full' || a === '--compact') {
      if (args.detail && args.detail !== a.slice(2)) throw new UsageError('give --compact or --full, not both');
      args.detail = a === '--full' ? 'full' : 'compact';
    } else if (a === '--network') args.network = value();
    else if (a === '--container') args.container = value();
    else if (a === '--filter') args.filter = value();
    else if (a === '--port') args.port = portValue(a, value());
    else if (a === '--udp') args.udp = true;
    else if (a === '--stale') args.stale = true;
    else if (a === '--matrix') args.matrix = true;
    else if (a === '--packets') args.packets = portValue(a, value());
    else if (a === '--seconds') args.seconds = portValue(a, value());
    else if (a === '--probe') args.probe = true;
    else if (a === '--yes') args.yes = true;
    else if (a === '--cleanup') args.cleanup = true;
    else if (a === '--ipv6') args.ipv6 = true;
    else if (a === '--counters') args.counters = true;
    else if (a === '--outbound') args.outbound = value();
    else if (a === '--dst') args.dst = value();
    else if (a === '--dport') args.dport = portValue(a, value());
    else if (a === '--dns') args.dns = value();
    else if (a === '--to') args.to = value();
    else if (a === '--snapshot') args.snapshot = value();
    else if (a === '--previous') args.previous = value();
    else if (a === '--privilege-command') {
      const v = value();
      args.privilegeCommand = v === 'none' ? [] : v.split(/\s+/).filter(Boolean);
    } else if (a.startsWith('-')) throw new UsageError(`unknown option ${a}`);
    else if (args.command === undefined) args.command = a;
    else throw new UsageError(`unexpected argument ${a}`);
  }
  return args;
}

function loadSnapshot(path: string): HostSnapshot {
  const data = JSON.parse(readFileSync(path, 'utf8')) as HostSnapshot;
  if (data?.schema !== SNAPSHOT_SCHEMA) throw new Error(`${path} is not a container-net snapshot (schema ${String(data?.schema)})`);
  return data;
}

/** How the host is read, from the options every reading command shares. */
function readOptions(args: Args): SnapshotOptions {
  return {
    ...(args.dockerHost ? { dockerEndpoint: args.dockerHost } : {}),
    ...(args.dnsRules === false ? { dnsRules: false } : {}),
    ...(args.privilegeCommand ? { privilegeCommand: args.privilegeCommand.length ? args.privilegeCommand : ['/nonexistent/privilege-disabled'] } : {}),
  };
}

/** Commands whose --from names a connection's source, not a saved snapshot. */
const FROM_IS_SOURCE = new Set(['explain', 'trace']);

async function snapshotFor(args: Args): Promise<HostSnapshot> {
  const file = args.snapshot ?? (FROM_IS_SOURCE.has(args.command ?? '') ? undefined : args.from);
  if (file) return loadSnapshot(file);
  return takeSnapshot(readOptions(args));
}

/**
 * Everything the CLI prints goes through here: names, labels, aliases and rule comments come
 * from the host (a container chooses its own), so control characters are replaced and a name
 * cannot drive the user's terminal. JSON is escaped by displayJson before it gets here.
 */
function print(text: string): void {
  process.stdout.write(displayBlock(text));
}

function printError(text: string): void {
  process.stderr.write(displayBlock(text));
}

function usage(message: string): number {
  printError(`${message}\n\n${HELP}\n`);
  return 2;
}

/**
 * Prints a diagram's Mermaid text (its notes as Mermaid comments); for a path, with --json the
 * computed path itself, and by default the path as text.
 */
function printDiagram(snapshot: HostSnapshot, request: DiagramRequest, format: 'mermaid' | 'json' | 'text'): number {
  try {
    if (request.kind === 'path' && format !== 'mermaid') {
      const requested = pathForRequest(snapshot, request.path);
      print(format === 'json' ? `${displayJson(requested.path)}\n` : `${renderPacketPathText(requested)}\n`);
      return 0;
    }
    const d = renderDiagram(snapshot, request);
    const comments = [d.title, ...(d.summary ? [d.summary] : []), ...d.notes].map((n) => `%% ${n.replace(/[\r\n]+/g, ' ')}`).join('\n');
    print(`${comments}\n${d.mermaid}`);
    return 0;
  } catch (err) {
    if (err instanceof DiagramRequestError) {
      printError(`${err.message}${err.fix ? `\n${err.fix}` : ''}\n`);
      return 1;
    }
    throw err;
  }
}

export async function main(argv: string[]): Promise<number> {
  let args: Args;
  try {
    args = parseArgs(argv);
  } catch (err) {
    printError(`${(err as Error).message}\n\n${HELP}\n`);
    return 2;
  }
  switch (args.command) {
    case undefined:
    case 'help':
      print(`${HELP}\n`);
      return args.command === 'help' ? 0 : 2;
    case 'snapshot': {
      const snapshot = await snapshotFor(args);
      const json = JSON.stringify(snapshot, null, 2);
      if (args.out) writeFileSync(args.out, `${json}\n`);
      print(args.json ? `${displayJson(snapshot)}\n` : `${renderSourcesText(snapshot)}\n${args.out ? `\nSaved to ${args.out}\n` : ''}`);
      return 0;
    }
    case 'topology': {
      if (args.network && args.container) return usage('give --network or --container, not both');
      const snapshot = await snapshotFor(args);
      if (args.mermaid) {
        const scope: TopologyScope = args.network
          ? { kind: 'network', network: args.network }
          : args.container
            ? { kind: 'container', container: args.container }
            : { kind: 'host' };
        return printDiagram(snapshot, { kind: 'topology', scope, filter: args.filter ?? '', ...(args.detail ? { detail: args.detail } : {}) }, 'mermaid');
      }
      const topo = buildTopology(snapshot);
      print(args.json ? `${displayJson(topo)}\n` : `${renderTopologyText(topo, aliasGroups(snapshot))}\n`);
      return 0;
    }
    case 'path': {
      const chosen = [args.port !== undefined, args.outbound !== undefined, args.dns !== undefined].filter(Boolean).length;
      if (chosen !== 1) return usage('path needs exactly one of --port N, --outbound CONTAINER, --dns CONTAINER');
      const path: PathRequest =
        args.port !== undefined
          ? { kind: 'inbound', hostPort: args.port, protocol: args.udp ? 'udp' : 'tcp', ...(args.ipv6 ? { ipv6: true } : {}) }
          : args.outbound !== undefined
            ? { kind: 'outbound', container: args.outbound, dst: args.dst ?? OUTSIDE_EXAMPLE, dport: args.dport ?? 443, protocol: args.udp ? 'udp' : 'tcp' }
            : { kind: 'dns', container: args.dns as string };
      return printDiagram(await snapshotFor(args), { kind: 'path', path }, args.json ? 'json' : args.mermaid ? 'mermaid' : 'text');
    }
    case 'watch': {
      if (args.from) return usage('watch reads the live host: --from does not apply');
      const stop = new AbortController();
      const end = (): void => stop.abort();
      process.once('SIGINT', end);
      process.once('SIGTERM', end);
      return watch({ json: args.json, counters: args.counters === true, snapshot: readOptions(args), signal: stop.signal });
    }
    case 'rules': {
      const snapshot = await snapshotFor(args);
      print(`${renderRuleOwnersText(snapshot, { staleOnly: args.stale })}\n`);
      return 0;
    }
    case 'explain': {
      if (args.matrix) {
        if (args.from || args.to) return usage('explain --matrix takes no --from or --to');
        const snapshot = await snapshotFor(args);
        let m;
        try {
          m = reachabilityMatrix(snapshot, args.network);
        } catch (err) {
          printError(`${(err as Error).message}\n`);
          return 2;
        }
        print(args.json ? `${displayJson(m)}\n` : `${renderMatrixText(m)}\n`);
        return 0;
      }
      if (!args.from || !args.to) return usage('explain needs --from SRC and --to DST (or --matrix)');
      const snapshot = await snapshotFor(args);
      let e;
      try {
        e = explainConnection(snapshot, { from: args.from, to: args.to, protocol: args.udp ? 'udp' : 'tcp', ...(args.ipv6 ? { ipv6: true } : {}) });
      } catch (err) {
        if (err instanceof ConnectionEndError) {
          printError(`${err.message}\n${err.fix}\n`);
          return 2;
        }
        throw err;
      }
      print(args.json ? `${displayJson(explanationJson(e))}\n` : `${renderExplanationText(e)}\n`);
      return explainExitCode(e);
    }
    case 'trace': {
      try {
        if (args.cleanup) {
          print(`${cleanupTraces()}\n`);
          return 0;
        }
        if (!args.from || !args.to) return usage('trace needs --from SRC and --to DST (or --cleanup)');
        if (!args.yes) {
          printError(
            'trace changes netfilter: it inserts TRACE rules for this one flow into the raw table (marked "container-net-trace") and removes them when it ends. Add --yes to go ahead.\n',
          );
          return 2;
        }
        const snapshot = await snapshotFor(args);
        const report = await traceConnection(
          snapshot,
          {
            from: args.from,
            to: args.to,
            protocol: args.udp ? 'udp' : 'tcp',
            ipv6: args.ipv6 === true,
            packets: args.packets ?? 5,
            seconds: args.seconds ?? 10,
            probe: args.probe === true,
          },
          (line) => printError(`${line}\n`),
        );
        print(args.json ? `${displayJson(report)}\n` : `${renderTraceText(report)}\n`);
        return 0;
      } catch (err) {
        if (err instanceof ConnectionEndError) {
          printError(`${err.message}\n${err.fix}\n`);
          return 2;
        }
        if (err instanceof TraceNeedsRootError || err instanceof NothingToTraceError) {
          printError(`${err.message}\n`);
          return 1;
        }
        throw err;
      }
    }
    case 'doctor': {
      if (args.container) {
        // Check Container: the six steps for one container, towards --to DST when given.
        if (args.matrix || args.port !== undefined) return usage('doctor --container C takes --to DST [--udp] and --json');
        const snapshot = await snapshotFor(args);
        try {
          const report = checkContainer(snapshot, args.container, args.to ? { to: args.to, protocol: args.udp ? 'udp' : 'tcp' } : undefined);
          print(
            args.json
              ? `${displayJson({ ...report, explanation: report.explanation ? explanationJson(report.explanation) : undefined })}\n`
              : `${renderContainerCheckText(report)}\n`,
          );
          return report.sections.some((x) => x.ok === false) ? 1 : 0;
        } catch (err) {
          if (err instanceof ContainerCheckError || err instanceof ConnectionEndError) {
            printError(`${err.message}${err instanceof ConnectionEndError ? `\n${err.fix}` : ''}\n`);
            return 2;
          }
          throw err;
        }
      }
      if (args.to || args.matrix || args.port !== undefined) return usage('doctor takes --json, --previous FILE and --from FILE (or --snapshot FILE)');
      const previous = args.previous ? loadSnapshot(args.previous) : undefined;
      const snapshot = await snapshotFor(args);
      const findings = runDoctor(snapshot, previous);
      print(args.json ? `${displayJson(doctorJson(findings))}\n` : `${renderDoctorText(findings, snapshot)}\n`);
      return doctorExitCode(findings);
    }
    default:
      printError(`unknown command ${args.command}\n\n${HELP}\n`);
      return 2;
  }
}
