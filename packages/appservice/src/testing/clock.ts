import type { BridgeClock } from '../bridge-options';

interface Timer {
  at: number;
  order: number;
  fn: () => void;
}

/**
 * A manual clock for the core (`BridgeOptions.clock`) and for a connector's own timers: time
 * moves only when `advance` is called (or when `TestBridge.settle` lets it pass because the
 * bridge is waiting on nothing else). Timers fire in time order; ties in the order they were set.
 */
export class TestClock implements BridgeClock {
  private time: number;
  private order = 0;
  private readonly timers = new Map<object, Timer>();

  constructor(start = Date.UTC(2026, 0, 1)) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  setTimeout(fn: () => void, ms: number): object {
    const handle = {};
    this.timers.set(handle, { at: this.time + Math.max(0, ms), order: this.order++, fn });
    return handle;
  }

  clearTimeout(handle: unknown): void {
    if (handle && typeof handle === 'object') this.timers.delete(handle);
  }

  /** Timers set and not yet fired or cleared. */
  get pending(): number {
    return this.timers.size;
  }

  /** When the earliest pending timer is due, or undefined when none is. */
  nextAt(): number | undefined {
    return this.earliest()?.[1].at;
  }

  /**
   * Moves time forward by `ms`, firing due timers in order. Between timers it lets the event
   * loop run, so work a timer starts (a retried request, a resumed handler) gets going before
   * the next timer fires.
   */
  async advance(ms: number): Promise<void> {
    const until = this.time + Math.max(0, ms);
    for (let next = this.earliest(); next && next[1].at <= until; next = this.earliest()) {
      this.timers.delete(next[0]);
      this.time = next[1].at;
      next[1].fn();
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    this.time = until;
  }

  private earliest(): [object, Timer] | undefined {
    let best: [object, Timer] | undefined;
    for (const entry of this.timers) {
      const t = entry[1];
      if (!best || t.at < best[1].at || (t.at === best[1].at && t.order < best[1].order)) best = entry;
    }
    return best;
  }
}
