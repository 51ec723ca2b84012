// A snapshot kept current: re-read (debounced) when Docker reports a container or network
// change, when the event stream drops or comes back (engine stopped/started), on a slow
// poll as a safety net for what has no event (counters, FDB), and on request. Reads never
// overlap: a request during a read schedules one more read after it.
import { EventEmitter } from 'node:events';
import type Docker from 'dockerode';
import { createDockerClient } from './dockerEngine';
import { DockerEventStream, type DockerEvent } from './dockerEvents';
import { runCommand } from './commandRunner';
import type { HostSnapshot } from './hostSnapshot';
import { readNetfilterCounters, readNftablesCounters, takeSnapshot, type SnapshotOptions } from './hostSnapshotReader';
import { DEFAULT_PRIVILEGE_COMMAND, Privilege } from './privilege';

export interface LiveSnapshotOptions {
  snapshot?: SnapshotOptions;
  debounceMs?: number;
  /** Longest a requested refresh waits while requests keep coming (default 2 s). */
  maxWaitMs?: number;
  /** Safety-net re-read interval; 0 turns it off. */
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

export class LiveSnapshot extends EventEmitter<LiveSnapshotEvents> {
  current: HostSnapshot | undefined;
  private readonly events: DockerEventStream;
  private readonly docker: Docker;
  private debounceTimer: NodeJS.Timeout | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private pendingReasons: string[] = [];
  private started = false;
  /** One for the watcher's life: a refused `sudo -n` is not retried on every refresh. */
  private readonly privilege: Privilege;
  private firstPendingAt: number | undefined;

  constructor(private readonly options: LiveSnapshotOptions = {}) {
    super();
    this.docker = options.docker ?? createDockerClient(options.snapshot?.dockerEndpoint);
    this.privilege = options.snapshot?.privilege ?? Privilege.detect(runCommand, options.snapshot?.privilegeCommand ?? DEFAULT_PRIVILEGE_COMMAND);
    // The event stream stays open for good: its own client, without the read timeout.
    this.events = new DockerEventStream(options.docker ?? createDockerClient(options.snapshot?.dockerEndpoint, 0));
    this.events.on('event', (e) => {
      this.emit('dockerEvent', e);
      this.requestRefresh(`${e.type} ${e.name ?? e.id.slice(0, 12)} ${e.action}`);
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
    const poll = this.options.pollMs ?? 30_000;
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
  requestRefresh(reason: string): void {
    this.pendingReasons.push(reason);
    const now = Date.now();
    this.firstPendingAt ??= now;
    if (this.debounceTimer) clearTimeout(this.debounceTimer);
    const debounce = this.options.debounceMs ?? 300;
    const maxWait = Math.max(debounce, this.options.maxWaitMs ?? 2000);
    const delay = Math.max(0, Math.min(debounce, this.firstPendingAt + maxWait - now));
    this.debounceTimer = setTimeout(() => {
      this.debounceTimer = undefined;
      this.firstPendingAt = undefined;
      void this.refresh();
    }, delay);
  }

  /** A read asked for by the user: an earlier refusal of the privilege command is retried. */
  async refreshNow(reason: string): Promise<void> {
    this.privilege.retry();
    await this.refresh(reason);
  }

  /** Reads now (or right after the read in progress) and resolves when the new snapshot is out. */
  async refresh(reason?: string): Promise<void> {
    if (reason) this.pendingReasons.push(reason);
    while (this.running) await this.running;
    if (this.pendingReasons.length === 0 && this.current) return;
    const reasons = this.pendingReasons;
    this.pendingReasons = [];
    this.running = this.readOnce(reasons);
    try {
      await this.running;
    } finally {
      this.running = undefined;
    }
  }

  /**
   * Re-reads only the netfilter rules and counters into the current snapshot (one
   * iptables-save, and one nft -j list ruleset when native tables were read), for views that follow counters. Skipped while a full read runs (it
   * brings fresh counters itself) or when there is no snapshot or no privilege yet.
   */
  async refreshCounters(): Promise<HostSnapshot | undefined> {
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

  private async readOnce(reasons: string[]): Promise<void> {
    this.emit('reading', true);
    try {
      const read = this.options.read ?? takeSnapshot;
      const snapshot = await read({ ...this.options.snapshot, docker: this.docker, privilege: this.privilege, ...(this.current ? { previous: this.current } : {}) });
      this.current = snapshot;
      this.emit('changed', snapshot, reasons);
    } catch (err) {
      this.emit('failed', err as Error);
    } finally {
      this.emit('reading', false);
    }
  }
}
