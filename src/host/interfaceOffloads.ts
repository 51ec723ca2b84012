// Offload settings of the interfaces VXLAN leaves by: `ethtool -i IF` (the driver) and
// `ethtool -k IF` (the features, as ethtool prints them), read without privilege, and only when
// an overlay sandbox has a VXLAN device (the underlay is its `dev`, else the uplink). Interface
// names go to ethtool as arguments, never into a script; one batch for all, bounded and timed.
import type { HostNamespace, InterfaceOffloads, OverlaySandbox, SourceStatus } from '../snapshot/hostSnapshot';
import { vxlanUnderlay } from '../snapshot/uplink';
import { batchError, runPerItemBatch } from './commandBatch';
import type { RunCommand } from './commandRunner';
import { ParseError } from './parseError';

export const ETHTOOL_DRIVER_ARGS = ['ethtool', '-i', '{}'];
export const ETHTOOL_FEATURES_ARGS = ['ethtool', '-k', '{}'];

/** ethtool prints a few KiB per interface: anything near this is not ethtool's answer. */
const MAX_OUTPUT = 1024 * 1024;

/** The driver from `ethtool -i IF` ("driver: vmxnet3"); undefined when the output names none. */
export function parseEthtoolDriver(text: string): string | undefined {
  const m = /^driver:[ \t]*(\S+)[ \t]*$/m.exec(text);
  return m?.[1];
}

/**
 * The features from `ethtool -k IF`: "Features for IF:", then one `name: value` line each
 * (sub-features indented), the value kept as printed ("on", "off [fixed]", "off [requested on]").
 * Lines that are not features (a warning ethtool printed on the way) are skipped.
 */
export function parseEthtoolFeatures(text: string, source = 'ethtool -k'): Record<string, string> {
  if (!/^Features for .*:\s*$/m.test(text)) throw new ParseError(source, 'no "Features for IF:" line (expected the output of ethtool -k)', text);
  const features: [string, string][] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*([a-z0-9][a-z0-9_-]*): ((?:on|off)\b.*?)\s*$/.exec(line);
    if (m) features.push([m[1] as string, m[2] as string]);
  }
  if (features.length === 0) throw new ParseError(source, 'no feature lines after "Features for IF:"', text);
  return Object.fromEntries(features);
}

/** The host interfaces the sandboxes' VXLAN devices send through, each once. */
export function vxlanUnderlayNames(ns: Pick<HostNamespace, 'links' | 'routes'>, sandboxes: readonly OverlaySandbox[]): string[] {
  const names = new Set<string>();
  for (const sb of sandboxes)
    for (const vx of sb.links.filter((l) => l.kind === 'vxlan')) {
      const underlay = vxlanUnderlay(ns, vx);
      if (underlay) names.add(underlay.name);
    }
  return [...names];
}

export interface OffloadsInput {
  hostNamespace: Pick<HostNamespace, 'links' | 'routes'>;
  /** The overlay sandboxes as read; undefined when they were not read. */
  sandboxes: readonly OverlaySandbox[] | undefined;
  /** The status of the overlay sandboxes' read (for why the offloads could not be read either). */
  sandboxesStatus?: SourceStatus;
  /** Whether Docker lists overlay networks; undefined when Docker was not read. */
  overlayNetworks?: boolean;
  run: RunCommand;
  /** ethtool's path; undefined when it is not installed. */
  ethtool: string | undefined;
  timeoutMs?: number;
}

/**
 * The offloads source: ethtool on the VXLAN underlays, or a status that says why it was not
 * run (no VXLAN device: information; ethtool missing or the sandboxes unread: not checked).
 */
export async function readVxlanOffloads(input: OffloadsInput): Promise<{ status: SourceStatus; offloads?: InterfaceOffloads[] }> {
  const status = (fields: Omit<SourceStatus, 'name' | 'ms'>): SourceStatus => ({ name: 'offloads', ms: 0, ...fields });
  if (input.sandboxes === undefined) {
    if (input.overlayNetworks === false)
      return { status: status({ state: 'ok', via: 'not run', notes: ['info: no overlay networks: no VXLAN underlay to read offloads of'] }) };
    const why = input.sandboxesStatus?.reason ?? input.sandboxesStatus?.state ?? 'not read';
    return {
      status: status({
        state: input.sandboxesStatus?.state === 'needs-privilege' ? 'needs-privilege' : 'error',
        via: 'not run',
        reason: `the overlay sandboxes were not read (${why}), so which interface carries VXLAN is unknown: ethtool was not run (it needs no privilege itself)`,
        ...(input.sandboxesStatus?.fix ? { fix: input.sandboxesStatus.fix } : {}),
      }),
    };
  }
  const ifnames = vxlanUnderlayNames(input.hostNamespace, input.sandboxes);
  if (ifnames.length === 0)
    return { status: status({ state: 'ok', via: 'not run', notes: ['info: no overlay sandbox with a VXLAN device: no underlay to read offloads of'] }) };
  if (!input.ethtool)
    return {
      status: status({
        state: 'missing-tool',
        via: 'not run',
        reason: `ethtool is not installed: the offload settings of ${ifnames.join(', ')} (the VXLAN underlay) were not read, and the vxlan-offload check was skipped`,
        fix: 'Install ethtool: apt-get install ethtool',
      }),
    };
  const notes: string[] = [];
  // A name starting with '-' would be read by ethtool as an option: not passed.
  const safe = ifnames.filter((n) => {
    if (!n.startsWith('-')) return true;
    notes.push(`${n}: not read (a name starting with "-" would be taken for an option)`);
    return false;
  });
  const argvs = [ETHTOOL_DRIVER_ARGS, ETHTOOL_FEATURES_ARGS].map((a) => [input.ethtool as string, ...a.slice(1)]);
  const rows = await runPerItemBatch(input.run, argvs, safe, { timeoutMs: input.timeoutMs ?? 10_000, maxBuffer: MAX_OUTPUT });
  const offloads: InterfaceOffloads[] = [];
  rows.forEach(([driverResult, featuresResult], i) => {
    const ifname = safe[i] as string;
    const item = (argv: string[]) => argv.map((a) => (a === '{}' ? ifname : a));
    if (!driverResult || !featuresResult) return;
    const featuresError = batchError(item(ETHTOOL_FEATURES_ARGS), featuresResult);
    if (featuresError) {
      if (featuresError.kind === 'missing-tool') throw featuresError;
      notes.push(`${ifname}: ${featuresError.message}`);
      return;
    }
    let read: InterfaceOffloads;
    try {
      read = { ifname, features: parseEthtoolFeatures((featuresResult as { stdout: string }).stdout, `ethtool -k ${ifname}`) };
    } catch (err) {
      notes.push((err as Error).message);
      return;
    }
    const driverError = batchError(item(ETHTOOL_DRIVER_ARGS), driverResult);
    const driver = driverError ? undefined : parseEthtoolDriver((driverResult as { stdout: string }).stdout);
    if (driver) read.driver = driver;
    else notes.push(`info: ${ifname}: no driver named${driverError ? ` (${driverError.message})` : ''}; no driver-specific check applies`);
    offloads.push(read);
  });
  const problems = notes.filter((n) => !n.startsWith('info:'));
  return { status: status({ state: problems.length > 0 ? 'partial' : 'ok', via: 'unprivileged', ...(notes.length > 0 ? { notes } : {}) }), offloads };
}
