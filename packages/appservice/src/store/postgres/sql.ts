import type { Pool, PoolClient } from 'pg';

/**
 * Runs `fn` in one transaction on one connection of the pool: committed when it resolves, rolled
 * back when it throws. The connection goes back to the pool either way.
 */
export async function inTransaction<T>(pool: Pool, fn: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await checkOut(pool);
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

/**
 * A connection of the pool, for several statements. The pool stops listening for its errors
 * while it is checked out, and pg emits an 'error' event whenever the connection drops (a
 * database restart), even with a query running: without a listener of ours that event would
 * crash the process. The failure reaches the caller through its query's rejection instead.
 */
export async function checkOut(pool: Pool): Promise<PoolClient> {
  const client = await pool.connect();
  const ignore = () => undefined;
  client.on('error', ignore);
  const release = client.release.bind(client);
  client.release = (err?: Error | boolean) => {
    client.removeListener('error', ignore);
    release(err);
  };
  return client;
}

/**
 * Serialises the writers of one table within a transaction (released at commit): ghosts' "one
 * ghost per identity" checks a row then writes another, which two connections could interleave.
 */
export async function lockTable(client: PoolClient, table: string): Promise<void> {
  await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`bridgekit:${table}`]);
}
