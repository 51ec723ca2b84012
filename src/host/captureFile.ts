// A packet capture written to a file: where it goes and when it stops.
// - Where: a new private folder (mode 0700, made by mkdtemp, so nobody else can have put a
//   symlink in it) holding capture.pcap, created here with O_CREAT|O_EXCL|O_NOFOLLOW before
//   tcpdump (as root) opens it by that path: tcpdump never writes through a symlink.
// - When: tcpdump's own -c bounds the packets; the terminal also ends it after CAPTURE_LIMITS
//   seconds, and when the file passes CAPTURE_LIMITS bytes (checked every second), so neither
//   the disk nor the time it runs grows without bound.
import { constants } from 'node:fs';
import { mkdtemp, open, stat } from 'node:fs/promises';
import { join } from 'node:path';

export const CAPTURE_LIMITS = {
  /** tcpdump -c for a capture to a file, unless a smaller count is asked for. */
  packets: 10_000,
  bytes: 100 * 1024 * 1024,
  seconds: 600,
} as const;

/** What makes a running capture stop, given to the terminal with the plan. */
export interface CaptureStop {
  file: string;
  bytes: number;
  seconds: number;
}

/** A new private folder in `folder` (capture-<stamp>-XXXXXX, 0700) with an empty capture.pcap made here, not by tcpdump. */
export async function createCaptureFile(folder: string, stamp = new Date().toISOString().replace(/[:.]/g, '-')): Promise<string> {
  const dir = await mkdtemp(join(folder, `capture-${stamp}-`));
  const file = join(dir, 'capture.pcap');
  const handle = await open(file, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o644);
  await handle.close();
  return file;
}

/**
 * Ends a capture when it has run `seconds` or its file has passed `bytes`: calls `stop` once
 * with the reason. Returns the function that cancels the watch (call it when the capture ends).
 */
export function watchCaptureLimits(limits: CaptureStop, stop: (reason: string) => void, everyMs = 1000): () => void {
  let done = false;
  const end = (reason: string): void => {
    if (done) return;
    cancel();
    stop(reason);
  };
  const timer = setTimeout(() => end(`ran ${limits.seconds} s (the capture time limit)`), limits.seconds * 1000);
  const poll = setInterval(() => {
    stat(limits.file).then(
      (s) => {
        if (s.size >= limits.bytes) end(`${limits.file} reached ${s.size} bytes (the limit is ${limits.bytes})`);
      },
      () => undefined, // not created yet, or removed: nothing to measure
    );
  }, everyMs);
  const cancel = (): void => {
    done = true;
    clearTimeout(timer);
    clearInterval(poll);
  };
  return cancel;
}
