import type { Pool, PoolClient } from 'pg';

/**
 * Runs `fn` in one transaction on one connection of the pool: committed when it resolves, rolled
 * back when it throws. The connection goes back to the pool either way.
 */
export async function inTransaction<T>(pool: Pool, fn: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
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
 * Serialises the writers of one table within a transaction (released at commit): ghosts' "one
 * ghost per identity" checks a row then writes another, which two connections could interleave.
 */
export async function lockTable(client: PoolClient, table: string): Promise<void> {
  await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`bridgekit:${table}`]);
}
