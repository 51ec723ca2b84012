// Plans an "nsenter terminal": what to run, as an argument array, to get a shell or one of the
// stock commands inside a container's (or an overlay sandbox's) network namespace. Pure: every
// fact about the host (root or not, which tools exist, $SHELL) comes in as `HostTools`, so the
// plan is tested without a host and the UI can show the same argv in a plain terminal when the
// pty module cannot load. Names never reach a shell: they are separate argv elements, titles,
// or (sanitised) environment values.
import { basename } from 'node:path';
import type { ContainerInfo } from '../snapshot/hostSnapshot';
import { CAPTURE_LIMITS, type CaptureStop } from './captureFile';
import { displayText } from './displayText';
import { findExecutable } from './privilege';

/**
 * The privilege command for terminals: plain `sudo`, without the `-n` the background reads use,
 * because a terminal is interactive and sudo's own password prompt works in a pty.
 */
export const DEFAULT_TERMINAL_PRIVILEGE_COMMAND: readonly string[] = ['sudo'];

/** Docker's embedded DNS server, present inside containers on user-defined networks. */
export const EMBEDDED_DNS = '127.0.0.11';

export type TerminalContainer = Pick<ContainerInfo, 'id' | 'name' | 'pid' | 'state' | 'modeKind' | 'modeTarget' | 'resolvConfPath'>;

export type TerminalTarget =
  /** `namespaceOwner`: for `container:X`, X's name (the notes say it rather than X's raw id). */
  | { kind: 'container'; container: TerminalContainer; namespaceOwner?: string }
  /** A namespace file on the host, e.g. /var/run/docker/netns/1-abc (an overlay sandbox). */
  | { kind: 'netns'; path: string };

export type PresetName = 'ip-addr' | 'ip-route' | 'ss-listening' | 'iptables-save';

export type TerminalAction =
  | { kind: 'shell' }
  | { kind: 'preset'; preset: PresetName }
  /**
   * The container's /etc/resolv.conf (what its resolver really uses): read by the extension
   * (resolvConf.ts), not run; the plan has no argv and says where it is read from.
   */
  | { kind: 'resolv-conf' }
  /** Looks `name` up against Docker's embedded DNS (127.0.0.11) from inside the namespace. */
  | { kind: 'dns-lookup'; name: string }
  /**
   * tcpdump inside the namespace: live to the terminal, or to `file` (absolute path on the host).
   * `filter` is tcpdump's filter expression, passed after `--` as given (one or more elements).
   * `interfaces`: the namespace's interface names as read; when given, `iface` must be one of
   * them or "any" (every interface).
   */
  | { kind: 'capture'; iface?: string; interfaces?: readonly string[]; file?: string; count?: number; filter?: readonly string[] };

/** What the plan needs to know about the host. `hostTools()` reads the real one. */
export interface HostTools {
  isRoot: boolean;
  /** Prefix for commands that need root when not root, e.g. ['sudo']. Empty: none available. */
  privilegeCommand: readonly string[];
  /** The user's $SHELL, if set. */
  shell?: string;
  /** PATH lookup (absolute paths are checked as they are): the executable's path, or undefined. */
  find: (name: string) => string | undefined;
}

export interface TerminalPlan {
  /** Empty when nothing runs: `show` is then what the terminal prints. */
  argv: string[];
  /** Text the extension reads and prints instead of running a command. */
  show?: 'resolv-conf';
  /** A capture to a file: the terminal ends it at these limits (see captureFile.ts). */
  stopAfter?: CaptureStop;
  /** Short, for the terminal tab. */
  title: string;
  /** Printed before the command runs: where you are and what runs (lines joined by '\n'). */
  banner: string;
  /** Things worth knowing about this target (shared namespace, only lo, ...). */
  notes: string[];
}

type PlanExtras = Pick<TerminalPlan, 'show' | 'stopAfter'>;

export type PlanResult = { ok: true; plan: TerminalPlan } | { ok: false; error: string };

/** The Debian package that brings each tool the plans run on the host. */
const PACKAGE_OF: Record<string, string> = {
  nsenter: 'util-linux',
  tcpdump: 'tcpdump',
  ip: 'iproute2',
  ss: 'iproute2',
  'iptables-save': 'iptables',
  cat: 'coreutils',
  env: 'coreutils',
  busybox: 'busybox-static',
  sudo: 'sudo',
};

const PRESETS: Record<PresetName, { tool: string; args: string[]; label: string; needsRoot: boolean }> = {
  'ip-addr': { tool: 'ip', args: ['addr'], label: 'ip addr', needsRoot: false },
  'ip-route': { tool: 'ip', args: ['route'], label: 'ip route', needsRoot: false },
  // -p names the owning processes, which only root may see for other users' sockets.
  'ss-listening': { tool: 'ss', args: ['-tlnp'], label: 'ss -tlnp', needsRoot: true },
  'iptables-save': { tool: 'iptables-save', args: [], label: 'iptables-save', needsRoot: true },
};

export function hostTools(privilegeCommand: readonly string[] = DEFAULT_TERMINAL_PRIVILEGE_COMMAND): HostTools {
  return {
    isRoot: process.getuid?.() === 0,
    privilegeCommand,
    shell: process.env.SHELL,
    find: (name) => findExecutable(name),
  };
}

/**
 * The configured privilege command (made for background reads, `sudo -n` by default) as a
 * terminal should use it: without sudo's non-interactive flag, so sudo may ask for a password.
 */
export function interactivePrivilegeCommand(command: readonly string[]): string[] {
  const tool = command[0] ? basename(command[0]) : '';
  if (tool !== 'sudo') return [...command];
  return command.filter((a, i) => i === 0 || (a !== '-n' && a !== '--non-interactive'));
}

class PlanError extends Error {}

/** Where a command runs: `enter` is nsenter's namespace options, none for the host's own. */
interface Place {
  label: string;
  /** For the prompt and environment: [A-Za-z0-9_.:-] only. */
  tag: string;
  enter?: string[];
  pid?: number;
  modeKind?: ContainerInfo['modeKind'];
  notes: string[];
}

export function planNamespaceTerminal(target: TerminalTarget, action: TerminalAction, tools: HostTools): PlanResult {
  try {
    return { ok: true, plan: plan(target, action, tools) };
  } catch (err) {
    if (err instanceof PlanError) return { ok: false, error: displayText(err.message) };
    throw err;
  }
}

function plan(target: TerminalTarget, action: TerminalAction, tools: HostTools): TerminalPlan {
  const place = placeOf(target);
  const notes = [...place.notes];
  const need = (tool: string): string => {
    const path = tools.find(tool);
    if (!path) throw new PlanError(`${tool} is not installed: apt-get install ${PACKAGE_OF[tool] ?? tool}`);
    return path;
  };
  // Runs `command` in the place, as root when `root` (always when a namespace is entered:
  // nsenter needs CAP_SYS_ADMIN). Tools are absolute paths because sudoers rules name paths
  // and sudo's secure_path or a non-root PATH may lack /usr/sbin.
  const run = (command: string[], root: boolean): string[] => {
    const inner = place.enter ? [need('nsenter'), ...place.enter, '--', ...command] : command;
    return withPrivilege(inner, root || place.enter !== undefined, tools);
  };

  let argv: string[];
  let what: string;
  let stopAfter: CaptureStop | undefined;
  const finish = (argv: string[], what: string, extra: PlanExtras = {}): TerminalPlan => finished(place, notes, argv, what, extra);
  switch (action.kind) {
    case 'shell': {
      // $SHELL if it really exists, else /bin/sh: nsenter -n keeps the host's filesystem, so
      // the host's shell (and ip, ss, tcpdump) are what run inside the namespace.
      const shell = (tools.shell && tools.find(tools.shell)) || '/bin/sh';
      const marker = place.enter ? '#' : tools.isRoot ? '#' : '$';
      // `env` after nsenter, because sudo resets the environment. debian_chroot is what
      // Debian's and Ubuntu's stock bashrc put in front of the prompt, so the user's own rc
      // keeps working and still shows where they are; PS1 covers sh/dash and bare bash.
      argv = run([need('env'), `CONTAINERNET_NETNS=${place.tag}`, `debian_chroot=${place.tag}`, `PS1=(${place.tag}) ${marker} `, shell], false);
      what = 'shell';
      if (place.enter) notes.push("Only the network namespace is entered: files, processes and tools are the host's.");
      break;
    }
    case 'preset': {
      const p = PRESETS[action.preset];
      if (!p) throw new PlanError(`unknown preset: ${String(action.preset)}`);
      argv = run([need(p.tool), ...p.args], p.needsRoot);
      what = p.label;
      break;
    }
    case 'resolv-conf': {
      if (target.kind !== 'container' || !place.pid) {
        throw new PlanError(`${place.label} is not a container: only containers have their own /etc/resolv.conf`);
      }
      // Docker's own file on the host (ResolvConfPath), bind-mounted over the container's
      // /etc/resolv.conf, read by the extension itself (resolvConf.ts): nothing runs, nothing
      // is read through /proc/PID/root (a path the container controls), no symlink is followed.
      const path = target.container.resolvConfPath;
      if (!path) throw new PlanError(`Docker reported no resolv.conf for ${place.label}: refresh the view and try again`);
      argv = [];
      what = 'resolv.conf';
      notes.push(
        `Read by the extension from Docker's copy on the host (${path}), bounded, no symlink followed; or through Docker's archive API when that file is not readable here.`,
      );
      return finish(argv, what, { show: 'resolv-conf' });
    }
    case 'dns-lookup': {
      const name = action.name;
      if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/.test(name) || name.length > 253) {
        throw new PlanError(`not a DNS name: ${JSON.stringify(name)}`);
      }
      if (target.kind === 'netns')
        throw new PlanError(`${place.label} is a network sandbox, not a container: Docker's embedded DNS (${EMBEDDED_DNS}) does not answer there`);
      if (place.modeKind === 'host')
        throw new PlanError(
          `${place.label} uses the host's network namespace: Docker's embedded DNS (${EMBEDDED_DNS}) is not there; it resolves with the host's resolv.conf`,
        );
      if (place.modeKind === 'none') throw new PlanError(`${place.label} has no network (--network none): there is no DNS server to ask`);
      if (place.modeKind === 'bridge')
        notes.push(`${place.label} is on the default bridge: Docker runs no embedded DNS there, so expect no answer from ${EMBEDDED_DNS}.`);
      argv = dnsLookup(name, place, tools, need);
      what = `lookup ${name}`;
      break;
    }
    case 'capture': {
      const iface = action.iface ?? 'eth0';
      if (!/^[A-Za-z0-9_.:@][A-Za-z0-9_.:@-]{0,14}$/.test(iface)) throw new PlanError(`not an interface name: ${JSON.stringify(iface)}`);
      if (action.interfaces && iface !== 'any' && !action.interfaces.includes(iface)) {
        throw new PlanError(
          `${place.label} has no interface ${iface} (it has ${action.interfaces.length ? action.interfaces.join(', ') : 'none read'}); capture on one of those or on any`,
        );
      }
      if (place.modeKind === 'none' && iface !== 'lo' && iface !== 'any') {
        throw new PlanError(`${place.label} has no network (--network none): its namespace has only lo; capture on lo`);
      }
      if (place.modeKind === 'host') notes.push(`This captures on the host's ${iface}: all of the host's traffic on it, not only this container's.`);
      if (iface === 'any')
        notes.push('On any: every interface of the namespace in one capture (tcpdump records them with Linux "cooked" headers, not the Ethernet ones).');
      const args = ['-i', iface, '-n'];
      if (action.count !== undefined && (!Number.isInteger(action.count) || action.count < 1))
        throw new PlanError(`packet count must be a positive integer: ${action.count}`);
      let count = action.count;
      if (action.file !== undefined) {
        if (!action.file.startsWith('/') || action.file.includes('\0'))
          throw new PlanError(`the capture file must be an absolute path on the host: ${JSON.stringify(action.file)}`);
        // -U writes each packet as it comes, so a capture ended by closing the terminal is
        // complete up to that point instead of losing tcpdump's buffer. A file capture is
        // bounded: -c packets here; time and size by the terminal (stopAfter).
        count = Math.min(count ?? CAPTURE_LIMITS.packets, CAPTURE_LIMITS.packets);
        args.push('-U', '-w', action.file);
        stopAfter = { file: action.file, bytes: CAPTURE_LIMITS.bytes, seconds: CAPTURE_LIMITS.seconds };
        notes.push(
          `Writing to ${action.file} on the host (a file made new by the extension in a private folder; tcpdump opens it as root, then runs as user tcpdump). ` +
            `It stops after ${count} packets, ${CAPTURE_LIMITS.bytes / 1024 / 1024} MiB or ${CAPTURE_LIMITS.seconds / 60} minutes, whichever comes first.`,
        );
      }
      if (count !== undefined) args.push('-c', String(count));
      // `--` so that no filter word is ever read as a tcpdump option.
      if (action.filter?.length) args.push('--', ...action.filter);
      argv = run([need('tcpdump'), ...args], true);
      what = action.file !== undefined ? `capture ${iface} to ${basename(action.file)}` : `tcpdump ${iface}`;
      return finish(argv, what, stopAfter ? { stopAfter } : {});
    }
    default:
      throw new PlanError(`unknown action: ${JSON.stringify(action)}`);
  }

  return finish(argv, what);
}

function finished(place: Place, notes: string[], argv: string[], what: string, extra: PlanExtras = {}): TerminalPlan {
  const title = displayText(`${place.label}: ${what}`);
  const command = argv.length > 0 ? [`$ ${argv.map(displayQuote).join(' ')}`] : [];
  const banner = [displayText(`${what} in ${place.label}`), ...notes.map(displayText), ...command].join('\n');
  return { argv, title, banner, notes: notes.map(displayText), ...extra };
}

function placeOf(target: TerminalTarget): Place {
  if (target.kind === 'netns') {
    const path = target.path;
    if (!path.startsWith('/') || path.includes('\0')) throw new PlanError(`a namespace path must be absolute: ${JSON.stringify(path)}`);
    const name = basename(path);
    return {
      label: `namespace ${name}`,
      tag: `netns:${tagOf(name)}`,
      enter: [`--net=${path}`],
      notes: [`Network namespace ${path} (no container: Docker keeps it for a network, e.g. an overlay's bridge and vxlan device).`],
    };
  }
  const c = target.container;
  const label = `container ${c.name}`;
  if (!(c.pid > 0)) throw new PlanError(`container ${c.name} is not running (state: ${c.state}); start it first`);
  const notes: string[] = [];
  if (c.state === 'paused') notes.push(`${c.name} is paused: its processes are frozen, so its sockets will not answer; the namespace can still be inspected.`);
  const base = { label, pid: c.pid, modeKind: c.modeKind };
  switch (c.modeKind) {
    case 'host':
      // Entering the namespace of a --network host container is entering the host's own:
      // nothing to enter, and no root needed for what reads without it.
      return {
        ...base,
        tag: 'host-netns',
        notes: [...notes, `${c.name} uses the host's network namespace (--network host): this runs in the host's namespace.`],
      };
    case 'container': {
      const owner = target.namespaceOwner ?? shortId(c.modeTarget ?? '?');
      // Its own pid sits in the owner's namespace, so entering through it is the same
      // namespace and keeps working without looking the owner up.
      notes.push(
        `${c.name} uses --network container:${owner}: it has no namespace of its own; this is ${owner}'s network namespace (entered through ${c.name}'s pid ${c.pid}).`,
      );
      return { ...base, tag: `netns:${tagOf(owner)}`, enter: ['-t', String(c.pid), '-n'], notes };
    }
    case 'none':
      notes.push(`${c.name} has no network (--network none): its namespace has only lo.`);
      return { ...base, tag: `netns:${tagOf(c.name)}`, enter: ['-t', String(c.pid), '-n'], notes };
    default:
      return { ...base, tag: `netns:${tagOf(c.name)}`, enter: ['-t', String(c.pid), '-n'], notes };
  }
}

/**
 * A lookup against the embedded DNS. Debian hosts have no dig or nslookup by default, and
 * getent cannot name a server (it asks whatever the host's resolv.conf says). So, from best to
 * last: dig, nslookup (bind9-dnsutils), busybox's nslookup (busybox or busybox-static), host
 * (bind9-host); all of them the HOST's binaries, run inside the network namespace only (-n),
 * which is all a query to 127.0.0.11 needs (Docker's NAT rules inside the namespace carry it
 * to dockerd). A binary from the container's image is never run: entering its mount
 * namespace as root would run code the image controls with every capability, a container
 * escape. With no resolver tool on the host the plan fails and names the package to install.
 */
function dnsLookup(name: string, place: Place, tools: HostTools, need: (t: string) => string): string[] {
  const enter = (command: string[]): string[] => withPrivilege([need('nsenter'), ...(place.enter ?? []), '--', ...command], true, tools);
  const dig = tools.find('dig');
  if (dig) return enter([dig, `@${EMBEDDED_DNS}`, name]);
  const nslookup = tools.find('nslookup');
  if (nslookup) return enter([nslookup, name, EMBEDDED_DNS]);
  const busybox = tools.find('busybox');
  if (busybox) return enter([busybox, 'nslookup', name, EMBEDDED_DNS]);
  const host = tools.find('host');
  if (host) return enter([host, name, EMBEDDED_DNS]);
  throw new PlanError(
    `no DNS lookup tool on this host (dig, nslookup, busybox or host): apt-get install bind9-dnsutils (dig, nslookup) or busybox-static. ` +
      `The container's own nslookup is never used: it would run a binary from the image as root.`,
  );
}

function withPrivilege(argv: string[], root: boolean, tools: HostTools): string[] {
  if (!root || tools.isRoot) return argv;
  const [tool, ...rest] = tools.privilegeCommand;
  if (!tool) throw new PlanError('this needs root: run VS Code Server as root or set containerNet.privilegeCommand (e.g. sudo)');
  const path = tools.find(tool);
  if (!path) throw new PlanError(`${tool} is not installed: apt-get install ${PACKAGE_OF[basename(tool)] ?? basename(tool)}`);
  return [path, ...rest, ...argv];
}

/** Names as prompt/environment material: a prompt is expanded by the shell, so keep it inert. */
function tagOf(name: string): string {
  return name.replace(/[^A-Za-z0-9_.:-]/g, '_').slice(0, 64) || '_';
}

function shortId(ref: string): string {
  return /^[0-9a-f]{64}$/.test(ref) ? ref.slice(0, 12) : ref;
}

/** For showing a command in the banner only; the command itself is always the argv. */
function displayQuote(arg: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg) ? arg : `'${displayText(arg).replace(/'/g, `'\\''`)}'`;
}
