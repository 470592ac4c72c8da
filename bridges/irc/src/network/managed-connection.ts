/**
 * One IRC identity kept online: connects through the network's connect-rate gate, reconnects
 * with exponential backoff and jitter after any unplanned close, and rejoins the channels it
 * wants — silently. Nothing here touches Matrix: a network outage must never make a Matrix user
 * leave a room, so a drop is only logged and retried.
 */
import { isRetriable, type Logger } from '@bridgekit/appservice';
import type { Clock, TimerHandle } from '../irc/clock';
import { IrcError, isIrcError } from '../irc/errors';
import { reconnectDelay, type BackoffOptions, type ConnectRateLimiter, type ServerRecovery } from '../irc/reconnect';
import { casefold } from '../mapping/casefold';
import type { IrcClient } from './client';

/** Refused or reset connects retried at once before the backoff takes over. */
const QUICK_RETRIES = 3;

/** The socket error behind a failed connect (ECONNREFUSED…), if that is why it failed. */
function socketErrorCode(error: unknown): string | undefined {
  return isIrcError(error) && error.code === 'IRC_CONNECT_FAILED' ? (error.cause as NodeJS.ErrnoException | undefined)?.code : undefined;
}

function isRefusedOrReset(error: unknown): boolean {
  const code = socketErrorCode(error);
  return code === 'ECONNREFUSED' || code === 'ECONNRESET';
}

/** Nobody listening at the server's address: it is down (or restarting), not refusing us. */
const UNREACHABLE = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH']);

export type ConnectionState = 'idle' | 'connecting' | 'connected' | 'backoff' | 'stopped';

export interface ManagedConnectionOptions {
  /** For logs: "bot" or the Matrix user ID. */
  label: string;
  host: string;
  client: IrcClient;
  limiter: ConnectRateLimiter;
  /** The network's: a backoff ends early once the server that was down is back. */
  recovery?: ServerRecovery;
  backoff: BackoffOptions;
  clock: Clock;
  log: Logger;
  random?: () => number;
  /** Runs after each registration, before channels are rejoined (NickServ, auto-commands). */
  onRegistered?: () => Promise<void>;
  /** A wanted channel could not be (re)joined after a (re)connect. */
  onJoinFailed?: (channel: string, error: Error) => void;
  /** Every state change, for metrics. */
  onStateChange?: (from: ConnectionState, to: ConnectionState) => void;
  /** The set of wanted channels changed (to persist it). */
  onWantedChange?: () => void;
}

interface WantedChannel {
  channel: string;
  key?: string;
}

export class ManagedConnection {
  readonly client: IrcClient;
  private current: ConnectionState = 'idle';
  private attempt = 0;
  /** Refused or reset connects retried at once in a row; past `QUICK_RETRIES` the backoff applies. */
  private quickRetries = 0;
  private retryTimer: TimerHandle | undefined;
  private retryAt = 0;
  /** Cancels the wake-up at the server's recovery while a retry is scheduled. */
  private cancelWake: (() => void) | undefined;
  private connecting: Promise<void> | undefined;
  private readonly wanted = new Map<string, WantedChannel>();
  /**
   * Channels a `join()` caller is waiting for: their failures are the caller's to report.
   * Made when needed and dropped once empty, like `connectWaiters`: an idle puppet holds neither.
   */
  private explicitJoins: Map<string, number> | undefined;
  /** Callers of `untilConnected`, woken on every change to connected or stopped. */
  private connectWaiters: Set<() => void> | undefined;

  constructor(private readonly options: ManagedConnectionOptions) {
    this.client = options.client;
    this.client.on('close', (event) => {
      if (this.current === 'stopped' || event.reason === 'quit') {
        if (this.current !== 'stopped') this.setState('idle');
        return;
      }
      this.options.log.warn('IRC connection lost; reconnecting', { connection: options.label, reason: event.reason, detail: event.message });
      this.setState('idle');
      this.scheduleRetry();
    });
  }

  get state(): ConnectionState {
    return this.current;
  }

  /** Channels this identity should be in (original spelling), whether or not it is right now. */
  get wantedChannels(): string[] {
    return [...this.wanted.values()].map((w) => w.channel);
  }

  /**
   * Resolves once registered. Starts a connection when idle; while waiting out a backoff it
   * rejects at once (saying when the next attempt is) rather than hammering the server.
   */
  ensureConnected(): Promise<void> {
    if (this.client.isRegistered) return Promise.resolve();
    if (this.connecting) return this.connecting;
    if (this.current === 'stopped') {
      return Promise.reject(new IrcError('IRC_NOT_CONNECTED', `The bridge is shutting down; the connection to ${this.options.host} is closed.`));
    }
    if (this.current === 'backoff') {
      const seconds = Math.max(1, Math.ceil((this.retryAt - this.options.clock.now()) / 1000));
      return Promise.reject(new IrcError('IRC_NOT_CONNECTED', `Not connected to ${this.options.host}; the bridge reconnects automatically (next attempt in ${seconds} s). Try again then.`));
    }
    return this.startAttempt();
  }

  /**
   * Waits, without starting an attempt of its own, until the connection is registered again
   * (its reconnect loop does the work), the `deadline` (clock ms) passes, the connection is
   * stopped or `signal` aborts. For a message held through a server outage.
   */
  untilConnected(deadline: number, signal: AbortSignal): Promise<'connected' | 'deadline' | 'stopped'> {
    if (this.client.isRegistered) return Promise.resolve('connected');
    if (this.current === 'stopped' || signal.aborted) return Promise.resolve('stopped');
    return new Promise((resolve) => {
      const finish = (outcome: 'connected' | 'deadline' | 'stopped') => {
        if (this.connectWaiters?.delete(wake) && this.connectWaiters.size === 0) this.connectWaiters = undefined;
        signal.removeEventListener('abort', aborted);
        this.options.clock.clearTimeout(timer);
        resolve(outcome);
      };
      const wake = () => {
        if (this.client.isRegistered) finish('connected');
        else if (this.current === 'stopped') finish('stopped');
      };
      const aborted = () => finish('stopped');
      const timer = this.options.clock.setTimeout(() => finish('deadline'), Math.max(0, deadline - this.options.clock.now()));
      (this.connectWaiters ??= new Set()).add(wake);
      signal.addEventListener('abort', aborted, { once: true });
    });
  }

  /** Connects in the background (the bot at startup): failures are retried, not thrown. */
  start(): void {
    this.ensureConnected().catch(() => undefined); // logged and retried by startAttempt
  }

  /**
   * Remembers the channel (rejoined after every reconnect) and joins it now; the caller gets
   * the failure (and reports it), not `onJoinFailed`. A refused join is forgotten: the next
   * attempt comes from the next message, not from every reconnect.
   */
  async join(channel: string, key?: string): Promise<void> {
    const folded = this.fold(channel);
    this.setWanted(folded, { channel, ...(key !== undefined ? { key } : {}) });
    const joins = (this.explicitJoins ??= new Map());
    joins.set(folded, (joins.get(folded) ?? 0) + 1);
    try {
      await this.ensureConnected();
      await this.client.join(channel, key);
    } catch (error) {
      if (isIrcError(error) && !isRetriable(error) && this.wanted.delete(folded)) this.options.onWantedChange?.();
      throw error;
    } finally {
      const left = (joins.get(folded) ?? 1) - 1;
      if (left > 0) joins.set(folded, left);
      else if (joins.delete(folded) && joins.size === 0 && this.explicitJoins === joins) this.explicitJoins = undefined;
    }
  }

  /**
   * Remembers the channel and joins it in the background: now if connected, else after the
   * next registration. Failures go to `onJoinFailed`, like every rejoin.
   */
  want(channel: string, key?: string): void {
    this.setWanted(this.fold(channel), { channel, ...(key !== undefined ? { key } : {}) });
    if (this.client.isRegistered) this.joinReporting(channel, key);
    else if (this.current === 'idle') this.start();
  }

  /** Forgets the channel and parts it if we are in it. */
  async part(channel: string, reason?: string): Promise<void> {
    const folded = this.fold(channel);
    if (this.wanted.delete(folded)) this.options.onWantedChange?.();
    if (this.client.isRegistered && this.client.joinedChannels.has(folded)) await this.client.part(channel, reason);
  }

  /** The wanted channels with their keys (to carry them over to a new connection). */
  get wantedEntries(): Array<{ channel: string; key?: string }> {
    return [...this.wanted.values()].map((w) => ({ ...w }));
  }

  wants(channel: string): boolean {
    return this.wanted.has(this.fold(channel));
  }

  /** Disconnects on purpose (idle, !quit): no reconnect; `ensureConnected` starts afresh. */
  async disconnect(reason: string): Promise<void> {
    this.cancelRetry();
    if (this.current === 'backoff') this.setState('idle');
    await this.client.quit(reason);
  }

  /** Shutdown: no more attempts, ever. */
  async stop(reason: string): Promise<void> {
    this.cancelRetry();
    this.setState('stopped');
    await this.client.quit(reason);
  }

  private setWanted(folded: string, wanted: WantedChannel): void {
    const before = this.wanted.get(folded);
    this.wanted.set(folded, wanted);
    if (before?.channel !== wanted.channel || before?.key !== wanted.key) this.options.onWantedChange?.();
  }

  private startAttempt(): Promise<void> {
    this.setState('connecting');
    const attempt = (async () => {
      try {
        await this.connectThroughGate();
        this.attempt = 0;
        this.quickRetries = 0;
        this.setState('connected');
        this.options.recovery?.reachable();
        this.options.log.info('Connected to IRC', { connection: this.options.label, nick: this.client.nick, capabilities: this.client.capabilities.join(' ') });
      } catch (error) {
        if (this.current === 'stopped') throw error; // shutting down: nothing to retry or report
        this.setState('idle');
        const retriable = isRetriable(error);
        this.options.log.warn(retriable ? 'IRC connection attempt failed; will retry' : 'IRC connection refused; not retrying', {
          connection: this.options.label, error: (error as Error).message,
        });
        if (retriable) this.scheduleRetry();
        throw error;
      } finally {
        this.connecting = undefined;
      }
      await this.afterRegistration();
    })();
    this.connecting = attempt;
    return attempt;
  }

  /**
   * One handshake inside the network's gate, holding its slot until the server has accepted
   * the connection (its first line) or the attempt ended: what the gate bounds is connects
   * waiting in the server's listen backlog, so a server slow to register (or a bridge busy
   * with other puppets' lines) does not keep the next connects waiting. A connect the server
   * refused or reset (its backlog was full for a moment, or it is restarting) is tried again
   * at once through the same gate, a few times, before the failure goes to the backoff:
   * waiting seconds for a momentary overflow is what made mass connects slow.
   */
  private async connectThroughGate(): Promise<void> {
    for (;;) {
      const slot = await this.options.limiter.acquireHandshake();
      try {
        if (this.current === 'stopped') throw new IrcError('IRC_NOT_CONNECTED', 'The bridge is shutting down.');
        await this.client.connect(() => slot.release());
        return;
      } catch (error) {
        if (UNREACHABLE.has(socketErrorCode(error) ?? '')) this.options.recovery?.unreachable();
        if (this.current === 'stopped' || !isRefusedOrReset(error) || this.quickRetries >= QUICK_RETRIES) throw error;
        this.quickRetries++;
        this.options.log.debug('IRC connect refused or reset; retrying at once', { connection: this.options.label, retry: this.quickRetries });
      } finally {
        slot.release();
      }
    }
  }

  private async afterRegistration(): Promise<void> {
    try {
      await this.options.onRegistered?.();
    } catch (error) {
      this.options.log.warn('After-connect commands failed', { connection: this.options.label, error: (error as Error).message });
    }
    // Rejoins run in parallel through flood control; each failure is reported on its own.
    for (const { channel, key } of this.wanted.values()) this.joinReporting(channel, key);
  }

  private joinReporting(channel: string, key: string | undefined): void {
    this.client.join(channel, key).catch((error: Error) => {
      if (this.explicitJoins?.has(this.fold(channel))) return;
      this.options.log.warn('Could not join channel', { connection: this.options.label, channel, error: error.message });
      this.options.onJoinFailed?.(channel, error);
    });
  }

  private scheduleRetry(): void {
    if (this.current === 'stopped' || this.retryTimer !== undefined) return;
    const delay = reconnectDelay(this.attempt++, this.options.backoff, this.options.random);
    this.retryAt = this.options.clock.now() + delay;
    this.setState('backoff');
    const retry = () => {
      this.cancelRetry();
      if (this.current !== 'backoff') return;
      this.startAttempt().catch(() => undefined); // logged above; the next retry is scheduled
    };
    this.retryTimer = this.options.clock.setTimeout(retry, delay);
    this.cancelWake = this.options.recovery?.onRecovery(retry);
  }

  private cancelRetry(): void {
    if (this.retryTimer !== undefined) this.options.clock.clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.cancelWake?.();
    this.cancelWake = undefined;
  }

  private setState(next: ConnectionState): void {
    const previous = this.current;
    if (previous === next) return;
    this.current = next;
    this.options.onStateChange?.(previous, next);
    if ((next === 'connected' || next === 'stopped') && this.connectWaiters) for (const wake of [...this.connectWaiters]) wake();
  }

  private fold(channel: string): string {
    return casefold(channel, this.client.isupport.casemapping);
  }
}
