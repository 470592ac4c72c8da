/**
 * The nicks our own puppet connections use on one network, so the bot can drop what it hears
 * from them (their messages are already in Matrix; their QUIT/JOIN after a reconnect are not
 * real membership changes) with a map lookup instead of a database query per line.
 *
 * A puppet keeps its entries while it exists in the pool, connected or not: the bot may hear a
 * puppet's QUIT after the puppet itself noticed the disconnect, and a NICK (from the old nick)
 * after the puppet saw it. So the last few nicks of each user are kept, not just the current one.
 *
 * When a registration asks for a nick and the server gives another, someone else holds the one
 * asked for (even if this user held it before): it is dropped at once, or every line of that IRC
 * user would be taken for our own echo and never bridged.
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
    this.remember(userId, casefold(nick, this.casemapping()));
  }

  /**
   * The connection now uses `nick`: remembered with the user's few previous nicks. `asked`, at
   * registration, is the nick it asked for; if the server gave another, that one is dropped.
   */
  settle(userId: UserId, nick: string, asked?: string): void {
    const folded = casefold(nick, this.casemapping());
    const askedFolded = asked === undefined ? undefined : casefold(asked, this.casemapping());
    if (askedFolded !== undefined && askedFolded !== folded) this.drop(userId, askedFolded);
    const nicks = this.remember(userId, folded);
    nicks.delete(folded);
    nicks.add(folded); // most recent last
    while (nicks.size > NICK_HISTORY) this.drop(userId, nicks.values().next().value as string);
  }

  forget(userId: UserId): void {
    for (const folded of this.byUser.get(userId) ?? []) {
      if (this.byNick.get(folded) === userId) this.byNick.delete(folded);
    }
    this.byUser.delete(userId);
  }

  private remember(userId: UserId, folded: string): Set<string> {
    this.byNick.set(folded, userId);
    let nicks = this.byUser.get(userId);
    if (!nicks) this.byUser.set(userId, (nicks = new Set()));
    nicks.add(folded);
    return nicks;
  }

  private drop(userId: UserId, folded: string): void {
    this.byUser.get(userId)?.delete(folded);
    if (this.byNick.get(folded) === userId) this.byNick.delete(folded);
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
