/**
 * Errors that say "the database (or another server) is away for now", as drivers throw them
 * without a `retriable` flag: a refused or dropped connection, a server shutting down or
 * restarting. Trying again shortly succeeds once it is back, so delivery holds the room and
 * retries (ingest/hold.ts) instead of dead-lettering what a network said.
 */

/** Node's codes for a connection that could not be made or broke. */
const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);

/**
 * PostgreSQL SQLSTATEs of the same kind: class 08 (connection exception), 57P01-57P03 (the server
 * is shutting down, crashed, or not yet accepting connections), and 40001/40P01 (a serialization
 * failure or deadlock, which succeeds when run again).
 */
function isTransientSqlState(code: string): boolean {
  return code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03' || code === '40001' || code === '40P01';
}

/** What node-postgres says when a connection ended under a query, or a broken one was used. */
const PG_CONNECTION_MESSAGES = /^(Connection terminated|Client has encountered a connection error and is not queryable|timeout exceeded when trying to connect)/;

export function isTransientConnectionError(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && (CONNECTION_CODES.has(code) || (/^[0-9A-Z]{5}$/.test(code) && isTransientSqlState(code)))) return true;
  const message = (err as { message?: unknown }).message;
  return typeof message === 'string' && PG_CONNECTION_MESSAGES.test(message);
}
