/**
 * The journal writes of an accepted Matrix item after its turn came (ingestor.ts): a failed
 * attempt recorded, the "written to the network" mark, done, dead-lettered. None of them may
 * stop the room: a write that fails is logged with what it means for the item (it runs again
 * after a restart, or may be repeated), and writes answering with a Promise go through
 * `JournalWrites` (retried through an outage, awaited by `flushJournal`), not awaited here.
 */
import type { Logger } from '../log/types';
import { errorText } from './error-text';
import { journalCall, type JournalWrites } from './journal-writes';
import type { IngestJournal, QueuedItem } from './types';

export interface ItemJournalDeps {
  journal: Pick<IngestJournal, 'recordFailure' | 'markWritten' | 'complete' | 'deadLetter'>;
  writes: JournalWrites;
  log: Logger;
}

export class ItemJournal {
  constructor(private readonly deps: ItemJournalDeps) {}

  /** Records a failed attempt; the attempts so far (this one included), counted in memory when the journal cannot say. */
  async recordFailure(item: QueuedItem, error: string): Promise<number> {
    try {
      return await journalCall(this.deps.writes, () => this.deps.journal.recordFailure(item.seq, error));
    } catch (journalErr) {
      this.deps.log.error('Could not record a handler failure in the journal', { ...describeItem(item), error: errorText(journalErr) });
      return item.attempts + 1;
    }
  }

  /**
   * The handler's irreversible write is about to happen (`BridgeContext.writtenMarker`): from now
   * on the item is never run again, not by a retry nor after a restart. A journal that cannot
   * record it is logged, not thrown: the write goes ahead (a repeat after a crash is the lesser harm).
   */
  markWritten(item: QueuedItem): void {
    if (item.kind !== 'room' || item.written) return;
    item.written = true;
    this.inBackground(() => this.deps.journal.markWritten(item.seq), (err) =>
      this.deps.log.error('Could not mark the event written in the journal; a restart may repeat it', { ...describeItem(item), error: errorText(err) }));
  }

  /** Handled (or not repeated): the room moves on, and `flushJournal` waits for the write. */
  complete(item: QueuedItem): void {
    // A Matrix event that was not marked written may have said something on the network that a
    // rerun would say again: its mark must be durable now. The rest may share a later commit.
    const repeatable = item.kind !== 'room' || item.written === true;
    this.inBackground(() => this.deps.journal.complete(item.seq, repeatable), (err) =>
      this.deps.log.error('Could not mark the event done in the journal; it will run again after a restart', { ...describeItem(item), error: errorText(err) }));
  }

  deadLetter(item: QueuedItem, error: string): void {
    this.inBackground(() => this.deps.journal.deadLetter(item.seq, error), (err) =>
      this.deps.log.error('Could not dead-letter the event in the journal; it will run again after a restart', { ...describeItem(item), error: errorText(err) }));
  }

  /** A write whose failure, thrown or rejected, is only reported: nothing waits for it here. */
  private inBackground(write: () => unknown, onError: (err: unknown) => void): void {
    try {
      const result = journalCall(this.deps.writes, write);
      if (result instanceof Promise) result.catch(onError);
    } catch (err) {
      onError(err);
    }
  }
}

/** What a log line says about an item: enough to find it in the journal and in Matrix. */
export function describeItem(item: QueuedItem): Record<string, unknown> {
  return item.kind === 'room'
    ? { seq: item.seq, eventId: item.event.eventId, roomId: item.event.roomId, type: item.event.type }
    : { seq: item.seq, type: item.event.type, roomId: item.event.roomId };
}
