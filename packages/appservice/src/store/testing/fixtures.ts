// Shared by the store's unit tests only (excluded from the build: it uses jest's globals).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A fresh temp directory per test, removed afterwards; real SQLite files live there. */
export function useTempDir(): () => string {
  let dir = '';
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'bridgekit-store-')); });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  return () => dir;
}

/** A clock the test moves by hand. */
export function manualClock(start = 1_700_000_000_000): { now: () => number; advance(ms: number): void } {
  let t = start;
  return { now: () => t, advance: (ms) => { t += ms; } };
}
