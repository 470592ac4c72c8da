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
  timer: TimerHandle;
}

export class PendingReplies<T> {
  private readonly waiters = new Map<string, Waiter<T>[]>();

  constructor(
    private readonly what: string,
    private readonly clock: Clock,
    private readonly timeoutMs: number,
  ) {}

  /** A promise settled by `resolve(key)` / `reject(key)`, or rejected after the timeout. */
  wait(key: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = this.clock.setTimeout(() => {
        this.remove(key, waiter);
        reject(new IrcError('IRC_REPLY_TIMEOUT', `The IRC server did not answer ${this.what} for ${key} within ${Math.round(this.timeoutMs / 1000)} seconds; try again later.`));
      }, this.timeoutMs);
      const waiter: Waiter<T> = { resolve, reject, timer };
      const list = this.waiters.get(key) ?? [];
      list.push(waiter);
      this.waiters.set(key, list);
    });
  }

  has(key: string): boolean {
    return this.waiters.has(key);
  }

  resolve(key: string, value: T): void {
    for (const w of this.take(key)) w.resolve(value);
  }

  reject(key: string, error: Error): void {
    for (const w of this.take(key)) w.reject(error);
  }

  rejectAll(error: Error): void {
    for (const key of [...this.waiters.keys()]) this.reject(key, error);
  }

  get size(): number {
    return this.waiters.size;
  }

  private take(key: string): Waiter<T>[] {
    const list = this.waiters.get(key) ?? [];
    this.waiters.delete(key);
    for (const w of list) this.clock.clearTimeout(w.timer);
    return list;
  }

  private remove(key: string, waiter: Waiter<T>): void {
    const list = this.waiters.get(key);
    if (!list) return;
    const rest = list.filter((w) => w !== waiter);
    if (rest.length > 0) this.waiters.set(key, rest);
    else this.waiters.delete(key);
  }
}
