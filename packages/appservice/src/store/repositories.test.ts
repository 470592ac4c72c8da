import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BridgeError } from '../errors/bridge-error';
import { CORE_MIGRATIONS } from './core-migrations';
import { openStore } from './open';
import { useTempDir } from './testing/fixtures';

describe('the SQLite store', () => {
  const dir = useTempDir();
  const dbPath = () => join(dir(), 'data', 'bridge.db');

  it('opens a WAL database with foreign keys on and a busy timeout, creating its directory', () => {
    const store = openStore(dbPath(), { busyTimeoutMs: 1234 });
    expect(store.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(store.db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(store.db.pragma('busy_timeout', { simple: true })).toBe(1234);
    expect(store.migrationsApplied.map((m) => `${m.scope}#${m.version}`)).toEqual(CORE_MIGRATIONS.map((m) => `core#${m.version}`));
    store.close();
    const again = openStore(dbPath());
    expect(again.migrationsApplied).toEqual([]);
    again.close();
  });

  // The repositories' behaviour is tested on SQLite and PostgreSQL alike in repositories.backends.test.ts.

  it('turns an unopenable path into an error that says what to check', () => {
    writeFileSync(join(dir(), 'not-a-dir'), '');
    writeFileSync(join(dir(), 'garbage.db'), 'this is not an SQLite file, just text that is long enough to have a header');
    const garbage = (() => { try { openStore(join(dir(), 'garbage.db')); } catch (e) { return e; } })();
    expect((garbage as BridgeError).code).toBe('STORE_OPEN_FAILED');
    const err = (() => { try { openStore(join(dir(), 'not-a-dir', 'bridge.db')); } catch (e) { return e; } })();
    expect(err).toBeInstanceOf(BridgeError);
    expect((err as BridgeError).code).toBe('STORE_OPEN_FAILED');
    expect((err as BridgeError).message).toMatch(/Check database.path/);
  });

  it('works in memory', () => {
    const store = openStore(':memory:');
    store.sync.kv.set('a', 1);
    expect(store.sync.kv.get('a')).toBe(1);
    store.close();
  });
});
