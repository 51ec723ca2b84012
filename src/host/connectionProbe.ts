// One real connection attempt from a network namespace, for a trace that asks for traffic:
// node itself, entered into the namespace with nsenter (the host's node binary, so a container
// with no tools works too). Bounded: 3 s. Only to the address the user named.
import { execFile } from 'node:child_process';

const SCRIPT = `
const [proto, host, port] = process.argv.slice(1);
const done = (r) => { process.stdout.write(r); process.exit(0); };
setTimeout(() => done('timeout'), 3000);
if (proto === 'udp') {
  const s = require('node:dgram').createSocket(host.includes(':') ? 'udp6' : 'udp4');
  s.send(Buffer.from('probe'), Number(port), host, () => setTimeout(() => done('sent'), 300));
} else {
  const s = require('node:net').connect({ host, port: Number(port) });
  s.on('connect', () => { s.write('GET / HTTP/1.0\\r\\n\\r\\n'); });
  s.on('data', () => done('open'));
  s.on('error', (e) => done(e.code === 'ECONNREFUSED' ? 'refused' : e.code || 'error'));
}
`;

/** `pid`: the namespace of that process (nsenter -n); undefined: the host's own. */
export function probeConnection(pid: number | undefined, protocol: 'tcp' | 'udp', host: string, port: number): Promise<string> {
  const argv = [...(pid ? ['nsenter', '-t', String(pid), '-n', '--'] : []), process.execPath, '-e', SCRIPT, protocol, host, String(port)];
  return new Promise((resolve) => {
    execFile(argv[0] as string, argv.slice(1), { timeout: 10_000 }, (err, stdout) => resolve(err && !stdout ? `error: ${err.message}` : stdout.trim()));
  });
}
