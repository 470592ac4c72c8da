/**
 * What the bridge knows about its homeserver, for /ready and the reachability gauge: whether the
 * start-up ping has come back (proving both tokens and the registration's url), and whether the
 * last request to it got an answer. Every client-server attempt reports here, so the gauge
 * follows the homeserver through outages without any polling of its own.
 */
import type { Gauge } from 'prom-client';

/** `pending` until the ping loop settles; `unsupported`: the homeserver has no ping endpoint (MSC2659), so it cannot be proved. */
export type PingState = 'pending' | 'reached' | 'unsupported';

export interface HomeserverSnapshot {
  ping: PingState;
  /** undefined until the first request has been answered or failed. */
  reachable?: boolean;
  /** When `reachable` last changed (ms since the epoch). */
  since?: number;
}

export class HomeserverStatus {
  private ping: PingState = 'pending';
  private reachable: boolean | undefined;
  private since: number | undefined;

  constructor(private readonly gauge: Gauge, private readonly now: () => number = Date.now) {}

  /** The ping loop's outcome; `stopped` (the bridge is stopping) changes nothing. */
  pingSettled(outcome: 'reached' | 'unsupported' | 'stopped'): void {
    if (outcome === 'stopped') return;
    this.ping = outcome;
    if (outcome === 'reached') this.observe(true);
  }

  /** One request's outcome: answered (any status the homeserver itself sent) or not. */
  observe(reached: boolean): void {
    if (reached !== this.reachable) this.since = this.now();
    this.reachable = reached;
    this.gauge.set(reached ? 1 : 0);
  }

  snapshot(): HomeserverSnapshot {
    return { ping: this.ping, ...(this.reachable !== undefined ? { reachable: this.reachable, since: this.since } : {}) };
  }
}
