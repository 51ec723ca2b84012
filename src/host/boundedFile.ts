// Reads a file on the host that something else may control (a container writes its own
// resolv.conf), without trusting what the path points at: the last component is never
// followed if it is a symlink (O_NOFOLLOW), opening never blocks (O_NONBLOCK: a FIFO would
// otherwise hang until a writer came), the opened file must be a regular file (fstat on the
// descriptor, so it is the same file that is read), at most `maxBytes` are read, and the
// whole read gives up after `timeoutMs`.
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';

export interface BoundedRead {
  text: string;
  /** The file is longer than maxBytes: text is its first maxBytes. */
  truncated: boolean;
  /** The file's size as fstat gave it. */
  size: number;
}

export class UnsafeFileError extends Error {
  constructor(
    readonly path: string,
    message: string,
    /** errno code when the open itself failed (ELOOP for a symlink, EACCES, ENOENT). */
    readonly code?: string,
  ) {
    super(message);
    this.name = 'UnsafeFileError';
  }
}

export async function readBoundedFile(path: string, options: { maxBytes?: number; timeoutMs?: number } = {}): Promise<BoundedRead> {
  const maxBytes = options.maxBytes ?? 64 * 1024;
  const timeoutMs = options.timeoutMs ?? 5000;
  if (!path.startsWith('/') || path.includes('\0')) throw new UnsafeFileError(path, `not an absolute path: ${JSON.stringify(path)}`);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new UnsafeFileError(path, `${path}: not read within ${timeoutMs} ms`)), timeoutMs);
  });
  const read = (async (): Promise<BoundedRead> => {
    let handle;
    try {
      handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK | constants.O_NOCTTY);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ELOOP') throw new UnsafeFileError(path, `${path} is a symbolic link: not followed`, code);
      throw new UnsafeFileError(path, `${path}: ${(err as Error).message}`, code);
    }
    try {
      const stat = await handle.stat();
      if (!stat.isFile()) throw new UnsafeFileError(path, `${path} is not a regular file (${kindOf(stat)}): not read`);
      const buffer = Buffer.alloc(maxBytes + 1);
      let length = 0;
      while (length < buffer.length) {
        const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
        if (bytesRead === 0) break;
        length += bytesRead;
      }
      const truncated = length > maxBytes;
      return { text: buffer.subarray(0, Math.min(length, maxBytes)).toString('utf8'), truncated, size: stat.size };
    } finally {
      await handle.close();
    }
  })();
  try {
    return await Promise.race([read, timeout]);
  } finally {
    clearTimeout(timer);
    read.catch(() => undefined); // settled after the timeout: nothing to report
  }
}

function kindOf(stat: { isFIFO(): boolean; isDirectory(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean; isSocket(): boolean }): string {
  if (stat.isFIFO()) return 'a FIFO';
  if (stat.isDirectory()) return 'a directory';
  if (stat.isCharacterDevice() || stat.isBlockDevice()) return 'a device';
  if (stat.isSocket()) return 'a socket';
  return 'not a file';
}
