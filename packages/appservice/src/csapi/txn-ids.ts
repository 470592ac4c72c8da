import { randomBytes } from 'node:crypto';

/**
 * Transaction IDs for idempotent sends: a prefix unique to this process start (time + random, so
 * IDs never repeat across restarts, nor after the store was recreated) and a counter. The
 * homeserver remembers transaction IDs for a while; one that repeated would drop a message.
 */
export function createTxnIds(): () => string {
  const prefix = `bk${Date.now().toString(36)}${randomBytes(4).toString('hex')}`;
  let counter = 0;
  return () => `${prefix}.${++counter}`;
}
