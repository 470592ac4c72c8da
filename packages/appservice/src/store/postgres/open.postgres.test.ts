import { Client } from 'pg';
import type { Migration } from '../types';
import { CORE_MIGRATIONS } from '../core-migrations';
import { openPostgresStore, redactDatabaseUrl } from './open';
import { inTransaction } from './sql';
import { usePostgresCluster } from './testing/jest';

const pg = usePostgresCluster();
const other = { pid: 4242, host: 'bridge-2', startedAt: '2026-01-01T00:00:00.000Z', command: 'node main.js run' };

describe('the PostgreSQL store', () => {
  it('migrates the core once, then opens without migrating', async () => {
    const url = await pg.newDatabase();
    const first = await openPostgresStore(url);
    expect(first.migrationsApplied.map((m) => `${m.scope}#${m.version}`)).toEqual(CORE_MIGRATIONS.map((m) => `core#${m.version}`));
    await first.close();
    const again = await openPostgresStore(url);
    expect(again.migrationsApplied).toEqual([]);
    // Migration 3 widened the queue's CHECK in place: an outbox row needs its handler's kind.
    await expect(again.pool.query("INSERT INTO event_queue (txn_id, kind, created_at, updated_at) VALUES ('x', 'outbox', 1, 1)")).rejects.toThrow(/event_queue_outbox_check/);
    await again.pool.query("INSERT INTO event_queue (txn_id, kind, outbox_kind, created_at, updated_at) VALUES ('x', 'outbox', 'k', 1, 1)");
    await again.close();
  });

  it('runs a connector\'s PostgreSQL migrations, and refuses one written for SQLite only before changing anything', async () => {
    const url = await pg.newDatabase();
    const ok: Migration = { version: 1, description: 'widgets', up() {}, postgres: 'CREATE TABLE widgets (id TEXT PRIMARY KEY)' };
    const sqliteOnly: Migration = { version: 2, description: 'gadgets', up() {} };
    await expect(openPostgresStore(url, { extraMigrations: [{ scope: 'demo', migrations: [ok, sqliteOnly] }] }))
      .rejects.toMatchObject({ code: 'STORE_MIGRATION_FAILED', message: expect.stringMatching(/demo #2 \(gadgets\) has no PostgreSQL version.*Nothing was changed/) });
    const s = await openPostgresStore(url, { extraMigrations: [{ scope: 'demo', migrations: [ok] }] });
    expect(s.migrationsApplied.map((m) => `${m.scope}#${m.version}`)).toContain('demo#1');
    await s.pool.query("INSERT INTO widgets VALUES ('w')");
    await s.close();
  });

  it('rolls a failing migration back whole and names it', async () => {
    const url = await pg.newDatabase();
    const broken: Migration = { version: 1, description: 'half', up() {}, postgres: 'CREATE TABLE half (id TEXT); SELECT no_such_function()' };
    await expect(openPostgresStore(url, { extraMigrations: [{ scope: 'demo', migrations: [broken] }] }))
      .rejects.toMatchObject({ code: 'STORE_MIGRATION_FAILED', message: expect.stringMatching(/demo #1 \(half\) failed/) });
    const s = await openPostgresStore(url);
    const { rows } = await s.pool.query("SELECT to_regclass('half') AS t");
    expect(rows[0].t).toBeNull();
    await s.close();
  });

  it('refuses a database written by a newer release', async () => {
    const url = await pg.newDatabase();
    const s = await openPostgresStore(url);
    await s.pool.query("INSERT INTO schema_migrations VALUES ('core', $1, 'from the future', 0)", [CORE_MIGRATIONS.length + 1]);
    await s.close();
    await expect(openPostgresStore(url)).rejects.toMatchObject({ code: 'STORE_SCHEMA_TOO_NEW' });
  });

  it('lets one process hold a store: a second open is refused naming the first, and the store is free again after close', async () => {
    const url = await pg.newDatabase();
    const first = await openPostgresStore(url, { lock: { name: 'irc-bridge' } });
    await first.pool.query('UPDATE store_lock SET pid = $1, host = $2, started_at = $3, command = $4', [other.pid, other.host, other.startedAt, other.command]);
    const refused = await openPostgresStore(url, { lock: { name: 'irc-bridge' } }).catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 'STORE_LOCKED' });
    expect((refused as Error).message).toContain('pid 4242 on host bridge-2, started 2026-01-01T00:00:00.000Z, command: node main.js run');
    // Another registration on the same database is another bridge: it has its own lock.
    const neighbour = await openPostgresStore(url, { lock: { name: 'slack-bridge' } });
    await neighbour.close();
    await first.close();
    const second = await openPostgresStore(url, { lock: { name: 'irc-bridge' } });
    const { rows } = await second.pool.query<{ pid: number }>('SELECT pid FROM store_lock');
    expect(rows.map((r) => r.pid)).toEqual([process.pid]);
    await second.close();
  });

  it('frees the lock when the holder\'s connection dies (a killed process)', async () => {
    const url = await pg.newDatabase();
    // A killed process does not take its lock back (a live one would: bridge.postgres.test.ts).
    const first = await openPostgresStore(url, { lock: { name: 'r', regainWithinMs: 0 } });
    const admin = new Client({ connectionString: url });
    await admin.connect();
    await admin.query("SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND pid <> pg_backend_pid()");
    await admin.end();
    const second = await openPostgresStore(url, { lock: { name: 'r' } });
    await second.close();
    await first.close();
  });

  it('goes on after the server drops its connections: the next query gets a new one', async () => {
    const url = await pg.newDatabase();
    const warnings: string[] = [];
    const s = await openPostgresStore(url, { poolSize: 2, log: { warn: (m) => warnings.push(m), error: (m) => warnings.push(m) } });
    await s.kv.set('a', 1);
    const admin = new Client({ connectionString: url });
    await admin.connect();
    await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()');
    await admin.end();
    await new Promise((r) => setTimeout(r, 100));
    await expect(s.kv.get('a')).resolves.toBe(1);
    expect(warnings.some((w) => /pool will open another/.test(w))).toBe(true);
    await s.close();
  });

  it('survives a connection dropped in the middle of a transaction: the transaction fails, the process does not', async () => {
    const s = await openPostgresStore(await pg.newDatabase(), { poolSize: 2 });
    const admin = new Client({ connectionString: pg.cluster().url('postgres') });
    await admin.connect();
    try {
      const failed = inTransaction(s.pool, async (c) => {
        const { rows } = await c.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
        // Dropped while no query of ours runs: pg emits 'error' on the checked-out connection,
        // which would be an uncaught exception without a listener.
        await admin.query('SELECT pg_terminate_backend($1)', [rows[0]!.pid]);
        await new Promise((r) => setTimeout(r, 200));
        await c.query('SELECT 1');
      });
      await expect(failed).rejects.toThrow();
      await expect(s.kv.set('after', 1)).resolves.toBeUndefined();
    } finally {
      await admin.end();
      await s.close();
    }
  });

  it('cancels a statement that runs past the configured timeout', async () => {
    const s = await openPostgresStore(await pg.newDatabase(), { statementTimeoutMs: 100 });
    await expect(s.pool.query('SELECT pg_sleep(2)')).rejects.toThrow(/statement timeout/);
    await s.close();
  });

  it('refuses an unreachable server with what to check, without the password', async () => {
    const url = pg.cluster().url('postgres').replace('postgres@', 'postgres:hunter2@').replace(/:(\d+)\//, ':1/');
    const err = await openPostgresStore(url, { connectTimeoutMs: 2000 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'STORE_OPEN_FAILED', message: expect.stringMatching(/Check database.url/) });
    expect((err as Error).message).not.toContain('hunter2');
    expect(redactDatabaseUrl('postgresql://u:pw@h/db')).toBe('postgresql://u:***@h/db');
  });
});
