import { createHash } from 'node:crypto';
import type { EphemeralEvent, MatrixEvent } from '../events';

/**
 * What tells a homeserver's retry of a transaction from a new transaction under a reused ID: the
 * IDs of its room events and its ephemeral events, in order. Transaction IDs alone are not
 * enough: Synapse on SQLite numbers them from 1 again after it restarts (its counter starts at
 * the highest ID still waiting to be sent, and none is once all were delivered), so a bridge that
 * remembers "1" would drop everything the homeserver sends after its restart.
 *
 * Room events count by ID only: a retry carries the same events, but `unsigned` (age) may differ.
 */
export function transactionFingerprint(events: readonly MatrixEvent[], ephemeral: readonly EphemeralEvent[]): string {
  return createHash('sha256')
    .update(JSON.stringify([events.map((event) => event.eventId), ephemeral]))
    .digest('hex');
}
