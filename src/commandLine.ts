// The command line of container-net: its arguments and what each command does.
// The executable entry point is src/cli.ts.
//   container-net snapshot [--json] [--out FILE]
//   container-net topology [--from FILE] [--json]
// Exit codes: 0 ok, 1 failure, 2 usage error.
import { readFileSync, writeFileSync } from 'node:fs';
import type { HostSnapshot } from './host/hostSnapshot';
import { SNAPSHOT_SCHEMA } from './host/hostSnapshot';
import { takeSnapshot } from './host/hostSnapshotReader';
import { buildTopology } from './model/topology';
import { renderSourcesText, renderTopologyText } from './render/topologyText';

const HELP = `container-net: a Docker host's container networking as the kernel has it

Usage:
  container-net snapshot [--json] [--out FILE]   read the host (Docker, links, routes, bridges,
                                                 container namespaces, overlays, netfilter, conntrack)
  container-net topology [--from FILE] [--json]  join it up: container eth0 <-> host veth -- bridge
                                                 -> uplink, published ports -> DNAT, overlays -> VXLAN
  container-net --help

Options:
  --json                  print JSON instead of text
  --out FILE              write the snapshot JSON to FILE
  --from FILE             use a saved snapshot instead of reading the host
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
}

export class UsageError extends Error {}

export function parseArgs(argv: string[]): Args {
  const args: Args = { json: false };
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

async function snapshotFor(args: Args): Promise<HostSnapshot> {
  if (args.from) return loadSnapshot(args.from);
  return takeSnapshot({
    ...(args.dockerHost ? { dockerEndpoint: args.dockerHost } : {}),
    ...(args.dnsRules === false ? { dnsRules: false } : {}),
    ...(args.privilegeCommand ? { privilegeCommand: args.privilegeCommand.length ? args.privilegeCommand : ['/nonexistent/privilege-disabled'] } : {}),
  });
}

export async function main(argv: string[]): Promise<number> {
  let args: Args;
  try {
    args = parseArgs(argv);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${HELP}\n`);
    return 2;
  }
  switch (args.command) {
    case undefined:
    case 'help':
      process.stdout.write(`${HELP}\n`);
      return args.command === 'help' ? 0 : 2;
    case 'snapshot': {
      const snapshot = await snapshotFor(args);
      const json = JSON.stringify(snapshot, null, 2);
      if (args.out) writeFileSync(args.out, `${json}\n`);
      process.stdout.write(args.json ? `${json}\n` : `${renderSourcesText(snapshot)}\n${args.out ? `\nSaved to ${args.out}\n` : ''}`);
      return 0;
    }
    case 'topology': {
      const topo = buildTopology(await snapshotFor(args));
      process.stdout.write(args.json ? `${JSON.stringify(topo, null, 2)}\n` : `${renderTopologyText(topo)}\n`);
      return 0;
    }
    default:
      process.stderr.write(`unknown command ${args.command}\n\n${HELP}\n`);
      return 2;
  }
}

