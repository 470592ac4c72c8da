import { TestClock } from '@bridgekit/appservice/testing';
import { FloodQueue, SendQueueClearedError, SendQueueFullError } from './flood';

function setup(overrides: Partial<{ capacity: number; refillPerSecond: number; maxQueued: number }> = {}) {
  const clock = new TestClock(1000);
  const written: [number, string][] = [];
  const queue = new FloodQueue({
    capacity: 3, refillPerSecond: 2, maxQueued: 5, ...overrides,
    clock, write: (line) => written.push([clock.now(), line]),
  });
  return { clock, written, queue };
}

describe('FloodQueue', () => {
  it('sends a burst of `capacity` lines at once, then one per refill interval', async () => {
    const { clock, written, queue } = setup();
    const receipts = ['a', 'b', 'c', 'd', 'e'].map((l) => queue.enqueue(l));
    expect(written.map(([, l]) => l)).toEqual(['a', 'b', 'c']);
    expect(queue.length).toBe(2);
    await clock.advance(499);
    expect(written).toHaveLength(3);
    await clock.advance(1);
    expect(written[3]).toEqual([1500, 'd']);
    await clock.advance(500);
    expect(written[4]).toEqual([2000, 'e']);
    expect((await Promise.all(receipts)).map((r) => r.waitedMs)).toEqual([0, 0, 0, 500, 1000]);
    expect(queue.stats()).toEqual({ sent: 5, queued: 0, delayed: 2, totalWaitMs: 1500, rejected: 0 });
    expect(clock.pending).toBe(0);
  });

  it('refills up to capacity while idle, not beyond', async () => {
    const { clock, written, queue } = setup();
    for (const l of ['1', '2', '3']) void queue.enqueue(l);
    await clock.advance(60_000);
    for (const l of ['4', '5', '6', '7']) void queue.enqueue(l).catch(() => undefined);
    expect(written.map(([, l]) => l)).toEqual(['1', '2', '3', '4', '5', '6']);
    await clock.advance(500);
    expect(written.map(([, l]) => l)).toContain('7');
  });

  it('keeps order: a new line never overtakes waiting ones even when a token is free', async () => {
    const { clock, written, queue } = setup({ capacity: 1, refillPerSecond: 1 });
    void queue.enqueue('a');
    void queue.enqueue('b');
    await clock.advance(1000); // b is sent, bucket empty again
    void queue.enqueue('c');
    void queue.enqueue('d');
    await clock.advance(5000);
    expect(written.map(([, l]) => l)).toEqual(['a', 'b', 'c', 'd']);
  });

  it('tells whether a multi-line message fits as a whole', async () => {
    const { clock, queue } = setup({ capacity: 3, maxQueued: 5 });
    expect(queue.hasRoomFor(8)).toBe(true); // 3 go out at once, 5 wait
    expect(queue.hasRoomFor(9)).toBe(false);
    for (const l of ['1', '2', '3', '4']) queue.enqueue(l).catch(() => undefined);
    expect(queue.hasRoomFor(4)).toBe(true);
    expect(queue.hasRoomFor(5)).toBe(false);
    queue.clear();
    await clock.advance(0);
  });

  it('rejects with a typed error when the queue is full', async () => {
    const { queue } = setup({ capacity: 1, maxQueued: 2 });
    void queue.enqueue('sent');
    const waiting = [queue.enqueue('q1'), queue.enqueue('q2')];
    await expect(queue.enqueue('overflow')).rejects.toBeInstanceOf(SendQueueFullError);
    expect(queue.stats().rejected).toBe(1);
    queue.clear();
    await Promise.allSettled(waiting);
  });

  it('clear() rejects waiting lines, cancels the timer and writes nothing more', async () => {
    const { clock, written, queue } = setup({ capacity: 1 });
    void queue.enqueue('a');
    const b = queue.enqueue('b');
    queue.clear('disconnected');
    await expect(b).rejects.toThrow(SendQueueClearedError);
    await expect(b).rejects.toThrow(/disconnected/);
    expect(clock.pending).toBe(0);
    await clock.advance(10_000);
    expect(written).toHaveLength(1);
    // Usable again afterwards (a reconnect reuses it).
    await expect(queue.enqueue('c')).resolves.toEqual({ waitedMs: 0 });
  });

  it('rejects the line whose write throws and goes on with the next', async () => {
    const clock = new TestClock(0);
    const written: string[] = [];
    const queue = new FloodQueue({
      capacity: 1, refillPerSecond: 10, maxQueued: 10, clock,
      write: (line) => {
        if (line === 'bad') throw new Error('socket closed');
        written.push(line);
      },
    });
    await expect(queue.enqueue('bad')).rejects.toThrow('socket closed');
    const later = Promise.allSettled([queue.enqueue('bad'), queue.enqueue('good')]);
    await clock.advance(1000);
    const [bad, good] = await later;
    expect(bad).toMatchObject({ status: 'rejected', reason: { message: 'socket closed' } });
    expect(good).toEqual({ status: 'fulfilled', value: { waitedMs: 200 } });
    expect(written).toEqual(['good']);
  });

  it('does not count a slow socket write as a flood wait', async () => {
    const fake = new TestClock(1000);
    let writeCost = 0;
    // now() runs ahead by the time spent inside write(), as a slow synchronous write would.
    const clock = { now: () => fake.now() + writeCost, setTimeout: fake.setTimeout.bind(fake), clearTimeout: fake.clearTimeout.bind(fake) };
    const queue = new FloodQueue({
      capacity: 1, refillPerSecond: 1, maxQueued: 5, clock,
      write: () => { writeCost += 40; },
    });
    const first = queue.enqueue('a');
    const second = queue.enqueue('b');
    await fake.advance(1000);
    expect(await first).toEqual({ waitedMs: 0 });
    // 'b' waited for the bucket (960 ms, since the clock had moved 40 ms in a's write),
    // but not for its own 40 ms write.
    expect(await second).toEqual({ waitedMs: 960 });
    expect(queue.stats()).toMatchObject({ sent: 2, delayed: 1, totalWaitMs: 960 });
  });

  it.each([
    [{ capacity: 0 }],
    [{ refillPerSecond: 0 }],
    [{ maxQueued: -1 }],
    [{ capacity: Number.NaN }],
  ])('rejects bad options %j', (bad) => {
    expect(() => setup(bad)).toThrow(RangeError);
  });

  it('sends background lines only when no other line waits, outside the maxQueued bound', async () => {
    const { clock, written, queue } = setup({ capacity: 1, refillPerSecond: 1, maxQueued: 2 });
    const modes = ['m1', 'm2', 'm3', 'm4'].map((l) => queue.enqueueBackground(l));
    expect(written.map(([, l]) => l)).toEqual(['m1']);
    const said = ['a', 'b'].map((l) => queue.enqueue(l)); // two normal lines still fit beside three background ones
    expect(queue.stats().queued).toBe(5);
    await clock.advance(2000);
    expect(written.map(([, l]) => l)).toEqual(['m1', 'a', 'b']);
    void queue.enqueue('c'); // arrives while m2-m4 wait: goes first
    await clock.advance(3000);
    expect(written.map(([, l]) => l)).toEqual(['m1', 'a', 'b', 'c', 'm2', 'm3']);
    await Promise.all(said);
    queue.clear('closing');
    await expect(modes[3]).rejects.toBeInstanceOf(SendQueueClearedError);
    await expect(Promise.all(modes.slice(0, 3))).resolves.toHaveLength(3);
    expect(clock.pending).toBe(0);
  });
});
