// Docker's event stream (containers and networks), with automatic reconnection when the
// engine goes away and comes back. Plain Node: the sidebar uses it to refresh without the
// user pressing anything, and tests drive it against the real engine.
import { EventEmitter } from 'node:events';
import type Docker from 'dockerode';

export interface DockerEvent {
  type: 'container' | 'network' | string;
  action: string;
  /** Container or network id. */
  id: string;
  /** Container or network name, when the event carries it. */
  name?: string;
  time: number;
}

/** Opening the event stream gives up after this long (then retries with the backoff). */
export const CONNECT_TIMEOUT_MS = 10_000;
/** The longest event line kept (Docker's are well under 4 KiB): a longer one is dropped, not buffered. */
export const MAX_EVENT_LINE = 256 * 1024;

/** Actions that change what the trees show. Exec and health events do not. */
const RELEVANT = /^(create|start|restart|die|stop|kill|destroy|rename|pause|unpause|connect|disconnect|remove|update)$/;

export function parseDockerEvent(raw: unknown): DockerEvent | undefined {
  const e = raw as { Type?: string; Action?: string; Actor?: { ID?: string; Attributes?: Record<string, string> }; time?: number };
  if (!e || typeof e.Type !== 'string' || typeof e.Action !== 'string') return undefined;
  if (e.Type !== 'container' && e.Type !== 'network') return undefined;
  if (!RELEVANT.test(e.Action)) return undefined;
  const event: DockerEvent = { type: e.Type, action: e.Action, id: e.Actor?.ID ?? '', time: e.time ?? 0 };
  const name = e.Actor?.Attributes?.name;
  if (name) event.name = name;
  return event;
}

export interface DockerEventStreamEvents {
  event: [DockerEvent];
  connected: [];
  disconnected: [Error | undefined];
}

/**
 * Emits `event` for each relevant Docker event, `connected` when the stream is (re)opened and
 * `disconnected` when it drops; reconnects with a capped backoff until `stop()`.
 */
export class DockerEventStream extends EventEmitter<DockerEventStreamEvents> {
  private stream: NodeJS.ReadableStream | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = true;
  private attempt = 0;
  connected = false;

  /** Lines longer than MAX_EVENT_LINE that were dropped (no Docker event is that long). */
  skippedLines = 0;

  constructor(
    private readonly docker: Docker,
    private readonly maxBackoffMs = 5000,
    /** How long opening the stream may take before it is given up and retried. */
    private readonly connectTimeoutMs = CONNECT_TIMEOUT_MS,
  ) {
    super();
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    void this.connect();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const s = this.stream as (NodeJS.ReadableStream & { destroy?: () => void }) | undefined;
    this.stream = undefined;
    s?.removeAllListeners();
    s?.destroy?.();
    this.connected = false;
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    // The events client has no request timeout (the stream stays open for good), so opening
    // it gets its own: an engine that accepts the connection but never answers is retried.
    const abort = new AbortController();
    const connectTimer = setTimeout(() => abort.abort(), this.connectTimeoutMs);
    try {
      let stream: NodeJS.ReadableStream;
      try {
        stream = (await this.docker.getEvents({ filters: { type: ['container', 'network'] }, abortSignal: abort.signal } as Parameters<
          Docker['getEvents']
        >[0])) as NodeJS.ReadableStream;
      } catch (err) {
        throw abort.signal.aborted ? new Error(`the Docker event stream did not open within ${this.connectTimeoutMs} ms`) : err;
      } finally {
        clearTimeout(connectTimer);
      }
      if (this.stopped) {
        (stream as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
        return;
      }
      this.stream = stream;
      this.connected = true;
      const openedAt = Date.now();
      this.emit('connected');
      let buffer = '';
      // Inside a line longer than MAX_EVENT_LINE: dropped up to its newline, never held.
      let skipping = false;
      stream.on('data', (chunk: Buffer | string) => {
        this.attempt = 0; // a stream that delivers is healthy: the next drop reconnects quickly
        buffer += chunk.toString();
        let nl: number;
        while ((nl = buffer.indexOf('\n')) >= 0) {
          const line = buffer.slice(0, nl).trim();
          buffer = buffer.slice(nl + 1);
          if (skipping) {
            skipping = false;
            continue;
          }
          if (!line) continue;
          try {
            const event = parseDockerEvent(JSON.parse(line));
            if (event) this.emit('event', event);
          } catch {
            // a line that is not JSON: ignore it, the next refresh reads the truth anyway
          }
        }
        if (buffer.length > MAX_EVENT_LINE) {
          if (!skipping) this.skippedLines++;
          skipping = true;
          buffer = '';
        }
      });
      const dropped = (err?: Error) => {
        if (this.stream !== stream) return;
        this.stream = undefined;
        // A stream that lived a while was healthy; one that closed at once backs off further.
        if (Date.now() - openedAt > 10_000) this.attempt = 0;
        this.disconnect(err);
      };
      stream.on('end', () => dropped());
      stream.on('close', () => dropped());
      stream.on('error', (err: Error) => dropped(err));
    } catch (err) {
      this.disconnect(err as Error);
    }
  }

  private disconnect(err: Error | undefined): void {
    if (this.stopped) return;
    const was = this.connected;
    this.connected = false;
    if (was || this.attempt === 0) this.emit('disconnected', err);
    if (this.stopped) return;
    const delay = Math.min(this.maxBackoffMs, 250 * 2 ** this.attempt++);
    this.timer = setTimeout(() => void this.connect(), delay);
  }
}
