import { Registry } from 'prom-client';
import { MatrixError, NetworkError } from '../csapi/errors';
import { BridgeError } from '../errors/bridge-error';
import type { MatrixEvent } from '../events';
import type { EventId, RoomId, UserId } from '../ids';
import { Ingestor } from './ingestor';
import type { IngestorDeps } from './ingestor-api';
import { MemoryJournal } from './memory-journal';
import { createIngestMetrics } from './metrics';
import { DEFAULT_MAX_HOLD_MS } from './hold';
import { ManualTimers, deferred, flush, memoryLogger, metricValue } from './testing/helpers';

const ROOM = '!a:hs.test';
let nextEvent = 0;
function ev(label: string, roomId = ROOM): MatrixEvent {
  return {
    eventId: `$${++nextEvent}` as EventId, roomId: roomId as RoomId, sender: '@human:hs.test' as UserId,
    type: 'm.room.message', content: { body: label }, originServerTs: 0,
  };
}

const unavailable = () => new MatrixError('M_UNKNOWN', 502, 'bad gateway', 'PUT /send');

function setup(overrides: Partial<IngestorDeps> = {}, journal = new MemoryJournal()) {
  const log: string[] = [];
  const handled: string[] = [];
  const registry = new Registry();
  const timers = new ManualTimers();
  let now = 1_000_000;
  const ingestor = new Ingestor({
    journal,
    handle: async (item) => { handled.push(item.kind === 'room' ? String(item.event.content.body) : 'eph'); },
    isEcho: () => false,
    roomConcurrency: 2, maxAttempts: 3, retryDelay: () => 0, slowHandlerMs: 10_000,
    timers, now: () => now, random: () => 0.5, log: memoryLogger(log), metrics: createIngestMetrics(registry),
    ...overrides,
  });
  const advance = (ms: number) => { now += ms; };
  const outcome = (outcomeName: string) => metricValue(registry, 'bridgekit_ingest_events_total', { kind: 'outbox', outcome: outcomeName });
  return { ingestor, journal, handled, log, timers, advance, outcome };
}

describe('outbox', () => {
  it('journals an item before its handler runs, and delivers with a stable txnId in the room order shared with Matrix events', async () => {
    const { ingestor, journal, handled } = setup();
    const deliveries: Array<{ payload: unknown; txnId: string; attempt: number; roomKey: string; pendingAtRun: number }> = [];
    ingestor.outbox.define<{ text: string }>('line', async (d) => {
      deliveries.push({ ...d, pendingAtRun: journal.pending().filter((p) => p.kind === 'outbox').length });
      handled.push(`irc:${d.payload.text}`);
    });
    ingestor.resume();
    ingestor.acceptTransaction('t1', [ev('m1')], []);
    const written = ingestor.outbox.enqueue(ROOM, 'line', { text: 'i1' });
    ingestor.acceptTransaction('t2', [ev('m2')], []);
    await written;
    await ingestor.drain();
    expect(handled).toEqual(['m1', 'irc:i1', 'm2']);
    expect(deliveries).toEqual([{ payload: { text: 'i1' }, txnId: expect.stringMatching(/^bk/), attempt: 1, resend: false, roomKey: ROOM, pendingAtRun: 1 }]);
    expect(journal.pending()).toEqual([]);
  });

  it('writes the enqueues of one tick in one journal transaction, in call order', async () => {
    const { ingestor, journal } = setup();
    const seen: number[] = [];
    ingestor.outbox.define<number>('n', async ({ payload }) => { seen.push(payload); });
    ingestor.resume();
    for (let i = 0; i < 500; i++) void ingestor.outbox.enqueue(i % 2 ? ROOM : '!b:hs.test', 'n', i);
    await ingestor.drain();
    expect(journal.appendCalls).toBe(1);
    expect(seen.filter((n) => n % 2)).toEqual(Array.from({ length: 250 }, (_, i) => 2 * i + 1));
    expect(seen).toHaveLength(500);
  });

  it('hands the journal the payload as it serialised it at enqueue, so a store writes that text', async () => {
    const journal = new MemoryJournal();
    const append = jest.spyOn(journal, 'appendOutbox');
    const { ingestor } = setup({}, journal);
    ingestor.outbox.define('n', async () => {});
    ingestor.resume();
    const payload = { text: 'a "line"', when: new Date(0), skipped: undefined, n: [1, 2] };
    await ingestor.outbox.enqueue(ROOM, 'n', payload);
    await ingestor.drain();
    const [entry] = append.mock.calls[0]![0];
    expect(entry!.payloadJson).toBe(JSON.stringify(payload));
    // The payload handed over is what parsing that text gives (the same before and after a restart).
    expect(entry!.payload).toEqual(JSON.parse(JSON.stringify(payload)));
  });

  it('refuses an unknown kind and a payload JSON cannot hold at the call, and defining a kind twice', () => {
    const { ingestor } = setup();
    ingestor.outbox.define('line', async () => undefined);
    expect(() => ingestor.outbox.define('line', async () => undefined)).toThrow('defined twice');
    expect(() => ingestor.outbox.enqueue(ROOM, 'nope', {})).toThrow('not defined');
    expect(() => ingestor.outbox.enqueue(ROOM, 'line', undefined)).toThrow('must be JSON');
  });

  it('holds the room through an outage (same txnId, later items wait, other rooms go on), then delivers in order', async () => {
    const { ingestor, timers, handled, outcome } = setup();
    let down = true;
    const txnIds: string[] = [];
    const resends: boolean[] = [];
    ingestor.outbox.define<string>('line', async ({ payload, txnId, resend }) => {
      if (payload === 'a1') {
        txnIds.push(txnId);
        resends.push(resend);
      }
      if (down && payload.startsWith('a')) throw unavailable();
      handled.push(payload);
    });
    ingestor.resume();
    for (const text of ['a1', 'a2']) void ingestor.outbox.enqueue(ROOM, 'line', text);
    void ingestor.outbox.enqueue('!b:hs.test', 'line', 'b1');
    await flush();
    ingestor.acceptTransaction('t1', [ev('m-after')], []);
    await flush();
    expect(handled).toEqual(['b1']);
    expect(timers.pending.size).toBe(1);
    timers.fire();
    await flush();
    expect(handled).toEqual(['b1']);
    down = false;
    timers.fire();
    await ingestor.drain();
    expect(handled).toEqual(['b1', 'a1', 'a2', 'm-after']);
    expect(new Set(txnIds).size).toBe(1);
    expect(resends).toEqual([false, true, true]);
    expect(await outcome('retried')).toBe(2);
    expect(await outcome('handled')).toBe(3);
  });

  it('retries NetworkError and connector errors that say they are retriable, and honours the homeserver\'s retry_after_ms', async () => {
    const { ingestor, timers, handled } = setup();
    const failures: Error[] = [
      new NetworkError('timeout', 'PUT /send', 'http://hs.test'),
      new MatrixError('M_LIMIT_EXCEEDED', 429, 'slow down', 'PUT /send', 7_777),
    ];
    ingestor.outbox.define('line', async () => {
      const next = failures.shift();
      if (next) throw next;
      handled.push('ok');
    });
    ingestor.resume();
    void ingestor.outbox.enqueue(ROOM, 'line', {});
    await flush();
    timers.fire();
    await flush();
    expect([...timers.pending.values()].map((t) => t.ms)).toEqual([7_777]);
    timers.fire();
    await ingestor.drain();
    expect(handled).toEqual(['ok']);
  });

  it('dead-letters a permanent failure at once, and the room moves on', async () => {
    const { ingestor, journal, handled, outcome } = setup();
    ingestor.outbox.define<string>('line', async ({ payload }) => {
      if (payload === 'bad') throw new BridgeError('CSAPI_REJECTED', 'M_FORBIDDEN: not in room');
      if (payload === 'bug') throw new TypeError('a bug');
      handled.push(payload);
    });
    ingestor.resume();
    for (const text of ['bad', 'bug', 'good']) void ingestor.outbox.enqueue(ROOM, 'line', text);
    await ingestor.drain();
    expect(handled).toEqual(['good']);
    expect(journal.deadLetters().map((d) => [d.kind, d.roomId, d.error])).toEqual([
      ['outbox', ROOM, 'M_FORBIDDEN: not in room'], ['outbox', ROOM, 'a bug'],
    ]);
    expect(await outcome('dead_lettered')).toBe(2);
  });

  it('gives up after the hold bound: dead-lettered and counted, and the held items behind it go on', async () => {
    const { ingestor, journal, timers, handled, advance, outcome } = setup();
    ingestor.outbox.define<string>('line', async ({ payload }) => {
      if (payload === 'stuck') throw unavailable();
      handled.push(payload);
    }, { maxHoldMs: 60_000 });
    ingestor.resume();
    void ingestor.outbox.enqueue(ROOM, 'line', 'stuck');
    void ingestor.outbox.enqueue(ROOM, 'line', 'next');
    await flush();
    for (let i = 0; i < 5; i++) {
      advance(20_000);
      timers.fire();
      await flush();
    }
    await ingestor.drain();
    expect(handled).toEqual(['next']);
    expect(journal.deadLetters()).toHaveLength(1);
    expect(await outcome('dead_lettered')).toBe(1);
    expect(DEFAULT_MAX_HOLD_MS).toBe(15 * 60_000);
  });

  it('resumes journaled items before what was enqueued during start, and only once resumed', async () => {
    const journal = new MemoryJournal();
    const first = setup({}, journal);
    first.ingestor.outbox.define<string>('line', async () => { throw unavailable(); });
    first.ingestor.resume();
    void first.ingestor.outbox.enqueue(ROOM, 'line', 'old');
    await flush();
    await first.ingestor.stop();
    // A crash-like stop: the item was never delivered and stays journaled.
    void first.ingestor.outbox.enqueue(ROOM, 'line', 'after stop');
    await flush();
    expect(journal.pending().map((p) => (p.kind === 'outbox' ? p.payload : p.kind))).toEqual(['old', 'after stop']);

    const second = setup({}, journal);
    const txnIds: string[] = [];
    second.ingestor.outbox.define<string>('line', async ({ payload, txnId }) => {
      second.handled.push(payload);
      txnIds.push(txnId);
    });
    void second.ingestor.outbox.enqueue(ROOM, 'line', 'during start');
    await flush();
    expect(second.handled).toEqual([]);
    expect(second.ingestor.resume()).toBe(3);
    await second.ingestor.drain();
    expect(second.handled).toEqual(['old', 'after stop', 'during start']);
    expect(journal.pending()).toEqual([]);
  });

  it('dead-letters a resumed item whose kind no handler defines', async () => {
    const journal = new MemoryJournal();
    journal.appendOutbox([{ roomKey: ROOM, outboxKind: 'gone', txnId: 'x.1', payload: {} }]);
    const { ingestor } = setup({}, journal);
    ingestor.resume();
    await ingestor.drain();
    expect(journal.deadLetters()[0]).toMatchObject({ kind: 'outbox', error: expect.stringContaining('"gone"') });
  });

  it('rejects the enqueue and logs when the journal cannot write; nothing is delivered', async () => {
    const journal = new MemoryJournal();
    const { ingestor, handled, log, outcome } = setup({}, journal);
    ingestor.outbox.define<string>('line', async ({ payload }) => { handled.push(payload); });
    ingestor.resume();
    journal.failAppend = new Error('disk full');
    await expect(ingestor.outbox.enqueue(ROOM, 'line', 'lost')).rejects.toThrow('disk full');
    await ingestor.drain();
    expect(handled).toEqual([]);
    expect(log.join('\n')).toContain('Could not journal messages for Matrix');
    expect(await outcome('failed')).toBe(1);
  });

  it('keeps the txnId across a restart: the item is sent again with the key it had', async () => {
    const journal = new MemoryJournal();
    const first = setup({}, journal);
    const crash = deferred();
    let firstKey = '';
    first.ingestor.outbox.define('line', async ({ txnId }) => {
      firstKey = txnId;
      await crash.promise; // the process dies here, after the send, before "done"
    });
    first.ingestor.resume();
    void first.ingestor.outbox.enqueue(ROOM, 'line', {});
    await flush();
    const second = setup({}, journal);
    let secondKey = '';
    let resend = false;
    second.ingestor.outbox.define('line', async (d) => {
      secondKey = d.txnId;
      resend = d.resend;
    });
    second.ingestor.resume();
    await second.ingestor.drain();
    expect(secondKey).toBe(firstKey);
    expect(resend).toBe(true);
  });
});
