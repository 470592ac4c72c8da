/**
 * The nicks our own puppet connections use on one network, so the bot can drop what it hears
 * from them (their messages are already in Matrix; their QUIT/JOIN after a reconnect are not
 * real membership changes) with a map lookup instead of a database query per line.
 *
 * A puppet keeps its entries while it exists in the pool, connected or not: the bot may hear a
 * puppet's QUIT after the puppet itself noticed the disconnect, and a NICK (from the old nick)
 * after the puppet saw it. So the last few nicks of each user are kept, not just the current one.
 */
import type { UserId } from '@bridgekit/appservice';
import { casefold, type Casemapping } from '../mapping/casefold';

/** Nicks remembered per user: the current one and a few before it. */
const NICK_HISTORY = 3;

export class OwnNicks {
  private readonly byNick = new Map<string, UserId>();
  private readonly byUser = new Map<UserId, Set<string>>();

  constructor(private readonly casemapping: () => Casemapping) {}

  /** Records that `userId`'s connection uses (or is about to use) `nick`. */
  add(userId: UserId, nick: string): void {
    const folded = casefold(nick, this.casemapping());
    this.byNick.set(folded, userId);
    let nicks = this.byUser.get(userId);
    if (!nicks) this.byUser.set(userId, (nicks = new Set()));
    nicks.add(folded);
  }

  /** The connection now uses `nick`: remembered with the user's few previous nicks. */
  settle(userId: UserId, nick: string): void {
    this.add(userId, nick);
    const nicks = this.byUser.get(userId);
    if (!nicks) return;
    const folded = casefold(nick, this.casemapping());
    nicks.delete(folded);
    nicks.add(folded); // most recent last
    while (nicks.size > NICK_HISTORY) {
      const oldest = nicks.values().next().value as string;
      nicks.delete(oldest);
      if (this.byNick.get(oldest) === userId) this.byNick.delete(oldest);
    }
  }

  forget(userId: UserId): void {
    for (const folded of this.byUser.get(userId) ?? []) {
      if (this.byNick.get(folded) === userId) this.byNick.delete(folded);
    }
    this.byUser.delete(userId);
  }

  /** The Matrix user behind `nick`, when it is one of our puppets. */
  userOf(nick: string): UserId | undefined {
    return this.byNick.get(casefold(nick, this.casemapping()));
  }

  has(nick: string): boolean {
    return this.byNick.has(casefold(nick, this.casemapping()));
  }

  get size(): number {
    return this.byNick.size;
  }
}
