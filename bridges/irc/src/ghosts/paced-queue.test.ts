// Unit tests of the paced, coalescing, bounded queue (fake clock).
import { TestClock } from '@bridgekit/appservice/testing';
import { PacedQueue } from './paced-queue';

function setup(maxQueued = 100) {
  const clock = new TestClock(0);
  const released: string[] = [];
  const queue = new PacedQueue<string>({ ratePerSecond: 2, burst: 3, maxQueued, clock, release: (item) => released.push(item) });
  return { clock, released, queue };
}

describe('PacedQueue', () => {
  it('releases a burst at once (synchronously), then at the steady rate', async () => {
    const { clock, released, queue } = setup();
    for (const k of ['a', 'b', 'c', 'd', 'e']) queue.push(k, k);
    expect(released).toEqual(['a', 'b', 'c']);
    expect(queue.size).toBe(2);
    await clock.advance(499);
    expect(released).toHaveLength(3);
    await clock.advance(1);
    expect(released).toEqual(['a', 'b', 'c', 'd']);
    await clock.advance(500);
    expect(released).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('coalesces a waiting key: the latest item wins and keeps its place', async () => {
    const { clock, released, queue } = setup();
    for (const k of ['a', 'b', 'c']) queue.push(k, k);
    queue.push('x', 'x1');
    queue.push('y', 'y1');
    queue.push('x', 'x2');
    expect(queue.size).toBe(2);
    await clock.advance(1000);
    expect(released).toEqual(['a', 'b', 'c', 'x2', 'y1']);
  });

  it('refuses new keys when full', async () => {
    const { clock, released, queue } = setup(2);
    for (const k of ['a', 'b', 'c']) queue.push(k, k);
    expect(queue.push('d', 'd')).toBe(true);
    expect(queue.push('e', 'e')).toBe(true);
    expect(queue.push('f', 'f')).toBe(false);
    expect(queue.push('d', 'd2')).toBe(true);
    await clock.advance(10_000);
    expect(released).toEqual(['a', 'b', 'c', 'd2', 'e']);
  });
});

describe('PacedQueue.clear', () => {
  it('drops everything waiting, and the queue works afterwards', async () => {
    const { clock, released, queue } = setup();
    for (const k of ['a', 'b', 'c', 'd', 'e']) queue.push(k, k);
    queue.clear();
    expect(queue.size).toBe(0);
    await clock.advance(10_000);
    expect(released).toEqual(['a', 'b', 'c']);
    queue.push('d', 'd again');
    expect(released).toEqual(['a', 'b', 'c', 'd again']);
  });
});
