// Stops and restarts the Docker engine for the "engine not reachable" test, but only an
// engine that test/lab/up started itself: it records the pid in LAB_DOCKERD_MARKER. An
// engine the machine runs as a service is never touched; the test then fails and says why.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const LAB_DOCKERD_MARKER = '/run/containernet-lab-dockerd.pid';
const LOG = '/var/log/containernet-dockerd.log';

const ENGINE_SCRIPT = join(__dirname, '..', '..', '..', 'test', 'lab', 'engine');

/** `test/lab/engine ACTION`: the lab's own start/stop, which knows each engine's command line. */
function labEngine(action: 'which' | 'stop' | 'start'): string {
  if (!existsSync(ENGINE_SCRIPT)) throw new Error(`${ENGINE_SCRIPT} not found`);
  return execFileSync('bash', [ENGINE_SCRIPT, action], { encoding: 'utf8', timeout: 150_000, stdio: ['ignore', 'pipe', 'pipe'] });
}

async function waitFor(what: string, ok: () => boolean, timeoutMs: number): Promise<void> {
  const started = Date.now();
  while (!ok()) {
    if (Date.now() - started > timeoutMs) throw new Error(`${what} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

function engineAnswers(): boolean {
  try {
    execFileSync('docker', ['info', '--format', '{{.ServerVersion}}'], { stdio: 'ignore', timeout: 5000 });
    return true;
  } catch {
    return false;
  }
}

export async function stopLabDockerd(): Promise<void> {
  if (!existsSync(LAB_DOCKERD_MARKER)) {
    throw new Error(
      `dockerd was not started by test/lab/up (no ${LAB_DOCKERD_MARKER}); this test stops and restarts the engine and only does that to one the lab started`,
    );
  }
  try {
    labEngine('which');
  } catch {
    throw new Error(`${LAB_DOCKERD_MARKER} names no running dockerd`);
  }
  labEngine('stop');
  await waitFor('dockerd still answers after it was stopped', () => !engineAnswers(), 10_000);
}

export async function restartLabDockerd(): Promise<void> {
  if (engineAnswers()) return;
  labEngine('start');
  await waitFor(`dockerd did not answer (log: ${LOG})`, engineAnswers, 60_000);
  restartLabContainers();
}

/**
 * The lab's containers have no restart policy, so a stopped engine leaves them stopped:
 * start them again, those that join another container's namespace last.
 */
function restartLabContainers(): void {
  const lines = execFileSync(
    'docker',
    ['ps', '-a', '--filter', 'label=containernet.lab=1', '--filter', 'status=exited', '--format', '{{.Names}} {{.Networks}}'],
    { encoding: 'utf8' },
  )
    .split('\n')
    .filter(Boolean);
  const names = lines.map((l) => l.split(' ')[0] as string);
  const sharing = new Set(
    names.filter((n) => execFileSync('docker', ['inspect', '-f', '{{.HostConfig.NetworkMode}}', n], { encoding: 'utf8' }).startsWith('container:')),
  );
  const order = [...names.filter((n) => !sharing.has(n)), ...sharing];
  if (order.length > 0) execFileSync('docker', ['start', ...order], { stdio: 'ignore', timeout: 120_000 });
}
