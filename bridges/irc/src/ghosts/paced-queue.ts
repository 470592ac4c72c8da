/**
 * Work towards the homeserver that may come in bursts (a NAMES sync of a 2,000-user channel, the
 * leaves after a netsplit): coalesced by key (the latest item for a key wins and keeps its place),
 * released at a steady rate through the same token bucket IRC flood control uses, and bounded —
 * beyond `maxQueued` new keys are refused (the caller counts and logs them) rather than growing
 * memory and delay without limit.
 */
import type { Clock } from '../irc/clock';
import { FloodQueue } from '../irc/flood';

export interface PacedQueueOptions<T> {
  ratePerSecond: number;
  burst: number;
  maxQueued: number;
  clock: Clock;
  /** Runs one item when its turn comes; must not throw (hand it to a room's queue). */
  release: (item: T) => void;
}

export class PacedQueue<T> {
  /** Waiting items by key; the wrapper tells a re-queued key from the one a cleared bucket rejects. */
  private readonly items = new Map<string, { item: T }>();
  private readonly bucket: FloodQueue;

  constructor(private readonly options: PacedQueueOptions<T>) {
    this.bucket = new FloodQueue({
      capacity: options.burst,
      refillPerSecond: options.ratePerSecond,
      maxQueued: options.maxQueued,
      clock: options.clock,
      write: (key) => this.releaseKey(key),
    });
  }

  /**
   * Queues `item` under `key`, or replaces the item already waiting under it. Returns false when
   * the queue is full and the item was dropped. Released synchronously when a token is free, so
   * a caller that hands items to a room queue keeps their order with what it queues next.
   */
  push(key: string, item: T): boolean {
    const waiting = this.items.get(key);
    if (waiting) {
      waiting.item = item;
      return true;
    }
    if (this.bucket.length >= this.options.maxQueued) return false;
    const entry = { item };
    this.items.set(key, entry);
    // The bucket rejects only when full (checked above) or cleared (`clear`, which empties `items` itself).
    this.bucket.enqueue(key).catch(() => {
      if (this.items.get(key) === entry) this.items.delete(key);
    });
    return true;
  }

  /** Shutdown: drops everything waiting. */
  clear(): void {
    this.bucket.clear('the bridge is shutting down');
    this.items.clear();
  }

  /** Items waiting for their turn. */
  get size(): number {
    return this.bucket.length;
  }

  private releaseKey(key: string): void {
    const entry = this.items.get(key);
    if (!entry) return;
    this.items.delete(key);
    this.options.release(entry.item);
  }
}
