/**
 * One bridge process per PostgreSQL store. The lock is a session-level advisory lock held by a
 * connection of its own (not the pool's): PostgreSQL releases it when that connection ends, so a
 * bridge killed with -9 frees it as soon as the server notices. Beside it, `store_lock` records
 * who holds it (pid, host, start time, command) so that a refusal names the other process; the
 * record is information only, the advisory lock decides.
 */
import { createHash } from 'node:crypto';
import { Client, type ClientConfig } from 'pg';
import { BridgeError, errorMessage } from '../../errors/bridge-error';
import { currentProcess, describeOwner, type LockOwner } from '../process-lock';

export interface PostgresStoreLock {
  /** Releases the lock and closes its connection (idempotent). */
  release(): Promise<void>;
}

export interface AcquirePostgresLockOptions {
  /** What the lock is for: the registration's id, so two bridges of one registration collide. */
  name: string;
  /** This process as the record describes it; tests pass their own. */
  owner?: LockOwner;
  /** The lock's connection broke: the lock is gone with it, and another process may take the store. */
  onLost?: (err: Error) => void;
  /** What the refusal calls the database (the URL without its password). */
  label: string;
}

/** A signed 64-bit key from the name: advisory locks are keyed by bigint. */
export function advisoryKey(name: string): string {
  return createHash('sha256').update(`bridgekit-store:${name}`).digest().readBigInt64BE(0).toString();
}

export async function acquirePostgresLock(connection: ClientConfig, options: AcquirePostgresLockOptions): Promise<PostgresStoreLock> {
  const key = advisoryKey(options.name);
  const me = options.owner ?? currentProcess();
  const client = new Client(connection);
  let released = false;
  client.on('error', (err) => { if (!released) options.onLost?.(err); });
  await client.connect();
  try {
    const { rows } = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1::bigint) AS ok', [key]);
    await client.query(`CREATE TABLE IF NOT EXISTS store_lock (
      key BIGINT PRIMARY KEY, name TEXT NOT NULL, pid INTEGER NOT NULL, host TEXT NOT NULL, started_at TEXT NOT NULL, command TEXT NOT NULL)`);
    if (!rows[0].ok) {
      const holder = await client.query<{ pid: number; host: string; started_at: string; command: string }>(
        'SELECT pid, host, started_at, command FROM store_lock WHERE key = $1::bigint', [key]);
      const r = holder.rows[0];
      throw lockedError(options, r && { pid: r.pid, host: r.host, startedAt: r.started_at, command: r.command });
    }
    await client.query(`INSERT INTO store_lock (key, name, pid, host, started_at, command) VALUES ($1::bigint, $2, $3, $4, $5, $6)
      ON CONFLICT (key) DO UPDATE SET name = excluded.name, pid = excluded.pid, host = excluded.host, started_at = excluded.started_at, command = excluded.command`,
    [key, options.name, me.pid, me.host, me.startedAt, me.command]);
  } catch (err) {
    released = true;
    await client.end().catch(() => undefined);
    if (err instanceof BridgeError) throw err;
    throw new BridgeError('STORE_OPEN_FAILED', `Cannot take the store lock on ${options.label}: ${errorMessage(err)}. Check database.url in the config.`, { cause: err });
  }
  return {
    async release() {
      if (released) return;
      released = true;
      try {
        await client.query('DELETE FROM store_lock WHERE key = $1::bigint AND pid = $2 AND host = $3', [key, me.pid, me.host]);
        await client.query('SELECT pg_advisory_unlock($1::bigint)', [key]);
      } catch {
        // Ending the connection releases the lock anyway.
      } finally {
        await client.end().catch(() => undefined);
      }
    },
  };
}

function lockedError(options: AcquirePostgresLockOptions, owner: LockOwner | undefined): BridgeError {
  const who = owner ? `another bridge process (${describeOwner(owner)})` : 'another bridge process (it has not recorded itself in store_lock yet)';
  return new BridgeError(
    'STORE_LOCKED',
    `The database ${options.label} is in use for registration "${options.name}" by ${who}. Two bridges on one store would both connect and bridge every message twice: `
      + 'stop the other process first, or give this bridge its own database.url.',
    { details: { database: options.label, name: options.name, ...(owner ? { owner } : {}) } },
  );
}
