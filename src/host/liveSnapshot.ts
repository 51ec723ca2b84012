// A snapshot kept current: re-read (debounced) when Docker reports a container or network
// change, when the event stream drops or comes back (engine stopped/started), on a slow
// poll as a safety net for what has no event (counters, FDB), and on request. Reads never
// overlap: a request during a read schedules one more read after it.
import { EventEmitter } from 'node:events';
import type Docker from 'dockerode';
import { createDockerClient } from './dockerEngine';
import { DockerEventStream, type DockerEvent } from './dockerEvents';
import { runCommand } from './commandRunner';
import type { HostSnapshot, SourceName } from '../snapshot/hostSnapshot';
import { readNetfilterCounters, readNftablesCounters, takeSnapshot, type SnapshotOptions } from './hostSnapshotReader';
import { DEFAULT_PRIVILEGE_COMMAND, Privilege } from './privilege';

/** Reasons kept for the next read (they are only logged). */
const MAX_REASONS = 50;

/** The periodic full re-read (it runs privileged commands): 0 (off) or at least this many seconds. */
export const MIN_REFRESH_SECONDS = 5;
/** The counters-only re-read of a shown packet path: 0 (off) or at least this many seconds. */
export const MIN_COUNTER_REFRESH_SECONDS = 1;

/** An interval setting: 0 (or anything not a positive number) is off; otherwise at least `min`. */
export function clampInterval(value: unknown, min: number): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? Math.max(min, value) : 0;
}

export interface LiveSnapshotOptions {
  snapshot?: SnapshotOptions;
  debounceMs?: number;
  /** Debounce for container events alone (a container started, stopped, went): shorter, the read is lighter. */
  eventDebounceMs?: number;
  /** Longest a requested refresh waits while requests keep coming (default 2 s). */
  maxWaitMs?: number;
  /** Safety-net re-read interval; 0 turns it off; less than MIN_REFRESH_SECONDS counts as that. */
  pollMs?: number;
  docker?: Docker;
  /** Replaces takeSnapshot (tests). */
  read?: (options: SnapshotOptions) => Promise<HostSnapshot>;
}

export interface LiveSnapshotEvents {
  /** A new snapshot, and why it was read. */
  changed: [HostSnapshot, string[]];
  /** A read started (true) or ended (false). */
  reading: [boolean];
  /** A Docker event arrived (before the debounced re-read). */
  dockerEvent: [DockerEvent];
  /** The read itself threw (not a source failure: those are inside the snapshot). */
  failed: [Error];
  /** Only the netfilter rules and counters were re-read (refreshCounters). */
  counters: [HostSnapshot];
}

/**
 * What a container event cannot change, kept on reads that follow container events alone;
 * after a network connect or disconnect (an overlay's sandbox may have appeared) the overlay
 * sandboxes, the offloads of their VXLAN underlay and the overlay networks' peers are re-read too.
 */
const LIGHT_REUSE = ['sysctls', 'overlaySandboxes', 'offloads', 'conntrack', 'overlayPeers'] as const;
const LIGHT_REUSE_NETWORK = ['sysctls', 'conntrack'] as const;

/** Events about one container's endpoints: a light read covers them. */
const LIGHT_EVENT = (e: DockerEvent): boolean => e.type === 'container' || (e.type === 'network' && (e.action === 'connect' || e.action === 'disconnect'));

export class LiveSnapshot extends EventEmitter<LiveSnapshotEvents> {
  current: HostSnapshot | undefined;
  private readonly events: DockerEventStream;
  private readonly docker: Docker;
  private debounceTimer: NodeJS.Timeout | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  /** The read in progress; it resolves to whether it was the first picture (see readOnce). */
  private running: Promise<boolean> | undefined;
  private pendingReasons: string[] = [];
  /** Every pending reason is a container event: the next read may keep what those cannot change. */
  private pendingLight = true;
  /** A network connect or disconnect is among the pending reasons. */
  private pendingNetwork = false;
  /** The last container event was a `create`: its `start` is most likely on its way. */
  private awaitingStart = false;
  private started = false;
  /** One for the watcher's life: a refused `sudo -n` is not retried on every refresh. */
  private readonly privilege: Privilege;
  private firstPendingAt: number | undefined;
  /** The counters-only read in flight, shared by everyone who asks meanwhile. */
  private countersRead: Promise<HostSnapshot | undefined> | undefined;

  constructor(private readonly options: LiveSnapshotOptions = {}) {
    super();
    this.docker = options.docker ?? createDockerClient(options.snapshot?.dockerEndpoint);
    this.privilege = options.snapshot?.privilege ?? Privilege.detect(runCommand, options.snapshot?.privilegeCommand ?? DEFAULT_PRIVILEGE_COMMAND);
    // The event stream stays open for good: its own client, without the read timeout.
    this.events = new DockerEventStream(options.docker ?? createDockerClient(options.snapshot?.dockerEndpoint, 0));
    this.events.on('event', (e) => {
      this.emit('dockerEvent', e);
      // A `create` is followed by a network `connect` and a `start` within moments (docker
      // run): until another container event comes, the wait is the normal debounce, so they
      // make one read; the `start` then shortens the wait.
      if (e.type === 'container') this.awaitingStart = e.action === 'create';
      if (e.type === 'network') this.pendingNetwork = true;
      this.requestRefresh(`${e.type} ${e.name ?? e.id.slice(0, 12)} ${e.action}`, LIGHT_EVENT(e), this.awaitingStart);
    });
    // Both edges matter: a drop shows "engine not reachable", a reconnect shows it back.
    this.events.on('connected', () => this.requestRefresh('Docker event stream connected'));
    this.events.on('disconnected', () => this.requestRefresh('Docker event stream lost'));
  }

  /** Starts watching: events, the poll, and a first read. Idempotent. */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.events.start();
    const poll = clampInterval((this.options.pollMs ?? 30_000) / 1000, MIN_REFRESH_SECONDS) * 1000;
    if (poll > 0) this.pollTimer = setInterval(() => this.requestRefresh('periodic re-read'), poll);
    void this.refresh('first read');
  }

  stop(): void {
    this.started = false;
    this.events.stop();
    if (this.pollTimer) clearInterval(this.pollTimer);
    if (this.debounceTimer) clearTimeout(this.debounceTimer);
    this.pollTimer = this.debounceTimer = undefined;
  }

  /**
   * A re-read soon, coalescing bursts (a `docker compose up` emits dozens of events); a
   * steady stream of events still gets a read at least every `maxWaitMs`.
   */
  requestRefresh(reason: string, containerEvent = false, slow = false): void {
    this.addReason(reason);
    if (!containerEvent) this.pendingLight = false;
    const now = Date.now();
    this.firstPendingAt ??= now;
    if (this.debounceTimer) clearTimeout(this.debounceTimer);
    const debounce = this.pendingLight && !slow ? (this.options.eventDebounceMs ?? 60) : (this.options.debounceMs ?? 300);
    const maxWait = Math.max(debounce, this.options.maxWaitMs ?? 2000);
    const delay = Math.max(0, Math.min(debounce, this.firstPendingAt + maxWait - now));
    this.debounceTimer = setTimeout(() => {
      this.debounceTimer = undefined;
      this.firstPendingAt = undefined;
      void this.refresh();
    }, delay);
  }

  /** Keeps at most MAX_REASONS reasons for the next read; a flood of events is counted, not stored. */
  private addReason(reason: string): void {
    if (this.pendingReasons.length < MAX_REASONS) this.pendingReasons.push(reason);
    else if (this.pendingReasons.length === MAX_REASONS) this.pendingReasons.push('more changes');
  }

  /** A read asked for by the user: an earlier refusal of the privilege command is retried. */
  async refreshNow(reason: string): Promise<void> {
    this.privilege.retry();
    await this.refresh(reason);
  }

  /** Reads now (or right after the read in progress) and resolves when the new snapshot is out. */
  async refresh(reason?: string): Promise<void> {
    if (reason) {
      this.addReason(reason);
      this.pendingLight = false;
    }
    while (this.running) await this.running;
    if (this.pendingReasons.length === 0 && this.current) return;
    const reasons = this.pendingReasons;
    const light = this.pendingLight ? (this.pendingNetwork ? LIGHT_REUSE_NETWORK : LIGHT_REUSE) : undefined;
    this.pendingNetwork = false;
    this.pendingReasons = [];
    this.pendingLight = true;
    this.running = this.readOnce(reasons, light);
    let first = false;
    try {
      first = await this.running;
    } finally {
      this.running = undefined;
    }
    // The first picture is out; the read that completes it follows at once, and whoever awaited
    // this refresh gets the complete state.
    if (first) await this.refresh('completing the first read (per-container DNS rules and interfaces)');
  }

  /**
   * Re-reads only the netfilter rules and counters into the current snapshot (one
   * iptables-save, and one nft -j list ruleset when native tables were read, whatever the
   * number of containers), for views that follow counters. Callers at the same time share
   * that one read. Skipped while a full read runs (it brings fresh counters itself) or when
   * there is no snapshot or no privilege yet.
   */
  refreshCounters(): Promise<HostSnapshot | undefined> {
    this.countersRead ??= this.readCounters().finally(() => {
      this.countersRead = undefined;
    });
    return this.countersRead;
  }

  private async readCounters(): Promise<HostSnapshot | undefined> {
    const current = this.current;
    if (!current || this.running || !this.privilege.usable || !current.netfilter) return undefined;
    const timeoutMs = this.options.snapshot?.timeoutMs;
    // Native nftables counters too, when the snapshot has them (a failed re-read keeps the last ones).
    const [netfilter, nftables] = await Promise.all([
      readNetfilterCounters(this.privilege, timeoutMs),
      current.nftables ? readNftablesCounters(this.privilege, timeoutMs).catch(() => current.nftables) : Promise.resolve(undefined),
    ]);
    // A full read that finished meanwhile is newer than this one: keep it.
    if (this.current !== current || !netfilter) return undefined;
    const next: HostSnapshot = { ...current, netfilter, ...(nftables ? { nftables } : {}), countersReadAt: new Date().toISOString() };
    this.current = next;
    this.emit('counters', next);
    return next;
  }

  /**
   * One read. After container events alone (`light`), what a container cannot change is kept
   * from the previous read (sysctls, overlay sandboxes, conntrack): the poll re-reads them.
   */
  private async readOnce(reasons: string[], light: readonly SourceName[] | undefined): Promise<boolean> {
    this.emit('reading', true);
    try {
      const read = this.options.read ?? takeSnapshot;
      // The first picture leaves out what costs a process per container (the DNS redirect rules
      // and, as root, the interfaces read inside each namespace); the read right after it adds them.
      const first = this.current === undefined && this.options.snapshot?.dnsRules !== false;
      const snapshot = await read({
        ...this.options.snapshot,
        docker: this.docker,
        privilege: this.privilege,
        ...(this.current ? { previous: this.current } : {}),
        ...(light && this.current ? { reuse: light } : {}),
        ...(first ? { dnsRules: false, namespaceLinks: false } : {}),
      });
      this.current = snapshot;
      this.emit('changed', snapshot, reasons);
      return first;
    } catch (err) {
      this.emit('failed', err as Error);
      return false;
    } finally {
      this.emit('reading', false);
    }
  }
}
