// The store's WAL checkpoints run in a worker thread: the store's own connection no longer
// checkpoints every 1,000 pages (an fsync on the event loop), the worker's checkpoint really
// moves the data into the database file, and a worker that cannot start hands the job back.
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { openStore, type OpenedStore } from './open';
import { WalCheckpointer } from './wal-checkpointer';

let dir: string;
const opened: Array<{ close(): void }> = [];
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'bridgekit-wal-'));
});
afterEach(() => {
  for (const s of opened.splice(0)) s.close();
  rmSync(dir, { recursive: true, force: true });
});

function open(): OpenedStore {
  const store = openStore(path.join(dir, 'bridge.db'));
  opened.push(store);
  return store;
}

/** The rows of `kv` a copy of the database file alone (no WAL beside it) holds. */
function keysInDatabaseFileAlone(): string[] {
  const copy = path.join(dir, 'copy.db');
  copyFileSync(path.join(dir, 'bridge.db'), copy);
  rmSync(`${copy}-wal`, { force: true });
  const db = new Database(copy, { readonly: true });
  try {
    // Before any checkpoint the file may not even hold the schema yet.
    if (!db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'kv'").get()) return [];
    return (db.prepare('SELECT key FROM kv').pluck().all() as string[]).sort();
  } finally {
    db.close();
  }
}

describe('WalCheckpointer', () => {
  it('keeps the store\'s own connection from checkpointing at 1,000 pages, and checkpoints in the worker instead', async () => {
    const store = open();
    expect(store.checkpointer?.inBackground).toBe(true);
    expect(store.db.pragma('wal_autocheckpoint', { simple: true })).toBeGreaterThan(1000);
    await store.kv.set('before', 1);
    await store.checkpointer!.checkpoint();
    await store.kv.set('after', 2);
    // Written after the checkpoint: only in the WAL, not yet in the database file.
    expect(keysInDatabaseFileAlone()).toEqual(['before']);
    const result = await store.checkpointer!.checkpoint();
    expect(result.error).toBeUndefined();
    expect(result.checkpointed).toBe(result.log);
    expect(keysInDatabaseFileAlone()).toEqual(['after', 'before']);
  });

  it('checkpoints on its interval only after the store wrote something', async () => {
    const store = openStore(path.join(dir, 'bridge.db'));
    opened.push(store);
    store.checkpointer!.close();
    const checkpointer = new WalCheckpointer(store.db, path.join(dir, 'bridge.db'), { intervalMs: 20 });
    opened.push(checkpointer);
    const spy = jest.spyOn(checkpointer, 'checkpoint');
    await new Promise((r) => setTimeout(r, 100));
    expect(spy).not.toHaveBeenCalled();
    await store.kv.set('k', 1);
    for (let i = 0; i < 50 && keysInDatabaseFileAlone().length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(spy).toHaveBeenCalled();
    expect(keysInDatabaseFileAlone()).toEqual(['k']);
  });

  it('gives the checkpoints back to the store\'s connection when its worker cannot start', async () => {
    const store = open();
    store.checkpointer!.close();
    const checkpointer = new WalCheckpointer(store.db, path.join(dir, 'bridge.db'), { driver: path.join(dir, 'no-such-driver.js') });
    opened.push(checkpointer);
    expect(store.db.pragma('wal_autocheckpoint', { simple: true })).toBe(10_000);
    await expect(checkpointer.checkpoint()).resolves.toEqual({ error: 'the checkpoint worker failed' });
    expect(checkpointer.inBackground).toBe(false);
    expect(store.db.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
  });

  it('closes the worker\'s connection first, so the store\'s close leaves every commit in the database file', async () => {
    const store = openStore(path.join(dir, 'bridge.db'));
    await store.kv.set('first', 1);
    await store.checkpointer!.checkpoint(); // the worker has a connection open now
    await store.kv.set('last', 2);
    store.close();
    expect(existsSync(path.join(dir, 'bridge.db-wal'))).toBe(false);
    expect(keysInDatabaseFileAlone()).toEqual(['first', 'last']);
  });

  it('has no worker for an in-memory store', () => {
    const store = openStore(':memory:');
    opened.push(store);
    expect(store.checkpointer).toBeUndefined();
  });
});
