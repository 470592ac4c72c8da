/**
 * Pushes events to the bridge the way Synapse's appservice scheduler does: one transaction in
 * flight per appservice, and whatever arrived meanwhile goes into the next one, at most 100
 * events each (synapse/appservice/scheduler.py, MAX_PERSISTENT_EVENTS_PER_TRANSACTION). A
 * non-200 is retried with a short pause and counted (Synapse would back off for much longer,
 * so any failure here is a finding, not noise).
 */
import http from 'node:http';
import { nowMs, waitFor } from '../time';

export interface WireEvent {
  event_id: string;
  room_id: string;
  sender: string;
  type: string;
  content: Record<string, unknown>;
  origin_server_ts: number;
  state_key?: string;
  unsigned?: Record<string, unknown>;
}

export interface TransactionRecord {
  txnId: string;
  /** When the request was written (monotonic ms). */
  startedAt: number;
  /** When the bridge's 200 arrived. */
  doneAt: number;
  eventIds: string[];
}

const MAX_EVENTS_PER_TRANSACTION = 100;
const RETRY_PAUSE_MS = 100;

export class TransactionPusher {
  readonly transactions: TransactionRecord[] = [];
  failures = 0;
  eventsPushed = 0;
  private readonly queue: WireEvent[] = [];
  private inFlight = false;
  private counter = 0;
  private target: { port: number; hsToken: string } | undefined;
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  private closed = false;

  /** Where the bridge listens; events queued before this wait. */
  setTarget(port: number, hsToken: string): void {
    this.target = { port, hsToken };
    this.kick();
  }

  push(event: WireEvent): void {
    this.queue.push(event);
    this.kick();
  }

  get isIdle(): boolean {
    return !this.inFlight && this.queue.length === 0;
  }

  get queued(): number {
    return this.queue.length;
  }

  waitIdle(timeoutMs: number): Promise<true> {
    return waitFor('the homeserver to deliver every queued event to the bridge', () => this.isIdle || undefined, timeoutMs, 2);
  }

  /** Forgets everything queued (between scenarios on a world that is being torn down). */
  close(): void {
    this.closed = true;
    this.queue.length = 0;
    this.agent.destroy();
  }

  private kick(): void {
    if (this.inFlight || this.closed || !this.target || this.queue.length === 0) return;
    const batch = this.queue.splice(0, MAX_EVENTS_PER_TRANSACTION);
    this.inFlight = true;
    const txnId = `t${++this.counter}`;
    this.send(txnId, batch);
  }

  private send(txnId: string, batch: WireEvent[]): void {
    const target = this.target!;
    const body = JSON.stringify({ events: batch, ephemeral: [] });
    const startedAt = nowMs();
    const req = http.request({
      host: '127.0.0.1', port: target.port, method: 'PUT', agent: this.agent,
      path: `/_matrix/app/v1/transactions/${txnId}`,
      headers: { authorization: `Bearer ${target.hsToken}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
    }, (res) => {
      res.resume();
      res.on('end', () => {
        if (res.statusCode === 200) {
          this.transactions.push({ txnId, startedAt, doneAt: nowMs(), eventIds: batch.map((e) => e.event_id) });
          this.eventsPushed += batch.length;
          this.inFlight = false;
          this.kick();
        } else {
          this.retry(txnId, batch);
        }
      });
    });
    req.on('error', () => this.retry(txnId, batch));
    req.end(body);
  }

  private retry(txnId: string, batch: WireEvent[]): void {
    this.failures++;
    if (this.closed) return;
    setTimeout(() => this.send(txnId, batch), RETRY_PAUSE_MS);
  }
}
