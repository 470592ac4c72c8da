/**
 * IRC away state → the ghosts' Matrix presence (`away_presence`): unavailable with the away
 * message as status while away, online when back. Every presence change is a homeserver request,
 * and IRC users flap (auto-away scripts, a client going away on every screen lock), so changes are:
 *  - coalesced: a ghost's change waits `settleMs`; whatever it changes to meanwhile replaces it,
 *    and a change to what the homeserver already has sends nothing;
 *  - paced: at most `perSecond` requests, one at a time, all networks together;
 *  - bounded: at most `maxGhosts` ghosts wait or are kept away (beyond that a change is dropped
 *    and reported; presence is a courtesy, never worth unbounded memory).
 *
 * Homeservers time out the presence of users whose client does not sync (Synapse: offline about
 * 30 s after the last update; measured in the e2e tier), and ghosts never sync. So an away state
 * is sent again every `refreshMs` for as long as the user stays away (after the changes waiting,
 * within the same pace), and `forget` stops that when the user quits: their ghost then goes
 * offline by itself. "Back" is sent once: online, then offline like every ghost whose user is
 * simply there, which is what Matrix shows for anyone without a syncing client.
 */
import type { PresenceState, UserId } from '@bridgekit/appservice';
import type { Clock, TimerHandle } from '../irc/clock';

export interface AwayPresenceOptions {
  clock: Clock;
  settleMs: number;
  /** Below the homeserver's timeout for users that do not sync (Synapse: 30 s). */
  refreshMs: number;
  perSecond: number;
  maxGhosts: number;
  /** Sets the ghost's presence (its intent's `setPresence`). */
  send(ghost: UserId, state: PresenceState, statusMsg?: string): Promise<void>;
  /** A send failed (not retried until the next change or refresh) or a change was dropped: for the log. */
  onProblem(ghost: UserId, problem: string): void;
}

interface Wanted {
  state: PresenceState;
  statusMsg?: string;
  /** Which network's user this is, so a network's ghosts can be let go together. */
  network: string;
}

interface Pending extends Wanted {
  /** When the first change of this burst was noticed + settleMs. */
  due: number;
}

interface Away extends Wanted {
  sentAt: number;
}

export class AwayPresence {
  /** Changes waiting to settle, oldest first. */
  private readonly pending = new Map<UserId, Pending>();
  /** Ghosts the homeserver was told are away, least recently sent first (refreshed in this order). */
  private readonly away = new Map<UserId, Away>();
  private timer: TimerHandle | undefined;
  private sending = false;
  /** The ghost whose send is under way, and whether it was forgotten meanwhile. */
  private inFlight: { ghost: UserId; forgotten: boolean } | undefined;
  private stopped = false;
  private lastSendAt = Number.NEGATIVE_INFINITY;

  constructor(private readonly options: AwayPresenceOptions) {}

  /** The IRC user behind `ghost` (on `network`) went away (`awayMessage`) or came back (undefined). */
  changed(ghost: UserId, network: string, awayMessage: string | undefined): void {
    if (this.stopped) return;
    const wanted: Wanted = awayMessage === undefined ? { state: 'online', network } : { state: 'unavailable', statusMsg: awayMessage, network };
    const earlier = this.pending.get(ghost);
    if (!earlier && !this.away.has(ghost) && this.pending.size + this.away.size >= this.options.maxGhosts) {
      this.options.onProblem(ghost, `presence is kept for ${this.options.maxGhosts} ghosts at most; this change is dropped`);
      return;
    }
    this.pending.set(ghost, { ...wanted, due: earlier?.due ?? this.options.clock.now() + this.options.settleMs });
    this.schedule();
  }

  /** The user quit or left every bridged channel: nothing more is sent, their presence times out. */
  forget(ghost: UserId): void {
    this.pending.delete(ghost);
    this.away.delete(ghost);
    if (this.inFlight?.ghost === ghost) this.inFlight.forgotten = true;
  }

  /** The network's connection closed: its users' away states are no longer known. */
  forgetNetwork(network: string): void {
    for (const [ghost, wanted] of [...this.pending, ...this.away]) if (wanted.network === network) this.forget(ghost);
  }

  /** Changes waiting, and ghosts kept away. */
  get size(): { pending: number; away: number } {
    return { pending: this.pending.size, away: this.away.size };
  }

  /** Shutdown: nothing more is sent (a send under way finishes). */
  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) this.options.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.pending.clear();
    this.away.clear();
  }

  /** (Re)arms the one timer for the next send: a new change may be due before the refresh it waits for. */
  private schedule(): void {
    if (this.stopped || this.sending) return;
    if (this.timer !== undefined) this.options.clock.clearTimeout(this.timer);
    this.timer = undefined;
    const due = this.nextDue();
    if (due === undefined) return;
    const at = Math.max(due, this.lastSendAt + 1000 / this.options.perSecond);
    this.timer = this.options.clock.setTimeout(() => {
      this.timer = undefined;
      void this.sendNext();
    }, Math.max(0, at - this.options.clock.now()));
  }

  /** When the next send is due: the oldest change once settled, else the stalest away state's refresh. */
  private nextDue(): number | undefined {
    const change = this.pending.values().next().value as Pending | undefined;
    const refresh = this.away.values().next().value as Away | undefined;
    const refreshAt = refresh && refresh.sentAt + this.options.refreshMs;
    if (change === undefined) return refreshAt;
    return refreshAt === undefined ? change.due : Math.min(change.due, refreshAt);
  }

  private async sendNext(): Promise<void> {
    if (this.stopped) return;
    const now = this.options.clock.now();
    const next = this.takeDue(now);
    if (next) {
      const [ghost, wanted] = next;
      const flight = { ghost, forgotten: false };
      this.sending = true;
      this.inFlight = flight;
      this.lastSendAt = now;
      try {
        await this.options.send(ghost, wanted.state, wanted.statusMsg);
      } catch (error) {
        this.options.onProblem(ghost, (error as Error).message);
      } finally {
        this.sending = false;
        this.inFlight = undefined;
      }
      // Kept away (refreshed) even after a failure: the next refresh is the retry. A change that
      // came meanwhile is still pending and is compared with this.
      if (wanted.state === 'unavailable' && !this.stopped && !flight.forgotten) this.away.set(ghost, { ...wanted, sentAt: now });
    }
    this.schedule();
  }

  /** The change or refresh to send now, removed from its queue; undefined when nothing is due or needed. */
  private takeDue(now: number): [UserId, Wanted] | undefined {
    for (const [ghost, change] of this.pending) {
      if (change.due > now) break;
      this.pending.delete(ghost);
      const current = this.away.get(ghost);
      // Already away with this message: the refresh takes care of it.
      if (current && change.state === 'unavailable' && change.statusMsg === current.statusMsg) continue;
      // Back, but the homeserver was never told they were away (it came and went within settleMs).
      if (!current && change.state === 'online') continue;
      this.away.delete(ghost);
      return [ghost, change];
    }
    const stalest = this.away.entries().next().value as [UserId, Away] | undefined;
    if (stalest && stalest[1].sentAt + this.options.refreshMs <= now) {
      this.away.delete(stalest[0]);
      return stalest;
    }
    return undefined;
  }
}
