// Locates the fixtures captured from the lab (see test/fixtures/capture.sh for the commands).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HostSnapshot } from '../src/snapshot/hostSnapshot';

export const FIXTURES = join(process.cwd(), 'test', 'fixtures');

export function fixture(...parts: string[]): string {
  return readFileSync(join(FIXTURES, ...parts), 'utf8');
}

/** A fresh copy of the lab snapshot, safe to mutate in a test: Docker 20.10 (`lab`) or 28 (`lab28`). */
export function labSnapshot(engine: 'lab' | 'lab28' = 'lab'): HostSnapshot {
  return JSON.parse(fixture(engine, 'snapshot.json')) as HostSnapshot;
}
