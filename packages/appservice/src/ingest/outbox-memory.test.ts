/**
 * The outbox's memory bound: through a long homeserver outage only a bounded number of held
 * items keep their payload in memory; the others are read back from the journal (a real SQLite
 * file here, as a running bridge has) when their turn comes, still in order.
 */
import { join } from 'node:path';
import { MatrixError } from '../csapi/errors';
import { openStore, type OpenedStore } from '../store/open';
import { useTempDir } from '../store/testing/fixtures';
import { Ingestor } from './ingestor';
import type { IngestorDeps } from './ingestor-api';
import type { TransactionJournal } from './types';
import { ManualTimers, flush, memoryLogger } from './testing/helpers';

const ROOM = '!a:hs.test';
const OTHER_ROOM = '!b:hs.test';
const CAP = 5;
const unavailable = () => new MatrixError('M_UNKNOWN', 502, 'bad gateway', 'PUT /send');

/** Counts the payloads the outbox reads back one by one, and those the start-up read loaded at once. */
function countingReads(journal: TransactionJournal): { journal: TransactionJournal; reads: () => number; loadedAtStart: () => number } {
  let reads = 0;
  let loadedAtStart = 0;
  const counted = Object.create(journal) as TransactionJournal;
  counted.outboxPayload = (seq) => {
    reads++;
    return journal.outboxPayload(seq);
  };
  counted.pending = (options) => {
    const items = journal.pending(options);
    loadedAtStart = items.filter((item) => item.kind === 'outbox' && !item.payloadInJournal).length;
    return items;
  };
  return { journal: counted, reads: () => reads, loadedAtStart: () => loadedAtStart };
}

function ingestorOn(journal: TransactionJournal, overrides: Partial<IngestorDeps> = {}) {
  const timers = new ManualTimers();
  const log: string[] = [];
  const ingestor = new Ingestor({
    journal, handle: async () => undefined, isEcho: () => false,
    roomConcurrency: 2, maxAttempts: 3, retryDelay: () => 0, slowHandlerMs: 10_000,
    timers, now: () => 1_000_000, random: () => 0.5, log: memoryLogger(log),
    maxOutboxPayloadsInMemory: CAP, ...overrides,
  });
  return { ingestor, timers, log };
}

describe('the outbox memory bound', () => {
  const dir = useTempDir();
  let store: OpenedStore | undefined;
  afterEach(() => {
    store?.close();
    store = undefined;
  });

  it('holds more items than the bound through an outage with at most the bound in memory, then delivers all in order', async () => {
    store = openStore(join(dir(), 'bridge.db'));
    const { journal, reads } = countingReads(store.journal);
    const { ingestor, timers } = ingestorOn(journal);
    let down = true;
    const delivered: string[] = [];
    const txnIds = new Map<string, string>();
    ingestor.outbox.define<{ text: string }>('line', async ({ payload, txnId }) => {
      txnIds.set(payload.text, txnId);
      if (down) throw unavailable();
      delivered.push(payload.text);
    });
    ingestor.resume();
    const texts = Array.from({ length: 4 * CAP }, (_, i) => `line ${i}`);
    // Arrives in several bursts while the homeserver is away, as IRC lines would.
    for (let burst = 0; burst < 4; burst++) {
      for (const text of texts.slice(burst * CAP, (burst + 1) * CAP)) void ingestor.outbox.enqueue(ROOM, 'line', { text });
      await flush();
      expect(ingestor.outbox.payloadsHeld).toBeLessThanOrEqual(CAP);
      timers.fire();
      await flush();
    }
    expect(delivered).toEqual([]);
    expect(store.journal.pending()).toHaveLength(texts.length);

    down = false;
    timers.fire();
    await ingestor.drain();
    expect(delivered).toEqual(texts);
    // Everything past the bound was read back from the journal, not kept in memory.
    expect(reads()).toBe(texts.length - CAP);
    expect(ingestor.outbox.payloadsHeld).toBe(0);
    expect(store.journal.pending()).toEqual([]);
    expect(new Set(txnIds.values()).size).toBe(texts.length);
    await ingestor.stop();
  });

  it('keeps the bound for items resumed after a restart, and other rooms still go first while one is held', async () => {
    store = openStore(join(dir(), 'bridge.db'));
    const first = ingestorOn(store.journal);
    first.ingestor.outbox.define<number>('n', async () => { throw unavailable(); });
    first.ingestor.resume();
    for (let i = 0; i < 3 * CAP; i++) void first.ingestor.outbox.enqueue(ROOM, 'n', i);
    await flush();
    await first.ingestor.stop();

    const { journal, reads, loadedAtStart } = countingReads(store.journal);
    const second = ingestorOn(journal);
    const delivered: Array<[string, number]> = [];
    second.ingestor.outbox.define<number>('n', async ({ payload, roomKey }) => { delivered.push([roomKey, payload]); });
    void second.ingestor.outbox.enqueue(OTHER_ROOM, 'n', -1);
    expect(second.ingestor.resume()).toBe(3 * CAP + 1);
    // The start-up read itself loads no more payloads than memory may hold.
    expect(loadedAtStart()).toBe(CAP);
    expect(second.ingestor.outbox.payloadsHeld).toBeLessThanOrEqual(CAP);
    await second.ingestor.drain();
    expect(delivered.filter(([room]) => room === ROOM).map(([, n]) => n)).toEqual(Array.from({ length: 3 * CAP }, (_, i) => i));
    expect(delivered).toContainEqual([OTHER_ROOM, -1]);
    expect(reads()).toBe(3 * CAP + 1 - CAP);
    expect(store.journal.pending()).toEqual([]);
    await second.ingestor.stop();
  });

  it('skips an item whose journal row is no longer pending, and tells the log', async () => {
    store = openStore(join(dir(), 'bridge.db'));
    const { ingestor, timers, log } = ingestorOn(store.journal, { maxOutboxPayloadsInMemory: 0 });
    let down = true;
    const delivered: string[] = [];
    ingestor.outbox.define<string>('line', async ({ payload }) => {
      if (down) throw unavailable();
      delivered.push(payload);
    });
    ingestor.resume();
    void ingestor.outbox.enqueue(ROOM, 'line', 'held');
    void ingestor.outbox.enqueue(ROOM, 'line', 'gone');
    await flush();
    // An operator dead-letters the second item by hand while the first is held.
    const gone = store.journal.pending()[1]!;
    store.journal.deadLetter(gone.seq, 'removed by hand');
    down = false;
    timers.fire();
    await ingestor.drain();
    expect(delivered).toEqual(['held']);
    expect(log.join('\n')).toContain('no longer pending');
    await ingestor.stop();
  });
});
