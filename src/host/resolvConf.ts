// A container's resolv.conf, read safely. Not through /proc/PID/root (a privileged read there
// walks paths the container controls: an absolute symlink shows the host's own file, a FIFO
// hangs the reader) and never by running anything from the image.
// - Local engine: the file Docker writes on the host and bind-mounts into the container
//   (inspect's ResolvConfPath, /var/lib/docker/containers/ID/resolv.conf), read by this process
//   with readBoundedFile (no symlink followed, regular file only, 64 KiB, a timeout).
// - Not readable by this user (Docker's data root is root-only), or a remote engine: Docker's
//   own archive API for /etc/resolv.conf, which dockerd resolves inside the container's root
//   (symlinks scoped to it), read to the same bound; a symlink is reported, not followed.
import type Docker from 'dockerode';
import { readBoundedFile, UnsafeFileError } from './boundedFile';
import { isLocalDockerEndpoint } from './containerPid';
import { displayBlock } from './displayText';

export const RESOLV_CONF_MAX_BYTES = 64 * 1024;

export interface ResolvConfRead {
  text: string;
  truncated: boolean;
  /** Where it came from, for the banner. */
  source: string;
}

/** Whether a ResolvConfPath from inspect has the shape Docker gives it: DATA-ROOT/containers/<64 hex>/resolv.conf. */
export function isDockerResolvConfPath(path: string): boolean {
  return /^\/(?:[^\0]*\/)?containers\/[0-9a-f]{64}\/resolv\.conf$/.test(path) && !path.split('/').includes('..');
}

export async function readContainerResolvConf(
  container: { id: string; name: string; resolvConfPath?: string },
  options: { endpoint: string; docker?: Docker; timeoutMs?: number },
): Promise<ResolvConfRead> {
  const timeoutMs = options.timeoutMs ?? 5000;
  const path = container.resolvConfPath;
  if (isLocalDockerEndpoint(options.endpoint) && path && isDockerResolvConfPath(path)) {
    try {
      const r = await readBoundedFile(path, { maxBytes: RESOLV_CONF_MAX_BYTES, timeoutMs });
      return { text: r.text, truncated: r.truncated, source: `Docker's file on the host, ${path}` };
    } catch (err) {
      const denied = err instanceof UnsafeFileError && (err.code === 'EACCES' || err.code === 'EPERM');
      if (!denied || !options.docker) throw err;
    }
  }
  if (!options.docker) throw new Error(`Docker reports no resolv.conf on this host for ${container.name}; refresh and try again`);
  return readThroughDockerApi(options.docker, container.id, timeoutMs);
}

/** The file as a terminal or tree may show it: control characters replaced, the cut said. */
export function resolvConfText(read: ResolvConfRead): string {
  const body = displayBlock(read.text);
  return `${body}${body.endsWith('\n') || body === '' ? '' : '\n'}${read.truncated ? `[cut at ${RESOLV_CONF_MAX_BYTES} bytes]\n` : ''}`;
}

const BLOCK = 512;

/** GET /containers/ID/archive?path=/etc/resolv.conf: a tar of one entry, read no further than the bound. */
async function readThroughDockerApi(docker: Docker, id: string, timeoutMs: number): Promise<ResolvConfRead> {
  const stream = (await docker.getContainer(id).getArchive({ path: '/etc/resolv.conf' })) as NodeJS.ReadableStream & { destroy?: () => void };
  const limit = RESOLV_CONF_MAX_BYTES + 8 * BLOCK;
  const data = await new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const timer = setTimeout(() => {
      stream.destroy?.();
      reject(new Error(`Docker's archive of /etc/resolv.conf did not arrive within ${timeoutMs} ms`));
    }, timeoutMs);
    const done = (): void => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks));
    };
    stream.on('data', (d: Buffer) => {
      chunks.push(d);
      size += d.length;
      if (size >= limit) {
        stream.destroy?.();
        done();
      }
    });
    stream.on('end', done);
    stream.on('error', (err: Error) => {
      clearTimeout(timer);
      reject(err);
    });
  });
  return { ...firstTarFile(data), source: "Docker's archive of the container's /etc/resolv.conf" };
}

/** The first regular file of a tar (PAX headers skipped); a symlink is reported, never followed. */
export function firstTarFile(tar: Buffer): { text: string; truncated: boolean } {
  let at = 0;
  while (at + BLOCK <= tar.length) {
    const header = tar.subarray(at, at + BLOCK);
    if (header.every((b) => b === 0)) break;
    const size = parseInt(header.subarray(124, 136).toString('latin1').replace(/\0.*$/, '').trim() || '0', 8);
    const type = String.fromCharCode(header[156] ?? 0);
    const body = at + BLOCK;
    if (type === 'x' || type === 'g') {
      at = body + Math.ceil(size / BLOCK) * BLOCK;
      continue;
    }
    if (type === '2') {
      const target = header.subarray(157, 257).toString('utf8').replace(/\0.*$/s, '');
      throw new Error(`the container's /etc/resolv.conf is a symbolic link to ${JSON.stringify(target)}: not followed`);
    }
    if (type !== '0' && type !== '\0') throw new Error(`the container's /etc/resolv.conf is not a regular file (tar type ${JSON.stringify(type)})`);
    const shown = Math.min(size, RESOLV_CONF_MAX_BYTES);
    return { text: tar.subarray(body, Math.min(body + shown, tar.length)).toString('utf8'), truncated: size > RESOLV_CONF_MAX_BYTES };
  }
  throw new Error("Docker's archive of /etc/resolv.conf holds no file");
}
