import { MatrixError } from '../csapi/errors';
import type { MatrixEvent } from '../events';
import type { EventId, RoomId, UserId } from '../ids';
import { Ingestor } from './ingestor';
import type { IngestorDeps } from './ingestor-api';
import { MemoryJournal } from './memory-journal';
import { outsideRoomTurn } from './room-turn';
import { ManualTimers, deferred, flush, memoryLogger } from './testing/helpers';

const A = '!a:hs.test';
let nextEvent = 0;
function ev(label: string): MatrixEvent {
  return {
    eventId: `$rt${++nextEvent}` as EventId, roomId: A as RoomId, sender: '@human:hs.test' as UserId,
    type: 'm.room.message', content: { body: label }, originServerTs: 0,
  };
}

function setup(handle: IngestorDeps['handle'], concurrency = 1) {
  const timers = new ManualTimers();
  const ingestor = new Ingestor({
    journal: new MemoryJournal(), handle, isEcho: () => false,
    roomConcurrency: concurrency, maxAttempts: 3, retryDelay: () => 0, slowHandlerMs: 10_000,
    timers, random: () => 0.5, log: memoryLogger([]),
  });
  ingestor.resume();
  return { ingestor, timers };
}

describe('re-entrant use of a room\'s turn', () => {
  it('runs inRoomOrder for the same room inline from inside its Matrix handler, instead of deadlocking', async () => {
    const order: string[] = [];
    const { ingestor } = setup(async (item) => {
      if (item.kind !== 'room') return;
      const result = await ingestor.inRoomOrder(A, async () => {
        order.push('nested');
        return 42;
      });
      order.push(`handler got ${result}`);
    });
    ingestor.acceptTransaction('t1', [ev('x')], []);
    await ingestor.drain();
    expect(order).toEqual(['nested', 'handler got 42']);
  });

  it('runs a nested inRoomOrder inline from inside a task of the same room, and queues one for another room', async () => {
    const order: string[] = [];
    const { ingestor } = setup(async () => undefined);
    await ingestor.inRoomOrder(A, async () => {
      await ingestor.inRoomOrder(A, async () => { order.push('inline'); });
      void ingestor.inRoomOrder('!b:hs.test', async () => { order.push('other room'); });
      order.push('outer done');
    });
    await ingestor.drain();
    expect(order).toEqual(['inline', 'outer done', 'other room']);
  });

  it('lets a handler await its own room\'s enqueue: it resolves once journaled, and the item runs after the handler', async () => {
    const order: string[] = [];
    const { ingestor } = setup(async () => {
      await ingestor.outbox.enqueue(A, 'line', 'from handler');
      order.push('handler done');
    });
    ingestor.outbox.define<string>('line', async ({ payload }) => { order.push(payload); });
    ingestor.acceptTransaction('t1', [ev('x')], []);
    await ingestor.drain();
    expect(order).toEqual(['handler done', 'from handler']);
  });

  it('does not take a callback that outlived its turn (a timer, a socket) for part of it', async () => {
    const order: string[] = [];
    const later = deferred<() => void>();
    const { ingestor } = setup(async () => {
      later.resolve(() => void ingestor.inRoomOrder(A, async () => { order.push('from old callback'); }));
    });
    ingestor.acceptTransaction('t1', [ev('x')], []);
    const fire = await later.promise;
    await ingestor.drain();
    const gate = deferred();
    void ingestor.inRoomOrder(A, async () => { await gate.promise; order.push('queued first'); });
    fire();
    gate.resolve();
    await ingestor.drain();
    expect(order).toEqual(['queued first', 'from old callback']);
  });

  it('queues (never inlines) what runs outsideRoomTurn, even while the turn is still running', async () => {
    const order: string[] = [];
    const { ingestor } = setup(async () => undefined);
    await ingestor.inRoomOrder(A, async () => {
      outsideRoomTurn(() => void ingestor.inRoomOrder(A, async () => { order.push('queued'); }));
      await flush();
      order.push('turn done');
    });
    await ingestor.drain();
    expect(order).toEqual(['turn done', 'queued']);
  });
});

describe('inRoomOrder with retry', () => {
  const unavailable = () => new MatrixError('M_UNKNOWN', 503, 'down', 'PUT /state');

  it('retries a retriable failure with backoff while the room\'s later work waits, then resolves', async () => {
    const order: string[] = [];
    let failures = 2;
    const { ingestor, timers } = setup(async (item) => { if (item.kind === 'room') order.push(String(item.event.content.body)); });
    const task = ingestor.inRoomOrder(A, async () => {
      if (failures-- > 0) throw unavailable();
      order.push('task');
      return 'ok';
    }, { retry: true, name: 'power-levels' });
    ingestor.acceptTransaction('t1', [ev('after')], []);
    await flush();
    expect(order).toEqual([]);
    timers.fire();
    await flush();
    timers.fire();
    await expect(task).resolves.toBe('ok');
    await ingestor.drain();
    expect(order).toEqual(['task', 'after']);
  });

  it('rejects at once for a permanent failure, and without `retry` for any failure', async () => {
    const { ingestor } = setup(async () => undefined);
    await expect(ingestor.inRoomOrder(A, async () => { throw new TypeError('bug'); }, { retry: true })).rejects.toThrow('bug');
    await expect(ingestor.inRoomOrder(A, async () => { throw unavailable(); })).rejects.toThrow('503');
  });
});
