import { Registry } from 'prom-client';
import type { EphemeralEvent, MatrixEvent } from '../events';
import type { EventId, RoomId, UserId } from '../ids';
import { Ingestor } from './ingestor';
import { IngestorStoppedError, type IngestorDeps } from './ingestor-api';
import { MemoryJournal } from './memory-journal';
import { createIngestMetrics } from './metrics';
import { ManualTimers, deferred, flush, memoryLogger, metricValue, yieldTimes } from './testing/helpers';
import type { JournalItem, QueuedItem } from './types';

let nextEvent = 0;
function ev(room: string, label: string, sender = '@human:hs.test'): MatrixEvent {
  return {
    eventId: `$${++nextEvent}` as EventId, roomId: `!${room}:hs.test` as RoomId, sender: sender as UserId,
    type: 'm.room.message', content: { body: label }, originServerTs: 0,
  };
}
// Also reads what `journal.pending()` returns, which may hold outbox records: they show as their txnId.
const bodyOf = (item: JournalItem) => (item.kind === 'room' ? String(item.event.content.body) : item.kind === 'ephemeral' ? `eph:${item.event.type}` : `outbox:${item.txnId}`);

/** Deterministic PRNG (mulberry32) so the interleaving test is reproducible. */
function prng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
function setup(overrides: Partial<IngestorDeps> = {}, journal = new MemoryJournal()) {
  const handled: string[] = [];
  const lines: string[] = [];
  const registry = new Registry();
  const metrics = createIngestMetrics(registry);
  const timers = new ManualTimers();
  const ingestor = new Ingestor({
    journal,
    handle: async (item) => { handled.push(bodyOf(item)); },
    isEcho: (event) => event.sender.startsWith('@_bridge_'),
    roomConcurrency: 4, maxAttempts: 3, retryDelay: () => 0, slowHandlerMs: 10_000,
    timers, log: memoryLogger(lines), metrics,
    ...overrides,
  });
  return { ingestor, journal, handled, lines, registry, metrics, timers };
}

describe('Ingestor ordering and concurrency', () => {
  it('keeps each room in order while rooms interleave under random handler delays', async () => {
    const random = prng(42);
    const active = new Map<string, number>();
    const seen = new Map<string, string[]>();
    let maxPerRoom = 0;
    const { ingestor, journal } = setup({
      roomConcurrency: 3,
      handle: async (item) => {
        const room = item.kind === 'room' ? item.event.roomId : 'eph';
        active.set(room, (active.get(room) ?? 0) + 1);
        maxPerRoom = Math.max(maxPerRoom, active.get(room)!);
        await yieldTimes(Math.floor(random() * 6));
        seen.set(room, [...(seen.get(room) ?? []), bodyOf(item)]);
        active.set(room, active.get(room)! - 1);
      },
    });
    const rooms = ['a', 'b', 'c', 'd', 'e'];
    const expected = new Map<string, string[]>();
    for (let txn = 0; txn < 10; txn++) {
      const events = Array.from({ length: 8 }, (_, i) => {
        const room = rooms[Math.floor(random() * rooms.length)]!;
        const e = ev(room, `${room}-${txn}-${i}`);
        expected.set(e.roomId, [...(expected.get(e.roomId) ?? []), `${room}-${txn}-${i}`]);
        return e;
      });
      ingestor.acceptTransaction(`t${txn}`, events, []);
      await yieldTimes(Math.floor(random() * 3));
    }
    await ingestor.drain();
    expect(seen).toEqual(expected);
    expect(maxPerRoom).toBe(1);
    expect(journal.pending()).toEqual([]);
  });

  it('runs at most roomConcurrency rooms at once, and waiting rooms keep their order', async () => {
    const gates = new Map<string, ReturnType<typeof deferred<void>>>();
    const started: string[] = [];
    const { ingestor } = setup({
      roomConcurrency: 2,
      handle: async (item) => {
        const label = bodyOf(item);
        started.push(label);
        const gate = deferred();
        gates.set(label, gate);
        await gate.promise;
      },
    });
    ingestor.acceptTransaction('t1', [ev('a', 'a1'), ev('b', 'b1'), ev('c', 'c1'), ev('d', 'd1'), ev('a', 'a2')], []);
    await flush();
    expect(started).toEqual(['a1', 'b1']);
    gates.get('b1')!.resolve();
    await flush();
    expect(started).toEqual(['a1', 'b1', 'c1']);
    gates.get('a1')!.resolve();
    await flush();
    // d was waiting before a got more work, so d goes first.
    expect(started).toEqual(['a1', 'b1', 'c1', 'd1']);
    gates.get('c1')!.resolve();
    await flush();
    expect(started).toEqual(['a1', 'b1', 'c1', 'd1', 'a2']);
    gates.get('d1')!.resolve();
    gates.get('a2')!.resolve();
    await ingestor.drain();
  });

  it('runs ephemeral events in their own queue, not behind a busy room', async () => {
    const gate = deferred();
    const handled: string[] = [];
    const { ingestor } = setup({
      handle: async (item) => {
        handled.push(bodyOf(item));
        if (bodyOf(item) === 'a1') await gate.promise;
      },
    });
    const typing: EphemeralEvent = { type: 'm.typing', roomId: '!a:hs.test' as RoomId, content: { user_ids: [] } };
    ingestor.acceptTransaction('t1', [ev('a', 'a1'), ev('a', 'a2')], [typing]);
    await flush();
    expect(handled).toEqual(['a1', 'eph:m.typing']);
    gate.resolve();
    await ingestor.drain();
    expect(handled).toEqual(['a1', 'eph:m.typing', 'a2']);
  });

  it('runs inRoomOrder tasks in the room turn, between Matrix events', async () => {
    const order: string[] = [];
    const { ingestor } = setup({ handle: async (item) => { await yieldTimes(2); order.push(bodyOf(item)); } });
    ingestor.acceptTransaction('t1', [ev('a', 'a1'), ev('a', 'a2')], []);
    const task = ingestor.inRoomOrder('!a:hs.test', async () => { order.push('network'); return 7; });
    const other = ingestor.inRoomOrder('!z:hs.test', async () => { order.push('other-room'); });
    ingestor.acceptTransaction('t2', [ev('a', 'a3')], []);
    await expect(task).resolves.toBe(7);
    await other;
    await ingestor.drain();
    expect(order.filter((o) => o !== 'other-room')).toEqual(['a1', 'a2', 'network', 'a3']);
    expect(order.indexOf('other-room')).toBeLessThan(order.indexOf('a2'));
  });

  it('passes an inRoomOrder failure to its caller and keeps the room going', async () => {
    const { ingestor, handled } = setup();
    const failing = ingestor.inRoomOrder('!a:hs.test', async () => { throw new Error('irc down'); });
    ingestor.acceptTransaction('t1', [ev('a', 'a1')], []);
    await expect(failing).rejects.toThrow('irc down');
    await ingestor.drain();
    expect(handled).toEqual(['a1']);
  });
});

describe('Ingestor acceptance', () => {
  it('does not re-queue a duplicate transaction', async () => {
    const { ingestor, handled, registry } = setup();
    const events = [ev('a', 'a1'), ev('a', 'a2')];
    expect(ingestor.acceptTransaction('t1', events, [])).toEqual({ duplicate: false, queued: 2, echoes: 0 });
    expect(ingestor.acceptTransaction('t1', events, [])).toEqual({ duplicate: true, queued: 0, echoes: 0 });
    await ingestor.drain();
    expect(handled).toEqual(['a1', 'a2']);
    expect(await metricValue(registry, 'bridgekit_ingest_transactions_total', { result: 'duplicate' })).toBe(1);
  });

  it('handles a new transaction under a reused ID (a homeserver counting from 1 again after a restart), saying so once', async () => {
    const { ingestor, handled, lines } = setup();
    expect(ingestor.acceptTransaction('1', [ev('a', 'before the restart')], [])).toEqual({ duplicate: false, queued: 1, echoes: 0 });
    expect(ingestor.acceptTransaction('1', [ev('a', 'after the restart')], [])).toEqual({ duplicate: false, queued: 1, echoes: 0 });
    expect(ingestor.acceptTransaction('1', [ev('a', 'after another restart')], [])).toEqual({ duplicate: false, queued: 1, echoes: 0 });
    await ingestor.drain();
    expect(handled).toEqual(['before the restart', 'after the restart', 'after another restart']);
    expect(lines.filter((l) => l.includes('reused a transaction ID')).map((l) => l.split(' ')[0])).toEqual(['warn', 'debug']);
  });

  it('drops echoes of its own users without persisting them or calling the handler, and counts them', async () => {
    const { ingestor, handled, journal, registry } = setup();
    const accepted: string[] = [];
    const accept = journal.accept.bind(journal);
    journal.accept = (txnId, events, ephemeral) => { accepted.push(...events.map((e) => String(e.content.body))); return accept(txnId, events, ephemeral); };
    const echo = ev('a', 'echo', '@_bridge_alice:hs.test');
    expect(ingestor.acceptTransaction('t1', [ev('a', 'a1'), echo, ev('a', 'a2')], [])).toEqual({ duplicate: false, queued: 2, echoes: 1 });
    expect(accepted).toEqual(['a1', 'a2']);
    await ingestor.drain();
    expect(handled).toEqual(['a1', 'a2']);
    expect(journal.pending()).toEqual([]);
    expect(await metricValue(registry, 'bridgekit_ingest_events_total', { kind: 'room', outcome: 'echo' })).toBe(1);
    expect(await metricValue(registry, 'bridgekit_ingest_events_total', { kind: 'room', outcome: 'handled' })).toBe(2);
  });

  it('answers a transaction of echoes alone without a journal write, again when it is resent', () => {
    const { ingestor, journal, registry } = setup();
    let writes = 0;
    const accept = journal.accept.bind(journal);
    journal.accept = (txnId, events, ephemeral) => { writes++; return accept(txnId, events, ephemeral); };
    const echoes = [ev('a', 'echo 1', '@_bridge_alice:hs.test'), ev('a', 'echo 2', '@_bridge_alice:hs.test')];
    expect(ingestor.acceptTransaction('t1', echoes, [])).toEqual({ duplicate: false, queued: 0, echoes: 2 });
    expect(ingestor.acceptTransaction('t1', echoes, [])).toEqual({ duplicate: false, queued: 0, echoes: 2 });
    expect(writes).toBe(0);
    // Its ID is still noted, for the gap check after a restart.
    expect(journal.lastTransactionId()).toBe('t1');
    // With an ephemeral event there is something to persist: the journal is written.
    expect(ingestor.acceptTransaction('t2', echoes, [{ type: 'm.typing', roomId: '!a:hs.test' as RoomId, content: {} }])).toMatchObject({ queued: 1, echoes: 2 });
    expect(writes).toBe(1);
    return expect(metricValue(registry, 'bridgekit_ingest_events_total', { kind: 'room', outcome: 'echo' })).resolves.toBe(6);
  });

  it('throws when the journal cannot persist, so the homeserver retries', () => {
    const journal = new MemoryJournal();
    journal.failAccept = new Error('disk full');
    const { ingestor } = setup({}, journal);
    expect(() => ingestor.acceptTransaction('t1', [ev('a', 'a1')], [])).toThrow('disk full');
  });

  it('reports queue depth and active rooms as two gauges', async () => {
    const gate = deferred();
    const { ingestor, registry } = setup({ handle: () => gate.promise });
    ingestor.acceptTransaction('t1', [ev('a', 'a1'), ev('a', 'a2'), ev('b', 'b1')], []);
    expect(await metricValue(registry, 'bridgekit_ingest_queue_depth')).toBe(3);
    expect(await metricValue(registry, 'bridgekit_ingest_active_rooms')).toBe(2);
    gate.resolve();
    await ingestor.drain();
    expect(await metricValue(registry, 'bridgekit_ingest_queue_depth')).toBe(0);
    expect(await metricValue(registry, 'bridgekit_ingest_active_rooms')).toBe(0);
  });
});

describe('Ingestor failures', () => {
  it('leaves an item a handler gave up on because of the shutdown in the journal, uncounted, for the next start', async () => {
    const { ingestor, journal } = setup({
      handle: (item) => new Promise<void>((_resolve, reject) => {
        if (bodyOf(item) !== 'held') return _resolve();
        // What a handler waiting for its network does: stop waiting when the bridge stops.
        ingestor.stopping.addEventListener('abort', () => reject(new IngestorStoppedError()), { once: true });
      }),
    });
    ingestor.acceptTransaction('t1', [ev('a', 'held')], []);
    await flush();
    expect(ingestor.stopping.aborted).toBe(false);
    await ingestor.stop();
    expect(ingestor.stopping.aborted).toBe(true);
    expect(journal.pending()).toEqual([expect.objectContaining({ kind: 'room', attempts: 0 })]);
    expect(journal.deadLetters()).toEqual([]);
  });

  it('retries a failing item with backoff, holding back its room, then succeeds', async () => {
    let failures = 2;
    const order: string[] = [];
    const delays: number[] = [];
    const { ingestor, journal, timers, registry } = setup({
      retryDelay: (attempt) => { delays.push(attempt); return 1000 * attempt; },
      handle: async (item) => {
        order.push(bodyOf(item));
        if (bodyOf(item) === 'a1' && failures-- > 0) throw new Error('homeserver busy');
      },
    });
    ingestor.acceptTransaction('t1', [ev('a', 'a1'), ev('a', 'a2')], []);
    await flush();
    expect(order).toEqual(['a1']);
    expect(timers.fire(1000)).toBe(1);
    await flush();
    expect(timers.fire(2000)).toBe(1);
    await ingestor.drain();
    expect(order).toEqual(['a1', 'a1', 'a1', 'a2']);
    expect(delays).toEqual([1, 2]);
    expect(journal.pending()).toEqual([]);
    expect(await metricValue(registry, 'bridgekit_ingest_events_total', { outcome: 'retried' })).toBe(2);
  });

  it('gives other rooms the slot while a room waits for its retry', async () => {
    const order: string[] = [];
    let failed = false;
    const { ingestor, timers } = setup({
      roomConcurrency: 1,
      retryDelay: () => 500,
      handle: async (item) => {
        order.push(bodyOf(item));
        if (!failed) { failed = true; throw new Error('once'); }
      },
    });
    ingestor.acceptTransaction('t1', [ev('a', 'a1'), ev('b', 'b1')], []);
    await flush();
    expect(order).toEqual(['a1', 'b1']);
    timers.fire(500);
    await ingestor.drain();
    expect(order).toEqual(['a1', 'b1', 'a1']);
  });

  it('dead-letters after maxAttempts, logs the event id, counts it and moves on', async () => {
    const { ingestor, journal, handled, lines, registry, timers } = setup({
      maxAttempts: 3,
      handle: async (item) => {
        handled.push(bodyOf(item));
        if (bodyOf(item) === 'a1') throw new Error('IRC said no');
      },
    });
    const bad = ev('a', 'a1');
    ingestor.acceptTransaction('t1', [bad, ev('a', 'a2')], []);
    for (let i = 0; i < 5; i++) { await flush(); timers.fire(0); }
    await ingestor.drain();
    expect(handled).toEqual(['a1', 'a1', 'a1', 'a2']);
    expect(journal.deadLetters()).toEqual([expect.objectContaining({ eventId: bad.eventId, error: 'IRC said no', attempts: 3, txnId: 't1' })]);
    expect(lines.some((l) => l.startsWith('error Giving up') && l.includes(bad.eventId))).toBe(true);
    expect(await metricValue(registry, 'bridgekit_ingest_events_total', { outcome: 'dead_lettered' })).toBe(1);
  });

  it('dead-letters at once an error that says it is not retriable', async () => {
    const { ingestor, journal, handled } = setup({
      handle: async (item) => {
        handled.push(bodyOf(item));
        throw Object.assign(new Error('unsupported'), { retriable: false });
      },
    });
    ingestor.acceptTransaction('t1', [ev('a', 'a1')], []);
    await ingestor.drain();
    expect(handled).toEqual(['a1']);
    expect(journal.deadLetters()).toHaveLength(1);
  });

  it('logs a failure of its own machinery and lets the room move on', async () => {
    const { ingestor, handled, lines } = setup({
      retryDelay: () => { throw new Error('bad retry policy'); },
      handle: async (item) => {
        handled.push(bodyOf(item));
        if (bodyOf(item) === 'a1') throw new Error('handler failed');
      },
    });
    ingestor.acceptTransaction('t1', [ev('a', 'a1'), ev('a', 'a2')], []);
    await ingestor.drain();
    expect(handled).toEqual(['a1', 'a2']);
    expect(lines.some((l) => l.startsWith('error Ingest job failed unexpectedly') && l.includes('bad retry policy'))).toBe(true);
  });

  it('logs and counts a slow handler without cancelling it', async () => {
    const gate = deferred();
    const { ingestor, timers, lines, registry } = setup({ slowHandlerMs: 250, handle: () => gate.promise });
    const e = ev('a', 'a1');
    ingestor.acceptTransaction('t1', [e], []);
    await flush();
    expect(timers.fire(250)).toBe(1);
    expect(lines.some((l) => l.startsWith('warn Event handler is slow') && l.includes(e.eventId))).toBe(true);
    expect(await metricValue(registry, 'bridgekit_ingest_slow_handlers_total')).toBe(1);
    gate.resolve();
    await ingestor.drain();
    expect(timers.pending.size).toBe(0);
  });
});

describe('Ingestor lifecycle', () => {
  it('resumes pending items after a restart, in order, once', async () => {
    const journal = new MemoryJournal();
    journal.accept('t1', [ev('a', 'a1'), ev('b', 'b1'), ev('a', 'a2')], []);
    journal.accept('t2', [ev('a', 'a3')], []);
    journal.complete(2); // b1 was handled before the crash
    const { ingestor, handled } = setup({}, journal);
    expect(ingestor.resume()).toBe(3);
    expect(ingestor.resume()).toBe(0);
    await ingestor.drain();
    expect(handled).toEqual(['a1', 'a2', 'a3']);
    expect(journal.pending()).toEqual([]);
  });

  it('stop waits for running handlers, leaves queued items in the journal and rejects queued tasks', async () => {
    const gate = deferred();
    const handled: string[] = [];
    const { ingestor, journal } = setup({
      handle: async (item) => { handled.push(bodyOf(item)); await gate.promise; },
    });
    ingestor.acceptTransaction('t1', [ev('a', 'a1'), ev('a', 'a2')], []);
    const task = ingestor.inRoomOrder('!a:hs.test', async () => 'never');
    await flush();
    let stopped = false;
    const stopping = ingestor.stop().then(() => { stopped = true; });
    await expect(task).rejects.toBeInstanceOf(IngestorStoppedError);
    await flush();
    expect(stopped).toBe(false);
    gate.resolve();
    await stopping;
    expect(handled).toEqual(['a1']);
    expect(journal.pending().map(bodyOf)).toEqual(['a2']);
    expect(ingestor.acceptTransaction('t2', [ev('a', 'a3')], [])).toEqual({ duplicate: false, queued: 0, echoes: 0 });
    expect(journal.pending().map(bodyOf)).toEqual(['a2', 'a3']);
    await expect(ingestor.inRoomOrder('!a:hs.test', async () => 1)).rejects.toBeInstanceOf(IngestorStoppedError);
  });
});
