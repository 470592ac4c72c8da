// The store's WAL checkpoints run when the store is quiet, not inside a commit: only after a
// write, only once no row changed for a while, never inside a transaction; the checkpoint really
// moves the data into the database file, SQLite's 1,000-page auto-checkpoint stays as the
// fallback, and a clean close leaves every commit in the database file and no WAL.
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
  afterEach(() => jest.useRealTimers());

  /** A checkpointer of its own on a store whose default one is stopped, timers faked. */
  function withOwnCheckpointer(options: { intervalMs: number; quietMs: number }): { store: OpenedStore; checkpointer: WalCheckpointer; spy: jest.SpyInstance } {
    const store = open();
    store.checkpointer!.close();
    jest.useFakeTimers();
    const checkpointer = new WalCheckpointer(store.db, options);
    opened.unshift(checkpointer);
    return { store, checkpointer, spy: jest.spyOn(checkpointer, 'checkpoint') };
  }

  it('moves the WAL into the database file, and leaves SQLite\'s 1,000-page auto-checkpoint as the fallback', () => {
    const store = open();
    expect(store.db.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
    store.sync.kv.set('before', 1);
    expect(store.checkpointer!.checkpoint().error).toBeUndefined();
    store.sync.kv.set('after', 2);
    // Written after the checkpoint: only in the WAL, not yet in the database file.
    expect(keysInDatabaseFileAlone()).toEqual(['before']);
    const result = store.checkpointer!.checkpoint();
    expect(result.error).toBeUndefined();
    expect(result.log).toBeGreaterThan(0);
    expect(result.checkpointed).toBe(result.log);
    expect(keysInDatabaseFileAlone()).toEqual(['after', 'before']);
  });

  it('checkpoints on its interval only after the store wrote something', () => {
    const { store, spy } = withOwnCheckpointer({ intervalMs: 20, quietMs: 5 });
    jest.advanceTimersByTime(200);
    expect(spy).not.toHaveBeenCalled();
    store.sync.kv.set('k', 1);
    jest.advanceTimersByTime(25);
    expect(spy).toHaveBeenCalledTimes(1);
    expect(keysInDatabaseFileAlone()).toEqual(['k']);
    // Nothing written since: the next intervals do nothing.
    jest.advanceTimersByTime(200);
    expect(spy).toHaveBeenCalledTimes(1);
  });

  it('waits while rows keep changing, and checkpoints once the store has been quiet for quietMs', () => {
    const { store, spy } = withOwnCheckpointer({ intervalMs: 20, quietMs: 10 });
    store.sync.kv.set('k0', 0);
    jest.advanceTimersByTime(20); // due: now looking for 10 ms without a change
    for (let i = 1; i <= 10; i++) {
      store.sync.kv.set(`k${i}`, i);
      jest.advanceTimersByTime(10);
    }
    expect(spy).not.toHaveBeenCalled();
    expect(keysInDatabaseFileAlone()).toEqual([]);
    jest.advanceTimersByTime(10);
    expect(spy).toHaveBeenCalledTimes(1);
    expect(keysInDatabaseFileAlone()).toHaveLength(11);
  });

  it('never checkpoints inside an open transaction', () => {
    const store = open();
    const inside = store.db.transaction(() => {
      store.sync.kv.set('k', 1);
      return store.checkpointer!.checkpoint();
    })();
    expect(inside).toEqual({ error: 'a transaction is open' });
    expect(keysInDatabaseFileAlone()).toEqual([]);
  });

  it('stops checkpointing once closed', () => {
    const { store, checkpointer, spy } = withOwnCheckpointer({ intervalMs: 20, quietMs: 5 });
    checkpointer.close();
    store.sync.kv.set('k', 1);
    jest.advanceTimersByTime(200);
    expect(spy).not.toHaveBeenCalled();
    expect(checkpointer.checkpoint()).toEqual({ error: 'closed' });
    expect(keysInDatabaseFileAlone()).toEqual([]);
  });

  it('leaves every commit in the database file and no WAL after a clean close', () => {
    const store = openStore(path.join(dir, 'bridge.db'));
    store.sync.kv.set('first', 1);
    store.checkpointer!.checkpoint();
    store.sync.kv.set('last', 2);
    store.close();
    expect(existsSync(path.join(dir, 'bridge.db-wal'))).toBe(false);
    expect(keysInDatabaseFileAlone()).toEqual(['first', 'last']);
  });

  it('has no checkpointer for an in-memory store', () => {
    const store = openStore(':memory:');
    opened.push(store);
    expect(store.checkpointer).toBeUndefined();
  });
});
