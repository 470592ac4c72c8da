/**
 * Gaps in the homeserver's transaction IDs: a push that skips ahead is refused once, so the
 * homeserver resends the one it held back first.
 *
 * Why (Synapse 1.163, synapse/appservice/scheduler.py and storage/.../appservice.py): each
 * transaction gets the next ID of one counter (SQLite: max+1 in memory, from the table's max
 * at start; PostgreSQL: a sequence) and is stored until the appservice answers 2xx. A non-2xx
 * answer marks the appservice down; its recoverer then sends the stored transactions, oldest
 * ID first, from 2 s of backoff on, and marks it up when none is left. A transaction created in
 * that last moment stays stored, unsent, while the newer ones go out: it is sent only when a
 * later push fails. A 503 to the first push past the gap is that failure, at once.
 *
 * Only while the homeserver may be recovering: the counter is shared by every appservice of the
 * homeserver, so on a homeserver with other bridges most pushes skip IDs that were never ours.
 * A hold-back follows the appservice being marked down, which the bridge sees from its side as
 * its own start (it was away) or a push it failed to store (it answered 500), or follows the
 * homeserver being stopped mid-push, which the bridge sees as its requests going unanswered and
 * then answered again. So gaps are held only within `RECOVERY_WINDOW_MS` of one of these.
 *
 * Bounds, so a gap that is never filled cannot wedge the bridge: another bridge takes IDs too, a
 * PostgreSQL sequence can skip, an admin can delete rows, and another homeserver counts from
 * elsewhere. Each gap is refused for
 * at most `GAP_HOLD_MS`, and only until the refused transaction comes again without the missing
 * one; then it is accepted, and gaps are accepted at once for `GAP_COOLDOWN_MS`. A lower ID is a
 * resend or a homeserver that counts from 1 again after a restart: accepted as before. IDs that
 * are not decimal numbers are never held.
 */
import type { Counter } from 'prom-client';
import type { Logger } from '../log/types';

/** Longest time one gap holds pushes back (Synapse's recoverer first retries after 2 s). */
export const GAP_HOLD_MS = 30_000;
/** After a gap that was not filled, gaps are accepted without holding for this long. */
export const GAP_COOLDOWN_MS = 60 * 60_000;
/**
 * How long after the bridge's start (its first push) or a push it failed to store a gap may be a
 * hold-back. Synapse's recoverer resends at once on the bridge's start-up ping, else from 2 s of
 * backoff on; two minutes covers both with room to spare.
 */
export const RECOVERY_WINDOW_MS = 2 * 60_000;

/** Whether a pushed transaction may be ingested now (`Ingestor.admitTransaction`). */
export type TransactionAdmission =
  | { admitted: true }
  | {
    admitted: false;
    /** The transaction ID that should have come next. */
    expected: string;
    /** The transaction ID that came instead (refused, not ingested). */
    received: string;
  };

interface Hold {
  /** The first missing ID (the last admitted + 1 when the gap was seen). */
  expected: number;
  /** The first ID refused for this gap. */
  refused: number;
  since: number;
}

const ADMITTED: TransactionAdmission = { admitted: true };

export interface TransactionGapsDeps {
  now: () => number;
  log: Logger;
  /** outcome: `refused` (answered 503) | `healed` (the missing one came) | `accepted` (taken with the gap). */
  metric?: Counter<'outcome'>;
}

/** Tracks the last admitted numeric transaction ID and decides on each push; see the file comment. */
export class TransactionGaps {
  private last: number | undefined;
  private hold: Hold | undefined;
  private quietUntil = Number.NEGATIVE_INFINITY;
  private pushed = false;
  private recoveringUntil = Number.NEGATIVE_INFINITY;

  constructor(private readonly deps: TransactionGapsDeps) {}

  /** The last transaction ID the journal recorded before this start; ignored once a push came. */
  seed(txnId: string | undefined): void {
    if (!this.pushed && txnId !== undefined) this.last = numericId(txnId);
  }

  /** Call for every push before ingesting it; a refused push must be answered 503 and not ingested. */
  admit(txnId: string): TransactionAdmission {
    if (!this.pushed) this.recoveringUntil = this.deps.now() + RECOVERY_WINDOW_MS;
    this.pushed = true;
    const id = numericId(txnId);
    if (id === undefined) return ADMITTED;
    const last = this.last;
    if (last === undefined || id <= last + 1) {
      this.inOrder(id);
      return ADMITTED;
    }
    const now = this.deps.now();
    const hold = this.hold;
    if (hold) {
      // Later pushes of the same gap (sent before the homeserver marked the bridge down) wait too.
      if (id > hold.refused && now - hold.since < GAP_HOLD_MS) return this.refuse(hold, id, false);
      // The refused one came again without the missing one, or the hold ran out: take the gap.
      this.acceptGap(hold, id, now);
      return ADMITTED;
    }
    if (now >= this.recoveringUntil || now < this.quietUntil) {
      // Another appservice's transactions in between, as a rule: nothing to wait for.
      this.deps.log.debug('Transaction ID gap accepted', { expected: String(last + 1), received: txnId, recovering: now < this.recoveringUntil });
      this.deps.metric?.inc({ outcome: 'accepted' });
      this.last = id;
      return ADMITTED;
    }
    const started: Hold = { expected: last + 1, refused: id, since: now };
    this.hold = started;
    return this.refuse(started, id, true);
  }

  /** The homeserver may be recovering: the bridge answered a push 500, or the homeserver is back from an outage. */
  recovering(): void {
    this.recoveringUntil = this.deps.now() + RECOVERY_WINDOW_MS;
  }

  private inOrder(id: number): void {
    const hold = this.hold;
    this.last = id;
    if (!hold) return;
    if (id < hold.expected - 1) {
      // Below where the gap began: the homeserver counts from 1 again (restarted); the gap is moot.
      this.hold = undefined;
    } else if (id >= hold.refused) {
      const afterMs = this.deps.now() - hold.since;
      this.deps.log.info('Transaction ID gap filled: the homeserver resent the missing transaction first', { expected: String(hold.expected), received: String(hold.refused), afterMs });
      this.deps.metric?.inc({ outcome: 'healed' });
      this.hold = undefined;
    }
  }

  private refuse(hold: Hold, id: number, first: boolean): TransactionAdmission {
    const expected = String(this.last === undefined ? hold.expected : this.last + 1);
    const meta = { expected, received: String(id) };
    if (first) {
      this.deps.log.warn(`Transaction ${id} arrived before ${expected}: answering 503 so the homeserver resends the missing one first (its appservice recovery can hold one back)`, meta);
    } else {
      this.deps.log.debug('Transaction refused while waiting for a missing one', meta);
    }
    this.deps.metric?.inc({ outcome: 'refused' });
    return { admitted: false, ...meta };
  }

  private acceptGap(hold: Hold, id: number, now: number): void {
    const missing = this.last === undefined ? hold.expected : this.last + 1;
    this.deps.log.warn(`Transaction ${missing} never came; accepting ${id} with the gap (another appservice on the homeserver, or a skipped ID). Gaps are accepted without waiting for the next ${GAP_COOLDOWN_MS / 60_000} min`, {
      expected: String(missing), received: String(id), afterMs: now - hold.since,
    });
    this.deps.metric?.inc({ outcome: 'accepted' });
    this.hold = undefined;
    this.quietUntil = now + GAP_COOLDOWN_MS;
    this.last = id;
  }
}

/** A decimal transaction ID as a number; undefined for any other ID (no gap logic for those). */
function numericId(txnId: string): number | undefined {
  return /^[0-9]{1,15}$/.test(txnId) ? Number(txnId) : undefined;
}
