/**
 * What the bridge knows about the IRC users it shares channels with, from what the server tells
 * the bot unasked: their mask (JOIN, chghost), real name and account (extended-join), account
 * changes (account-notify, the `account` tag on their lines) and away state (away-notify). On an
 * IRCv3 server this stays current without asking, so `!whois` and ghost presence need no round
 * trip; on a server without those capabilities the fields are simply unknown.
 *
 * Bounded: at most `maxUsers` users (least recently heard from goes first; a user dropped that
 * way is learnt again from their next line).
 */
import { casefold, type Casemapping } from '../mapping/casefold';
import type { IrcNick } from '../mapping/ids';

export interface KnownIrcUser {
  nick: IrcNick;
  ident?: string;
  host?: string;
  realname?: string;
  /** The services account: a name, null when known to be logged out, undefined when not known. */
  account?: string | null;
  /** The away message; undefined when not away (or not known to be). */
  away?: string;
  /**
   * The account and away state are known and kept current by the server (learnt from an
   * extended-join JOIN or a WHOIS while account-notify and away-notify are on): a `!whois` can
   * be answered from here. Otherwise they may be stale or missing, and only WHOIS tells.
   */
  current?: boolean;
}

export type IrcUserUpdate = Partial<Omit<KnownIrcUser, 'nick'>>;

export class IrcUsers {
  /** folded nick → user, least recently updated first. */
  private readonly users = new Map<string, KnownIrcUser>();

  constructor(private readonly casemapping: () => Casemapping, private readonly maxUsers: number) {}

  get(nick: string): KnownIrcUser | undefined {
    const user = this.users.get(this.fold(nick));
    return user && { ...user };
  }

  /**
   * Something was learnt about `nick` (fields left undefined in `update` are kept as they were,
   * except `away`, which an explicit `'away' in update` sets or clears). Returns the user as now known.
   */
  update(nick: IrcNick, update: IrcUserUpdate): KnownIrcUser {
    const key = this.fold(nick);
    const user: KnownIrcUser = { ...(this.users.get(key) ?? {}), nick };
    for (const [field, value] of Object.entries(update) as Array<[keyof IrcUserUpdate, string | null | undefined]>) {
      if (value !== undefined) (user as unknown as Record<string, unknown>)[field] = value;
      else if (field === 'away') delete user.away;
    }
    this.users.delete(key);
    this.users.set(key, user);
    while (this.users.size > this.maxUsers) this.users.delete(this.users.keys().next().value as string);
    return { ...user };
  }

  renamed(oldNick: string, newNick: IrcNick): void {
    const user = this.users.get(this.fold(oldNick));
    this.users.delete(this.fold(oldNick));
    if (!user) return;
    const { nick: _old, ...known } = user;
    this.update(newNick, known);
  }

  /** The user quit, or no longer shares a channel with the bot: nothing more will be heard. */
  forget(nick: string): void {
    this.users.delete(this.fold(nick));
  }

  /**
   * The bot's connection closed, or the server withdrew account-notify or away-notify: what it
   * knew may go stale without anyone saying so.
   */
  clear(): void {
    this.users.clear();
  }

  get size(): number {
    return this.users.size;
  }

  private fold(nick: string): string {
    return casefold(nick, this.casemapping());
  }
}
