/**
 * Keeps the bridge's view of its homeserver current for /ready and the reachability gauge: the
 * appservice ping runs until the homeserver answers, at start and again whenever requests stop
 * getting answers, so readiness comes back on its own even when nothing else sends a request.
 */
import type { Gauge } from 'prom-client';
import type { Logger } from '../log/types';
import { startPingLoop, type PingLoop, type PingLoopOptions } from '../startup/homeserver-ping';
import { HomeserverStatus, type HomeserverSnapshot } from './homeserver-status';

/** A source of time and timers, as the bridge's clock offers them. */
interface WatchClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface HomeserverWatchOptions {
  /** One appservice ping (the client-server client's, once it exists). */
  ping: PingLoopOptions['ping'];
  gauge: Gauge;
  log: Logger;
  appserviceId: string;
  registrationUrl: string | null;
  clock?: WatchClock;
  /** The ping's backoff and pause (tests). */
  pingOptions?: Pick<PingLoopOptions, 'baseMs' | 'capMs' | 'sleep'>;
  /** The homeserver answers again after requests went unanswered (it may have restarted). */
  onBack?: () => void;
}

export class HomeserverWatch {
  private readonly status: HomeserverStatus;
  private loop?: PingLoop;
  private stopped = false;

  constructor(private readonly opts: HomeserverWatchOptions) {
    this.status = new HomeserverStatus(opts.gauge);
  }

  snapshot(): HomeserverSnapshot {
    return this.status.snapshot();
  }

  /** Starts the ping unless one runs already (or the bridge is stopping). */
  startPinging(): void {
    if (this.stopped || this.loop) return;
    const { clock } = this.opts;
    const loop = startPingLoop({
      ping: this.opts.ping,
      log: this.opts.log,
      appserviceId: this.opts.appserviceId,
      registrationUrl: this.opts.registrationUrl,
      ...(clock ? { now: () => clock.now(), sleep: clockSleep(clock) } : {}),
      ...this.opts.pingOptions,
    });
    this.loop = loop;
    void loop.done.then((outcome) => {
      this.watchingForBack(() => this.status.pingSettled(outcome));
      if (this.loop === loop) this.loop = undefined;
    });
  }

  /** Every client-server attempt reports here; the first unanswered one after answers starts the ping again. */
  onAttempt(answered: boolean): void {
    const wasReachable = this.status.snapshot().reachable;
    this.watchingForBack(() => this.status.observe(answered));
    if (!answered && wasReachable !== false) this.startPinging();
  }

  /** Runs `update`, then tells `onBack` if it turned an unreachable homeserver reachable. */
  private watchingForBack(update: () => void): void {
    const before = this.status.snapshot().reachable;
    update();
    if (before === false && this.status.snapshot().reachable === true) this.opts.onBack?.();
  }

  stop(): void {
    this.stopped = true;
    this.loop?.stop();
  }
}

/** An abortable pause on `clock`, the shape the ping loop waits with. */
function clockSleep(clock: WatchClock): (ms: number, signal: AbortSignal) => Promise<void> {
  return (ms, signal) => new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    const handle = clock.setTimeout(() => { signal.removeEventListener('abort', stop); resolve(); }, ms);
    const stop = () => { clock.clearTimeout(handle); resolve(); };
    signal.addEventListener('abort', stop, { once: true });
  });
}
