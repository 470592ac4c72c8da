import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { BridgeError } from '../errors/bridge-error';
import { openStore } from './open';
import { acquireStoreLock, currentProcess, type LockOwner } from './process-lock';
import { useTempDir } from './testing/fixtures';

const dir = useTempDir();
const dbPath = () => join(dir(), 'bridge.db');

function refusal(fn: () => unknown): BridgeError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(BridgeError);
    return err as BridgeError;
  }
  throw new Error('expected the second open to be refused');
}

/** A PID that belonged to a process of this host and is free now. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

function recordLines() {
  const lines: Array<{ level: string; message: string; meta?: Record<string, unknown> }> = [];
  return {
    lines,
    log: {
      info: (message: string, meta?: Record<string, unknown>) => lines.push({ level: 'info', message, meta }),
      warn: (message: string, meta?: Record<string, unknown>) => lines.push({ level: 'warn', message, meta }),
    },
  };
}

describe('one process per store', () => {
  it('refuses a second open of one database, naming the first holder (pid, host, start time, command)', () => {
    const first = openStore(dbPath());
    try {
      const err = refusal(() => openStore(dbPath()));
      expect(err.code).toBe('STORE_LOCKED');
      const me = currentProcess();
      expect(err.message).toContain(`The database ${dbPath()} is in use by another bridge process`);
      expect(err.message).toContain(`pid ${process.pid} on host ${hostname()}, started ${me.startedAt}, command: ${me.command}`);
      expect(err.message).toMatch(/stop the other process first, or give this bridge its own database\.path/);
      // The first store is untouched by the refused open.
      first.sync.kv.set('still', 'mine');
      expect(first.sync.kv.get('still')).toBe('mine');
    } finally {
      first.close();
    }
  });

  it('lets the next process in once the first closed, and removes the record on close', () => {
    openStore(dbPath()).close();
    expect(existsSync(`${dbPath()}.lock.json`)).toBe(false);
    const again = openStore(dbPath());
    expect(JSON.parse(readFileSync(`${dbPath()}.lock.json`, 'utf8'))).toMatchObject({ pid: process.pid, host: hostname() });
    again.close();
  });

  it('takes over the stale lock of a dead PID on this host, with an info line naming it', () => {
    const pid = deadPid();
    const stale: LockOwner = { pid, host: hostname(), startedAt: '2026-01-01T00:00:00.000Z', command: 'node bridges/irc/dist/main.js run --config c.yaml' };
    // What a process killed with -9 leaves behind: the lock database and its record.
    acquireStoreLock(dbPath(), { owner: stale }).release();
    writeFileSync(`${dbPath()}.lock.json`, JSON.stringify(stale));
    const { lines, log } = recordLines();
    const store = openStore(dbPath(), { lock: { log } });
    try {
      expect(lines).toEqual([{
        level: 'info',
        message: `Took over the stale store lock of pid ${pid} (started 2026-01-01T00:00:00.000Z), which is no longer running`,
        meta: { path: dbPath(), previousOwner: stale },
      }]);
      expect(JSON.parse(readFileSync(`${dbPath()}.lock.json`, 'utf8'))).toMatchObject({ pid: process.pid });
      expect(refusal(() => openStore(dbPath())).code).toBe('STORE_LOCKED');
    } finally {
      store.close();
    }
  });

  it('says so when the recorded PID is alive but the lock was free (a reused PID), and warns for another host', () => {
    const other: LockOwner = { pid: 4242, host: hostname(), startedAt: '2026-01-01T00:00:00.000Z', command: 'x' };
    writeFileSync(`${dbPath()}.lock.json`, JSON.stringify(other));
    const reused = recordLines();
    acquireStoreLock(dbPath(), { log: reused.log, isAlive: () => true }).release();
    expect(reused.lines.map((l) => [l.level, l.message])).toEqual([['info', expect.stringMatching(/pid 4242: the lock was free, so that PID now belongs to another process/)]]);

    writeFileSync(`${dbPath()}.lock.json`, JSON.stringify({ ...other, host: 'elsewhere' }));
    const remote = recordLines();
    acquireStoreLock(dbPath(), { log: remote.log }).release();
    expect(remote.lines.map((l) => [l.level, l.message])).toEqual([['warn', expect.stringMatching(/on host elsewhere.*make sure no bridge runs there/)]]);
  });

  it('names no holder it cannot read, and still refuses', () => {
    const first = acquireStoreLock(dbPath());
    try {
      writeFileSync(`${dbPath()}.lock.json`, 'not json');
      expect(refusal(() => acquireStoreLock(dbPath())).message).toMatch(/in use by another bridge process \(it has not recorded itself in .*bridge\.db\.lock\.json yet\)/);
    } finally {
      first.release();
    }
  });

  it('gives the lock back when the open fails after taking it (a migration error), so a fixed retry gets in', () => {
    const broken = { version: 1, description: 'fails', up: () => { throw new Error('boom'); } };
    expect(() => openStore(dbPath(), { extraMigrations: [{ scope: 'irc', migrations: [broken] }] })).toThrow();
    openStore(dbPath()).close();
  });

  it('takes no lock for :memory: stores or when asked not to', () => {
    const a = openStore(':memory:');
    const b = openStore(':memory:');
    a.close();
    b.close();
    const locked = openStore(dbPath());
    const reader = openStore(dbPath(), { lock: false });
    reader.close();
    locked.close();
  });
});
