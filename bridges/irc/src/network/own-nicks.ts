/**
 * The nicks our own puppet connections use on one network, so the bot can drop what it hears
 * from them (their messages are already in Matrix; their QUIT/JOIN after a reconnect are not
 * real membership changes) with a map lookup instead of a database query per line.
 *
 * A puppet keeps its entry while it exists in the pool, connected or not: the bot may hear a
 * puppet's QUIT after the puppet itself noticed the disconnect.
 */
import type { UserId } from '@bridgekit/appservice';
import { casefold, type Casemapping } from '../mapping/casefold';

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

  /** The connection now uses `nick` only: forgets its other nicks (after a confirmed change). */
  settle(userId: UserId, nick: string): void {
    this.forget(userId);
    this.add(userId, nick);
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
