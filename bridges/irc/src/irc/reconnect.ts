/**
 * Reconnection policy. The bridge, not irc-framework, decides when to reconnect (its own
 * auto-reconnect is disabled in connection.ts): `reconnectDelay` spaces out attempts of one
 * connection, and `ConnectRateLimiter` caps new connections per network, because a netsplit
 * drops every puppet at once and 1,000 simultaneous reconnects get the bridge's IP K-lined.
 */
import { retryDelay } from '@bridgekit/appservice';
import type { Clock } from './clock';
import { FloodQueue, SendQueueClearedError, type SendReceipt } from './flood';

/** How a connection's reconnects are spaced (the core's `retryDelay`, half its delay random). */
export interface BackoffOptions {
  /** Delay before the first retry (default 2 s). */
  baseMs?: number;
  /** Upper bound for any delay (default 5 min). */
  maxMs?: number;
  /** Fraction of the delay that is randomized (0 = none, 1 = "full jitter"; default 0.5). */
  jitter?: number;
}

/**
 * Delay before reconnect attempt `attempt` (0 for the first retry): the core's one backoff,
 * with half of each delay fixed so a dropped connection never comes back at once, and half
 * random so connections dropped together do not come back together.
 */
export function reconnectDelay(attempt: number, options: BackoffOptions = {}, random: () => number = Math.random): number {
  const { baseMs = 2_000, maxMs = 300_000, jitter = 0.5 } = options;
  return retryDelay(attempt, { baseMs, capMs: maxMs, jitter, random });
}

export interface ConnectRateOptions {
  /** New connections per second (sustained). */
  perSecond: number;
  /** Connections allowed back to back before the rate applies (default `perSecond`). */
  burst?: number;
  /** Most connections that may wait for a slot (default 100,000). */
  maxWaiting?: number;
  /**
   * Most handshakes in flight at once (default `MAX_CONNECT_BURST`): what the server's listen
   * backlog accepts, so no SYN is dropped. A connection frees its slot once the server has
   * answered it (managed-connection.ts), not at the end of registration.
   */
  maxHandshakes?: number;
  clock?: Clock;
}

/** A handshake's place in the gate; `release()` once it registered or failed (idempotent). */
export interface HandshakeSlot {
  release(): void;
}

/**
 * Most connections a network's gate lets through back to back. Not a whole second's allowance:
 * a server's listen backlog is small (ngIRCd's is 10), so 100 connects opened in the same
 * instant overflow it, the kernel resets them (ECONNRESET) and every one of them backs off,
 * which makes a mass reconnect slower than pacing them from the start.
 */
export const MAX_CONNECT_BURST = 10;

/** The burst for a gate of `perSecond` connections per second: at most `MAX_CONNECT_BURST`. */
export function connectBurst(perSecond: number): number {
  return Math.max(1, Math.min(MAX_CONNECT_BURST, Math.floor(perSecond)));
}

/**
 * A shared gate for new connections to one network: call `acquire()` before each connect.
 * At 50 per second, 1,000 users are back within 20 seconds.
 */
export class ConnectRateLimiter {
  private readonly bucket: FloodQueue;
  private readonly maxWaiting: number;
  private readonly maxHandshakes: number;
  private inFlight = 0;
  /** Handshakes waiting for one in flight to finish, first come first served. */
  private readonly queued: Array<{ resolve: () => void; reject: (error: Error) => void }> = [];

  constructor(options: ConnectRateOptions) {
    this.maxWaiting = options.maxWaiting ?? 100_000;
    this.maxHandshakes = Math.max(1, options.maxHandshakes ?? MAX_CONNECT_BURST);
    this.bucket = new FloodQueue({
      capacity: options.burst ?? options.perSecond,
      refillPerSecond: options.perSecond,
      maxQueued: this.maxWaiting,
      write: () => undefined,
      clock: options.clock,
    });
  }

  /** Resolves when this connection may start; `waitedMs` is the time spent waiting. */
  acquire(): Promise<SendReceipt> {
    return this.bucket.enqueue('');
  }

  /** A new rate (config reload); waiting connections keep their place. */
  setRate(perSecond: number, burst = perSecond): void {
    this.bucket.reconfigure({ capacity: burst, refillPerSecond: perSecond, maxQueued: this.maxWaiting });
  }

  /**
   * Resolves when a handshake may start: fewer than `maxHandshakes` are in flight and the rate
   * allows one more. A slot frees the moment a handshake ends, so the next starts at once
   * instead of on the next tick of the rate.
   */
  async acquireHandshake(): Promise<HandshakeSlot> {
    if (this.inFlight < this.maxHandshakes && this.queued.length === 0) this.inFlight++;
    else await new Promise<void>((resolve, reject) => this.queued.push({ resolve, reject }));
    let released = false;
    const slot = {
      release: () => {
        if (released) return;
        released = true;
        const next = this.queued.shift();
        if (next) next.resolve(); // the slot passes straight to the next handshake
        else this.inFlight--;
      },
    };
    try {
      await this.acquire();
    } catch (error) {
      slot.release();
      throw error;
    }
    return slot;
  }

  /** Handshakes in flight now. */
  get handshakes(): number {
    return this.inFlight;
  }

  /** Connections currently waiting for a slot. */
  get waiting(): number {
    return this.bucket.length + this.queued.length;
  }

  /** Rejects every waiting `acquire()` and `acquireHandshake()` (bridge shutdown). */
  cancelAll(reason = 'the bridge is shutting down'): void {
    for (const q of this.queued.splice(0)) q.reject(new SendQueueClearedError(reason));
    this.bucket.clear(reason);
  }
}

/**
 * Whether one network's server went away and came back, so that connections waiting out a
 * backoff return as soon as it is back rather than each finishing a delay that kept doubling
 * while it was down (up to reconnect.max_delay_seconds: minutes, for 10,000 puppets after a
 * server restart). A connect that found nobody listening marks the server down; the next
 * registration of any connection of the network wakes every waiter once, and they reconnect
 * through the connect gate, which paces them. Only "nobody listening" marks it: a server that
 * refuses some connections (a per-host limit, a ban) while accepting others never wakes them,
 * so their backoff holds.
 */
export class ServerRecovery {
  private down = false;
  private readonly waiters = new Set<() => void>();

  /** A connect found nobody listening (refused, host or network unreachable). */
  unreachable(): void {
    this.down = true;
  }

  /** A connection registered. If the server had been down, every waiter is woken (once). */
  reachable(): void {
    if (!this.down) return;
    this.down = false;
    const woken = [...this.waiters];
    this.waiters.clear();
    for (const wake of woken) wake();
  }

  /** Calls `wake` at the next recovery; the returned function cancels that. */
  onRecovery(wake: () => void): () => void {
    this.waiters.add(wake);
    return () => this.waiters.delete(wake);
  }

  /** Connections waiting for a recovery now. */
  get waiting(): number {
    return this.waiters.size;
  }
}
