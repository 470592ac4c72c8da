/**
 * Commands whose outcome arrives later as a server line (JOIN → our JOIN echo or 47x, NICK →
 * our NICK echo or 43x, WHOIS → 318). Waiters are keyed by casefolded name; each has a timeout
 * so a server that never answers cannot leak a promise, and all are rejected when the
 * connection closes.
 */
import type { Clock, TimerHandle } from './clock';
import { IrcError } from './errors';

interface Waiter<T> {
  resolve: (value: T) => void;
  reject: (error: Error) => void;
  /** Undefined until the timeout starts (see `wait`). */
  timer?: TimerHandle;
}

export class PendingReplies<T> {
  /**
   * Made on the first wait and dropped once empty: an idle connection (a puppet, thousands of
   * them) holds no table for each of its three kinds of reply.
   */
  private waiters: Map<string, Waiter<T>[]> | undefined;

  constructor(
    private readonly what: string,
    private readonly clock: Clock,
    private readonly timeoutMs: number,
  ) {}

  /**
   * A promise settled by `resolve(key)` / `reject(key)`, or rejected after the timeout. With
   * `startTimer` false the timeout starts only at `startTimers(key)`: for a request that may wait
   * in the send queue first, so the server is given its full time once the line is out.
   */
  wait(key: string, startTimer = true): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const waiter: Waiter<T> = { resolve, reject };
      this.waiters ??= new Map();
      const list = this.waiters.get(key) ?? [];
      list.push(waiter);
      this.waiters.set(key, list);
      if (startTimer) this.arm(key, waiter);
    });
  }

  /** Starts the timeout of every waiter of `key` still without one (its request was sent). */
  startTimers(key: string): void {
    for (const waiter of this.waiters?.get(key) ?? []) if (waiter.timer === undefined) this.arm(key, waiter);
  }

  has(key: string): boolean {
    return this.waiters?.has(key) ?? false;
  }

  resolve(key: string, value: T): void {
    for (const w of this.take(key)) w.resolve(value);
  }

  reject(key: string, error: Error): void {
    for (const w of this.take(key)) w.reject(error);
  }

  rejectAll(error: Error): void {
    for (const key of [...(this.waiters?.keys() ?? [])]) this.reject(key, error);
  }

  get size(): number {
    return this.waiters?.size ?? 0;
  }

  private take(key: string): Waiter<T>[] {
    const list = this.waiters?.get(key) ?? [];
    this.forget(key);
    for (const w of list) if (w.timer !== undefined) this.clock.clearTimeout(w.timer);
    return list;
  }

  private arm(key: string, waiter: Waiter<T>): void {
    waiter.timer = this.clock.setTimeout(() => {
      this.remove(key, waiter);
      waiter.reject(new IrcError('IRC_REPLY_TIMEOUT', `The IRC server did not answer ${this.what} for ${key} within ${Math.round(this.timeoutMs / 1000)} seconds; try again later.`));
    }, this.timeoutMs);
  }

  private remove(key: string, waiter: Waiter<T>): void {
    const list = this.waiters?.get(key);
    if (!list) return;
    const rest = list.filter((w) => w !== waiter);
    if (rest.length > 0) this.waiters?.set(key, rest);
    else this.forget(key);
  }

  private forget(key: string): void {
    if (this.waiters?.delete(key) && this.waiters.size === 0) this.waiters = undefined;
  }
}
