/**
 * Flood control for one IRC connection: a token bucket. The server kills clients that send
 * faster than it allows ("Excess Flood"), and irc-framework has no send queue of its own, so
 * every line the bridge writes goes through here. `capacity` lines may go out in a burst; after
 * that one line per 1/refillPerSecond seconds. The queue is bounded: when it is full, `enqueue`
 * rejects at once instead of letting a paste of 10,000 lines grow memory and latency forever.
 */
import { systemClock, type Clock, type TimerHandle } from './clock';
import { IrcError } from './errors';

export interface FloodOptions {
  /** Lines that may be sent back to back (the bucket size). */
  capacity: number;
  /** Lines per second once the burst is used up. */
  refillPerSecond: number;
  /** Most lines that may wait; beyond that `enqueue` rejects with `SendQueueFullError`. */
  maxQueued: number;
  /** Writes one line to the socket; called in order, never faster than the bucket allows. */
  write: (line: string) => void;
  clock?: Clock;
}

/** The three numbers of a bucket, as a reload changes them. */
export type FloodLimits = Pick<FloodOptions, 'capacity' | 'refillPerSecond' | 'maxQueued'>;

function checkLimits(limits: FloodLimits): void {
  if (!(limits.capacity >= 1) || !(limits.refillPerSecond > 0) || !(limits.maxQueued >= 0)) {
    throw new RangeError('Flood control needs capacity >= 1, refillPerSecond > 0 and maxQueued >= 0.');
  }
}

/** When a line was written and how long it waited for the bucket (0 when sent at once). */
export interface SendReceipt {
  waitedMs: number;
}

export interface FloodStats {
  sent: number;
  queued: number;
  /** Lines that had to wait for a token, and the total time they waited. */
  delayed: number;
  totalWaitMs: number;
  rejected: number;
}

export class SendQueueFullError extends IrcError {
  constructor(readonly maxQueued: number) {
    super('IRC_SEND_QUEUE_FULL', `The IRC send queue is full (${maxQueued} lines waiting for flood control); the message was not sent. Send less at once, e.g. a long paste as a link.`);
    this.name = 'SendQueueFullError';
  }
}

export class SendQueueClearedError extends IrcError {
  constructor(reason: string) {
    super('IRC_SEND_QUEUE_CLEARED', `The line was not sent to IRC: ${reason}. It will not be retried automatically.`);
    this.name = 'SendQueueClearedError';
  }
}

interface Waiting {
  line: string;
  enqueuedAt: number;
  beforeWrite?: () => void;
  resolve: (receipt: SendReceipt) => void;
  reject: (error: Error) => void;
}

export class FloodQueue {
  private capacity: number;
  private msPerToken: number;
  private maxQueued: number;
  private readonly write: (line: string) => void;
  private readonly clock: Clock;
  private tokens: number;
  private refilledAt: number;
  private readonly waiting: Waiting[] = [];
  /**
   * Lines that may wait for every other line (`enqueueBackground`): a bot joining 1,000 channels
   * asks each one's modes, and those 1,000 queries must neither hold up what people see nor
   * fill the queue that `maxQueued` bounds. One per channel joined, so bounded by the channels.
   */
  private readonly background: Waiting[] = [];
  private timer: TimerHandle | undefined;
  private readonly counters = { sent: 0, delayed: 0, totalWaitMs: 0, rejected: 0 };

  constructor(options: FloodOptions) {
    checkLimits(options);
    this.capacity = options.capacity;
    this.msPerToken = 1000 / options.refillPerSecond;
    this.maxQueued = options.maxQueued;
    this.write = options.write;
    this.clock = options.clock ?? systemClock;
    this.tokens = options.capacity;
    this.refilledAt = this.clock.now();
  }

  /**
   * Resolves once the line has been written; rejects if the queue is full or cleared first.
   * `beforeWrite` runs synchronously right before the write (a throw keeps the line unwritten).
   */
  enqueue(line: string, beforeWrite?: () => void): Promise<SendReceipt> {
    if (this.waiting.length === 0 && this.takeToken()) {
      return this.send(line, this.clock.now(), beforeWrite);
    }
    if (this.waiting.length >= this.maxQueued) {
      this.counters.rejected++;
      return Promise.reject(new SendQueueFullError(this.maxQueued));
    }
    return new Promise<SendReceipt>((resolve, reject) => {
      this.waiting.push({ line, enqueuedAt: this.clock.now(), ...(beforeWrite ? { beforeWrite } : {}), resolve, reject });
      this.schedule();
    });
  }

  /**
   * Like `enqueue`, for a line nobody waits to see: sent only when no other line waits (lines
   * enqueued later overtake it), and not counted against `maxQueued`.
   */
  enqueueBackground(line: string): Promise<SendReceipt> {
    if (this.waiting.length === 0 && this.background.length === 0 && this.takeToken()) return this.send(line, this.clock.now());
    return new Promise<SendReceipt>((resolve, reject) => {
      this.background.push({ line, enqueuedAt: this.clock.now(), resolve, reject });
      this.schedule();
    });
  }

  /**
   * New limits on a live queue (a config reload): the tokens already earned are kept, up to the
   * new burst, and lines already waiting keep their place. A smaller `maxQueued` refuses only
   * new lines.
   */
  reconfigure(limits: FloodLimits): void {
    checkLimits(limits);
    this.refill();
    this.capacity = limits.capacity;
    this.msPerToken = 1000 / limits.refillPerSecond;
    this.maxQueued = limits.maxQueued;
    this.tokens = Math.min(this.tokens, this.capacity);
    if (this.timer !== undefined) {
      this.clock.clearTimeout(this.timer);
      this.timer = undefined;
      this.schedule();
    }
  }

  /** Drops every waiting line (on disconnect), rejecting their promises with `reason`. */
  clear(reason = 'the IRC connection closed'): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    const dropped = [...this.waiting.splice(0), ...this.background.splice(0)];
    for (const w of dropped) w.reject(new SendQueueClearedError(reason));
  }

  get length(): number {
    return this.waiting.length;
  }

  /** Whether `lines` more lines can be queued now, so a multi-line message is sent whole or not at all. */
  hasRoomFor(lines: number): boolean {
    return this.waiting.length + lines <= this.maxQueued + (this.waiting.length === 0 ? Math.floor(this.peekTokens()) : 0);
  }

  stats(): FloodStats {
    return { ...this.counters, queued: this.waiting.length + this.background.length };
  }

  private peekTokens(): number {
    return Math.min(this.capacity, this.tokens + (this.clock.now() - this.refilledAt) / this.msPerToken);
  }

  private refill(): void {
    const now = this.clock.now();
    this.tokens = Math.min(this.capacity, this.tokens + (now - this.refilledAt) / this.msPerToken);
    this.refilledAt = now;
  }

  private takeToken(): boolean {
    this.refill();
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  private send(line: string, enqueuedAt: number, beforeWrite?: () => void): Promise<SendReceipt> {
    // The wait is measured before the write: a slow socket write is not a flood-control wait
    // and must not show up in `totalWaitMs` (nor in the receipt).
    const waitedMs = this.clock.now() - enqueuedAt;
    try {
      beforeWrite?.();
      this.write(line);
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    this.counters.sent++;
    if (waitedMs > 0) {
      this.counters.delayed++;
      this.counters.totalWaitMs += waitedMs;
    }
    return Promise.resolve({ waitedMs });
  }

  private schedule(): void {
    if (this.timer !== undefined || (this.waiting.length === 0 && this.background.length === 0)) return;
    this.refill();
    const delay = Math.max(0, Math.ceil((1 - this.tokens) * this.msPerToken));
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.drain();
    }, delay);
  }

  private drain(): void {
    while ((this.waiting.length > 0 || this.background.length > 0) && this.takeToken()) {
      const next = (this.waiting.shift() ?? this.background.shift()) as Waiting;
      this.send(next.line, next.enqueuedAt, next.beforeWrite).then(next.resolve, next.reject);
    }
    this.schedule();
  }
}
