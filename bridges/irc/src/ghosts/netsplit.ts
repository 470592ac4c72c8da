/**
 * Netsplits: when a link between two IRC servers breaks, everyone on the far side QUITs at once
 * with the two server names as the reason ("hub.example.net leaf.example.net"), and most of them
 * JOIN again seconds or minutes later. Mirroring that literally would make hundreds of ghosts
 * leave and rejoin every bridged room. Instead such QUITs are held for a grace period: whoever
 * rejoins in time never left as far as Matrix is concerned, and only those still gone when the
 * grace ends leave — through the paced membership queue, so the homeserver sees one steady trickle.
 */
import type { Clock, TimerHandle } from '../irc/clock';
import type { IrcNick } from '../mapping/ids';

/** A server name as netsplit QUITs show it: dotted, possibly masked ("*.net"). */
const SERVER = String.raw`[a-z0-9*](?:[a-z0-9*_-]*\.)+[a-z0-9*_-]+`;
const NETSPLIT = new RegExp(`^${SERVER} ${SERVER}$`, 'i');

/** Is this QUIT reason a netsplit ("irc.a.net irc.b.net", or masked "*.net *.split")? */
export function isNetsplitQuit(reason: string): boolean {
  return NETSPLIT.test(reason.trim());
}

export interface HeldQuit {
  nick: IrcNick;
  /** The channels (as the roster spells them) the nick was in when it quit. */
  channels: string[];
  reason: string;
  at: number;
}

export interface NetsplitHoldOptions<Q extends HeldQuit = HeldQuit> {
  clock: Clock;
  graceMs: number;
  /** Most QUITs held at once; beyond that they are handled as ordinary QUITs. */
  maxHeld: number;
  /** The grace ended for these QUITs and they did not come back. */
  onExpired: (quits: Q[]) => void;
}

/**
 * Holds departures for the grace. `Q` lets a caller keep more with each (the leaves held after
 * the bot's own reconnect also keep the room and the ghost); the key is the caller's choice.
 */
export class NetsplitHold<Q extends HeldQuit = HeldQuit> {
  /** key (a folded nick, or what the caller chose) → quit, in the order they were held (so the first is always the oldest). */
  private readonly held = new Map<string, Q>();
  private timer: TimerHandle | undefined;

  constructor(private readonly options: NetsplitHoldOptions<Q>) {}

  /** Holds a netsplit QUIT; false when full (handle it as an ordinary QUIT then). */
  hold(key: string, quit: Omit<Q, 'at'>): boolean {
    if (!this.held.has(key) && this.held.size >= this.options.maxHeld) return false;
    this.held.delete(key);
    this.held.set(key, { ...quit, at: this.options.clock.now() } as Q);
    this.schedule();
    return true;
  }

  /** The nick is back (JOIN): returns its held QUIT, which will not be mirrored, if there was one. */
  returned(key: string): Q | undefined {
    const quit = this.held.get(key);
    if (quit) this.held.delete(key);
    return quit;
  }

  get size(): number {
    return this.held.size;
  }

  /** Shutdown: forget everything (nothing was mirrored yet, and nothing will be). */
  clear(): void {
    if (this.timer !== undefined) this.options.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.held.clear();
  }

  private schedule(): void {
    if (this.timer !== undefined) return;
    const first = this.held.values().next().value as Q | undefined;
    if (!first) return;
    const delay = Math.max(0, first.at + this.options.graceMs - this.options.clock.now());
    this.timer = this.options.clock.setTimeout(() => {
      this.timer = undefined;
      this.expire();
    }, delay);
  }

  private expire(): void {
    const cutoff = this.options.clock.now() - this.options.graceMs;
    const expired: Q[] = [];
    for (const [key, quit] of this.held) {
      if (quit.at > cutoff) break;
      this.held.delete(key);
      expired.push(quit);
    }
    this.schedule();
    if (expired.length > 0) this.options.onExpired(expired);
  }
}
