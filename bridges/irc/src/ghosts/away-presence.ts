/**
 * IRC away state → the ghosts' Matrix presence (`away_presence`): unavailable with the away
 * message as status, online when back. Every presence change is a homeserver request, and IRC
 * users flap (auto-away scripts, a client going away on every screen lock), so changes are:
 *  - coalesced: a ghost's change waits `settleMs`; whatever it changes to meanwhile replaces it,
 *    and a change back to what the homeserver already has sends nothing;
 *  - paced: at most `perSecond` requests, one at a time, all networks together;
 *  - bounded: at most `maxPending` ghosts wait (beyond that a change is dropped and counted in
 *    the log; presence is a courtesy, never worth unbounded memory).
 */
import type { PresenceState, UserId } from '@bridgekit/appservice';
import type { Clock, TimerHandle } from '../irc/clock';

export interface AwayPresenceOptions {
  clock: Clock;
  settleMs: number;
  perSecond: number;
  maxPending: number;
  /** Sets the ghost's presence (its intent's `setPresence`). */
  send(ghost: UserId, state: PresenceState, statusMsg?: string): Promise<void>;
  /** A send failed or a change was dropped (already not retried): for the log. */
  onProblem(ghost: UserId, problem: string): void;
}

interface Wanted {
  state: PresenceState;
  statusMsg?: string;
  /** When the first change of this batch was noticed + settleMs. */
  due: number;
}

/** How many ghosts' last sent presence is remembered, to skip sending it again. */
const MAX_REMEMBERED = 50_000;

export class AwayPresence {
  private readonly pending = new Map<UserId, Wanted>();
  /** ghost → the presence the homeserver was last given ("state\0status"). */
  private readonly sent = new Map<UserId, string>();
  private timer: TimerHandle | undefined;
  private sending = false;
  private stopped = false;
  private lastSendAt = Number.NEGATIVE_INFINITY;

  constructor(private readonly options: AwayPresenceOptions) {}

  /** The IRC user behind `ghost` went away (`awayMessage`) or came back (undefined). */
  changed(ghost: UserId, awayMessage: string | undefined): void {
    if (this.stopped) return;
    const wanted = awayMessage === undefined ? { state: 'online' as const } : { state: 'unavailable' as const, statusMsg: awayMessage };
    const earlier = this.pending.get(ghost);
    if (!earlier && this.pending.size >= this.options.maxPending) {
      this.options.onProblem(ghost, `more than ${this.options.maxPending} presence changes are waiting; this one is dropped`);
      return;
    }
    this.pending.set(ghost, { ...wanted, due: earlier?.due ?? this.options.clock.now() + this.options.settleMs });
    this.schedule();
  }

  get waiting(): number {
    return this.pending.size;
  }

  /** Shutdown: nothing more is sent (a send under way finishes). */
  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) this.options.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.pending.clear();
  }

  private schedule(): void {
    if (this.stopped || this.sending || this.timer !== undefined) return;
    const first = this.pending.values().next().value as Wanted | undefined;
    if (!first) return;
    const now = this.options.clock.now();
    const at = Math.max(first.due, this.lastSendAt + 1000 / this.options.perSecond);
    this.timer = this.options.clock.setTimeout(() => {
      this.timer = undefined;
      void this.sendFirst();
    }, Math.max(0, at - now));
  }

  private async sendFirst(): Promise<void> {
    const entry = this.pending.entries().next().value as [UserId, Wanted] | undefined;
    if (!entry || this.stopped) return;
    const [ghost, wanted] = entry;
    this.pending.delete(ghost);
    const key = `${wanted.state}\u0000${wanted.statusMsg ?? ''}`;
    if (this.sent.get(ghost) !== key) {
      this.sending = true;
      this.lastSendAt = this.options.clock.now();
      try {
        await this.options.send(ghost, wanted.state, wanted.statusMsg);
        this.remember(ghost, key);
      } catch (error) {
        this.options.onProblem(ghost, (error as Error).message);
      } finally {
        this.sending = false;
      }
    }
    this.schedule();
  }

  private remember(ghost: UserId, key: string): void {
    this.sent.delete(ghost);
    this.sent.set(ghost, key);
    if (this.sent.size > MAX_REMEMBERED) this.sent.delete(this.sent.keys().next().value as UserId);
  }
}
