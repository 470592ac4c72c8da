// The ingestor on a journal that answers with Promises (what PostgreSQL's does), here the memory
// journal behind a switchable delay and outage: push order, the 5xx path, retries, resume.
import type { MatrixEvent } from '../events';
import type { EventId, RoomId, UserId } from '../ids';
import { Ingestor } from './ingestor';
import { MemoryJournal } from './memory-journal';
import { ManualTimers, deferred, flush, memoryLogger } from './testing/helpers';
import type { IngestJournal, TransactionJournal } from './types';

const ROOM = '!a:hs.test';
let n = 0;
function ev(label: string): MatrixEvent {
  return { eventId: `$${++n}` as EventId, roomId: ROOM as RoomId, sender: '@human:hs.test' as UserId, type: 'm.room.message', content: { body: label }, originServerTs: 0 };
}

/** `inner` seen through Promises; `down` makes every call fail like a refused connection; `gate` holds calls. */
class AsyncJournal implements IngestJournal {
  down = false;
  gate?: Promise<void>;
  calls: string[] = [];
  constructor(readonly inner: TransactionJournal = new MemoryJournal()) {}
  private async call<T>(name: string, run: () => T): Promise<T> {
    this.calls.push(name);
    if (this.gate) await this.gate;
    await Promise.resolve();
    if (this.down) throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    return run();
  }
  accept(...a: Parameters<TransactionJournal['accept']>) { return this.call('accept', () => this.inner.accept(...a)); }
  appendOutbox(...a: Parameters<TransactionJournal['appendOutbox']>) { return this.call('appendOutbox', () => this.inner.appendOutbox(...a)); }
  pending() { return this.call('pending', () => this.inner.pending()); }
  outboxPayload(seq: number) { return this.call('outboxPayload', () => this.inner.outboxPayload(seq)); }
  complete(seq: number) { return this.call('complete', () => this.inner.complete(seq)); }
  markWritten(seq: number) { return this.call('markWritten', () => this.inner.markWritten(seq)); }
  recordFailure(seq: number, e: string) { return this.call('recordFailure', () => this.inner.recordFailure(seq, e)); }
  deadLetter(seq: number, e: string) { return this.call('deadLetter', () => this.inner.deadLetter(seq, e)); }
  deadLetters(limit?: number) { return this.call('deadLetters', () => this.inner.deadLetters(limit)); }
  prune(ms: number) { return this.call('prune', () => this.inner.prune(ms)); }
}

function setup(journal = new AsyncJournal()) {
  const handled: string[] = [];
  const log: string[] = [];
  const timers = new ManualTimers();
  const ingestor = new Ingestor({
    journal,
    handle: async (item) => { handled.push(item.kind === 'room' ? String(item.event.content.body) : 'eph'); },
    isEcho: () => false, roomConcurrency: 2, maxAttempts: 3, retryDelay: () => 0, slowHandlerMs: 10_000,
    timers, now: () => 1_000, random: () => 0.5, log: memoryLogger(log),
  });
  return { ingestor, journal, handled, log, timers };
}

describe('Ingestor on an asynchronous journal', () => {
  it('answers with a Promise that resolves once persisted, keeping push order even when a later accept could finish first', async () => {
    const { ingestor, journal, handled } = setup();
    await ingestor.resume();
    const gate = deferred();
    journal.gate = gate.promise;
    const first = ingestor.acceptTransaction('t1', [ev('m1')], []);
    journal.gate = undefined;
    const second = ingestor.acceptTransaction('t2', [ev('m2')], []);
    expect(first).toBeInstanceOf(Promise);
    await flush();
    // The second accept waits for the first: nothing is persisted or handled yet.
    expect(journal.calls.filter((c) => c === 'accept')).toHaveLength(1);
    expect(handled).toEqual([]);
    gate.resolve();
    await expect(first).resolves.toEqual({ duplicate: false, queued: 1, echoes: 0 });
    await expect(second).resolves.toEqual({ duplicate: false, queued: 1, echoes: 0 });
    await ingestor.drain();
    expect(handled).toEqual(['m1', 'm2']);
  });

  it('rejects while the journal is down (the homeserver gets a 500 and retries) and takes the retry once', async () => {
    const { ingestor, journal, handled } = setup();
    await ingestor.resume();
    journal.down = true;
    await expect(ingestor.acceptTransaction('t1', [ev('m1')], [])).rejects.toThrow('ECONNREFUSED');
    expect(handled).toEqual([]);
    journal.down = false;
    const retry = [ev('again')];
    await expect(ingestor.acceptTransaction('t1', retry, [])).resolves.toMatchObject({ duplicate: false, queued: 1 });
    await expect(ingestor.acceptTransaction('t1', retry, [])).resolves.toMatchObject({ duplicate: true });
    await ingestor.drain();
    expect(handled).toEqual(['again']);
  });

  it('retries an outbox write through an outage: the item is delivered once, not lost', async () => {
    const { ingestor, journal, handled, timers, log } = setup();
    ingestor.outbox.define<string>('line', async (d) => { handled.push(`irc:${d.payload}`); });
    await ingestor.resume();
    journal.down = true;
    const written = ingestor.outbox.enqueue(ROOM, 'line', 'hello');
    await flush();
    expect(log.some((l) => /did not take a write/.test(l))).toBe(true);
    journal.down = false;
    timers.fire();
    await written;
    await ingestor.drain();
    await ingestor.flushJournal();
    expect(handled).toEqual(['irc:hello']);
    expect(journal.inner.pending()).toEqual([]);
  });

  it('resumes what the journal held, then what was enqueued while it was read, each once', async () => {
    const inner = new MemoryJournal();
    inner.appendOutbox([{ roomKey: ROOM, outboxKind: 'line', txnId: 'old', payload: 'before the restart' }]);
    const { ingestor, journal, handled } = setup(new AsyncJournal(inner));
    ingestor.outbox.define<string>('line', async (d) => { handled.push(d.payload); });
    const gate = deferred();
    journal.gate = gate.promise;
    const resumed = ingestor.resume();
    void ingestor.outbox.enqueue(ROOM, 'line', 'during the read');
    journal.gate = undefined;
    gate.resolve();
    await expect(resumed).resolves.toBeGreaterThanOrEqual(1);
    void ingestor.outbox.enqueue(ROOM, 'line', 'after');
    await flush();
    await ingestor.drain();
    expect(handled).toEqual(['before the restart', 'during the read', 'after']);
    await ingestor.flushJournal();
    expect(inner.pending()).toEqual([]);
  });
});
