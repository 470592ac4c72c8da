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
  /** What the lock is for: one name for every bridge process and tool on a database. */
  name: string;
  /** This process as the record describes it; tests pass their own. */
  owner?: LockOwner;
  /**
   * The lock's connection broke (a database restart, a killed backend): the lock went with it.
   * Stop writing until `onRegained`; it is being taken again.
   */
  onLost?: (err: Error) => void;
  /** Taken again after a loss, and nobody held it in between (the record is still this process's). */
  onRegained?: () => void;
  /** Could not be taken again safely (another process has or had it, or the database stayed away): the store is not this process's any more. */
  onGone?: (err: Error) => void;
  /** How long to keep trying to take a lost lock again (default 60 s; 0: never, `onGone` at once). */
  regainWithinMs?: number;
  /** What the refusal calls the database (the URL without its password). */
  label: string;
}

/** A signed 64-bit key from the name: advisory locks are keyed by bigint. */
export function advisoryKey(name: string): string {
  return createHash('sha256').update(`bridgekit-store:${name}`).digest().readBigInt64BE(0).toString();
}

const LOCK_TABLE = `CREATE TABLE IF NOT EXISTS store_lock (
  key BIGINT PRIMARY KEY, name TEXT NOT NULL, pid INTEGER NOT NULL, host TEXT NOT NULL, started_at TEXT NOT NULL, command TEXT NOT NULL)`;

interface HolderRow { pid: number; host: string; started_at: string; command: string }

export async function acquirePostgresLock(connection: ClientConfig, options: AcquirePostgresLockOptions): Promise<PostgresStoreLock> {
  const key = advisoryKey(options.name);
  const me = options.owner ?? currentProcess();
  let released = false;
  let client = await lockedClient(connection, options, key, async (c) => {
    await c.query(`INSERT INTO store_lock (key, name, pid, host, started_at, command) VALUES ($1::bigint, $2, $3, $4, $5, $6)
      ON CONFLICT (key) DO UPDATE SET name = excluded.name, pid = excluded.pid, host = excluded.host, started_at = excluded.started_at, command = excluded.command`,
    [key, options.name, me.pid, me.host, me.startedAt, me.command]);
  });

  // Taking the lock again is safe only if nobody held it meanwhile: whoever takes it writes its
  // own record first (before touching the store), so a record still naming this process proves it.
  const regain = async (lost: Error) => {
    options.onLost?.(lost);
    if (options.regainWithinMs === 0) {
      options.onGone?.(lost);
      return;
    }
    const deadline = Date.now() + (options.regainWithinMs ?? 60_000);
    let pause = 250;
    for (;;) {
      if (released) return;
      try {
        const next = await lockedClient(connection, options, key, async (c) => {
          const row = (await c.query<HolderRow>('SELECT pid, host, started_at, command FROM store_lock WHERE key = $1::bigint', [key])).rows[0];
          if (!row || row.pid !== me.pid || row.host !== me.host || row.started_at !== me.startedAt) {
            throw new BridgeError('STORE_LOCKED', `Another process held the store lock on ${options.label} while this one had lost it`
              + (row ? ` (${describeOwner({ pid: row.pid, host: row.host, startedAt: row.started_at, command: row.command })})` : ''));
          }
        });
        if (released) {
          await next.end().catch(() => undefined);
          return;
        }
        client = next;
        watch(next);
        options.onRegained?.();
        return;
      } catch (err) {
        const refused = err instanceof BridgeError && err.code === 'STORE_LOCKED';
        if (refused || Date.now() + pause > deadline) {
          options.onGone?.(err instanceof Error ? err : new Error(String(err)));
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, pause));
        pause = Math.min(pause * 2, 5_000);
      }
    }
  };
  const watch = (c: Client) => {
    let lost = false;
    const onLost = (err?: Error) => {
      if (released || lost) return;
      lost = true;
      void regain(err ?? new Error('The connection holding the store lock ended'));
    };
    c.on('error', onLost);
    c.on('end', () => onLost());
  };
  watch(client);

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

/**
 * A new connection holding the advisory lock, after `then` ran on it; refused with the holder's
 * name when another process has the lock. The connection is closed on any failure.
 */
async function lockedClient(connection: ClientConfig, options: AcquirePostgresLockOptions, key: string, then: (c: Client) => Promise<void>): Promise<Client> {
  const client = new Client(connection);
  // Until the caller watches it: a failure here is reported by the rejection.
  client.on('error', () => undefined);
  try {
    await client.connect();
    const { rows } = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1::bigint) AS ok', [key]);
    await client.query(LOCK_TABLE);
    if (!rows[0].ok) {
      const holder = await client.query<HolderRow>('SELECT pid, host, started_at, command FROM store_lock WHERE key = $1::bigint', [key]);
      const r = holder.rows[0];
      throw lockedError(options, r && { pid: r.pid, host: r.host, startedAt: r.started_at, command: r.command });
    }
    await then(client);
    return client;
  } catch (err) {
    await client.end().catch(() => undefined);
    if (err instanceof BridgeError) throw err;
    throw new BridgeError('STORE_OPEN_FAILED', `Cannot take the store lock on ${options.label}: ${errorMessage(err)}. Check database.url in the config.`, { cause: err });
  }
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
