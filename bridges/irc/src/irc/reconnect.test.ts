import { TestClock } from '@bridgekit/appservice/testing';
import { SendQueueClearedError } from './flood';
import { reconnectDelay, connectBurst, ConnectRateLimiter, MAX_CONNECT_BURST, ServerRecovery } from './reconnect';

describe('reconnectDelay', () => {
  it('is the core\'s backoff with half of each delay fixed: from 2 s doubling to 5 min by default', () => {
    expect([0, 1, 3, 10].map((attempt) => reconnectDelay(attempt, {}, () => 0))).toEqual([1000, 2000, 8000, 150000]);
    expect([0, 1, 3, 10].map((attempt) => reconnectDelay(attempt, {}, () => 1))).toEqual([2000, 4000, 16000, 300000]);
    expect(reconnectDelay(2, { baseMs: 100, maxMs: 1000, jitter: 0 }, () => 0.9)).toBe(400);
  });
});

describe('ConnectRateLimiter', () => {
  it('lets 1,000 connections through at the configured rate', async () => {
    const clock = new TestClock(0);
    const limiter = new ConnectRateLimiter({ perSecond: 50, clock });
    let started = 0;
    const all = Array.from({ length: 1000 }, () => limiter.acquire().then((r) => {
      started++;
      return r.waitedMs;
    }));
    await Promise.resolve();
    expect(limiter.waiting).toBe(950);
    await clock.advance(1000);
    await new Promise((r) => setImmediate(r));
    expect(started).toBe(100);
    await clock.advance(18_000);
    const waits = await Promise.all(all);
    expect(started).toBe(1000);
    expect(Math.max(...waits)).toBe(19_000);
  });

  it('opens at most MAX_CONNECT_BURST connections at once, however high the rate', async () => {
    expect(connectBurst(10_000)).toBe(MAX_CONNECT_BURST);
    expect(connectBurst(3)).toBe(3);
    expect(connectBurst(0.5)).toBe(1);
    const clock = new TestClock(0);
    const limiter = new ConnectRateLimiter({ perSecond: 100, burst: connectBurst(100), clock });
    let started = 0;
    const all = Array.from({ length: 100 }, () => limiter.acquire().then(() => started++));
    await new Promise((r) => setImmediate(r));
    expect(started).toBe(MAX_CONNECT_BURST);
    await clock.advance(10); // one more slot every 10 ms, not a second's worth in one go
    await new Promise((r) => setImmediate(r));
    expect(started).toBe(MAX_CONNECT_BURST + 1);
    await clock.advance(890);
    await Promise.all(all);
    expect(started).toBe(100);
  });

  it('cancels waiting connections on shutdown', async () => {
    const limiter = new ConnectRateLimiter({ perSecond: 1, burst: 1, clock: new TestClock(0) });
    await limiter.acquire();
    const waiting = limiter.acquire();
    limiter.cancelAll();
    await expect(waiting).rejects.toBeInstanceOf(SendQueueClearedError);
  });

  it('keeps at most maxHandshakes in flight, and starts the next the moment one ends', async () => {
    const clock = new TestClock(0);
    const limiter = new ConnectRateLimiter({ perSecond: 10_000, burst: 10, maxHandshakes: 3, clock });
    const slots: Array<{ release(): void }> = [];
    const all = Array.from({ length: 5 }, () => limiter.acquireHandshake().then((s) => { slots.push(s); }));
    await new Promise((r) => setImmediate(r));
    expect(slots).toHaveLength(3);
    expect(limiter.handshakes).toBe(3);
    expect(limiter.waiting).toBe(2);
    slots[0]!.release();
    slots[0]!.release(); // idempotent: frees one slot, not two
    await new Promise((r) => setImmediate(r));
    expect(slots).toHaveLength(4); // no clock advance needed: a freed slot passes on at once
    expect(limiter.handshakes).toBe(3);
    slots[1]!.release();
    await Promise.all(all);
    for (const s of slots.slice(2)) s.release();
    expect(limiter.handshakes).toBe(0);
  });

  it('cancels handshakes waiting for a slot on shutdown', async () => {
    const limiter = new ConnectRateLimiter({ perSecond: 100, maxHandshakes: 1, clock: new TestClock(0) });
    const first = await limiter.acquireHandshake();
    const waiting = limiter.acquireHandshake();
    limiter.cancelAll();
    await expect(waiting).rejects.toBeInstanceOf(SendQueueClearedError);
    first.release();
    expect(limiter.handshakes).toBe(0);
  });
});

describe('ServerRecovery', () => {
  it('wakes each waiter once, at the first registration after the server was unreachable, and never a cancelled one', () => {
    const recovery = new ServerRecovery();
    const woken: string[] = [];
    recovery.onRecovery(() => woken.push('a'));
    const cancelB = recovery.onRecovery(() => woken.push('b'));
    recovery.onRecovery(() => woken.push('c'));
    recovery.reachable(); // nothing was down: a registration alone wakes nobody
    expect(woken).toEqual([]);
    cancelB();
    recovery.unreachable();
    recovery.unreachable();
    recovery.reachable();
    recovery.reachable();
    expect(woken).toEqual(['a', 'c']);
    expect(recovery.waiting).toBe(0);
  });
});
