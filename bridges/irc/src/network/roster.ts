/**
 * Who is in each bridged channel, as the bot sees it (NAMES, JOIN, PART, KICK, QUIT, NICK),
 * and with which prefix symbols (NAMES, MODE +o/-v...: '@' op, '+' voice, whatever ISUPPORT
 * PREFIX says). Used to turn nicks in IRC messages into Matrix pills, for power levels and for
 * "may this user kick". Its size is the channels' real membership; a channel is dropped when the
 * bot leaves it.
 */
import { casefold, type Casemapping } from '../mapping/casefold';
import type { IrcNick } from '../mapping/ids';

interface Member {
  nick: IrcNick;
  /** Prefix symbols the member has ('@+'), '' for none. */
  prefixes: string;
}

export class ChannelRoster {
  /** folded channel → folded nick → member (nick as spelled on the wire). */
  private readonly channels = new Map<string, Map<string, Member>>();
  /**
   * folded nick → the folded channels they are in: the reverse of `channels`, so QUIT, NICK and
   * "which channels is this nick in" cost the nick's own channels, not every channel of a bot
   * that sits in a thousand.
   */
  private readonly byNick = new Map<string, Set<string>>();

  constructor(private readonly casemapping: () => Casemapping) {}

  /** NAMES is complete for the channel: replaces what we knew. A map gives each nick's prefix symbols. */
  reset(channel: string, nicks: Iterable<IrcNick> | ReadonlyMap<IrcNick, string>): void {
    const key = this.fold(channel);
    this.dropChannel(channel);
    const members = new Map<string, Member>();
    this.channels.set(key, members);
    if (nicks instanceof Map) {
      for (const [nick, prefixes] of nicks as ReadonlyMap<IrcNick, string>) this.put(key, members, nick, prefixes);
    } else {
      for (const nick of nicks as Iterable<IrcNick>) this.put(key, members, nick, '');
    }
  }

  add(channel: string, nick: IrcNick): void {
    const key = this.fold(channel);
    let members = this.channels.get(key);
    if (!members) this.channels.set(key, (members = new Map()));
    this.put(key, members, nick, '');
  }

  remove(channel: string, nick: string): void {
    const key = this.fold(channel);
    const folded = this.fold(nick);
    if (this.channels.get(key)?.delete(folded)) this.unlink(folded, key);
  }

  /** The bot left the channel: nothing is known about it any more. */
  dropChannel(channel: string): void {
    const key = this.fold(channel);
    const members = this.channels.get(key);
    if (!members) return;
    for (const folded of members.keys()) this.unlink(folded, key);
    this.channels.delete(key);
  }

  /** QUIT: gone from every channel; returns the channels they were in. */
  removeEverywhere(nick: string): string[] {
    const folded = this.fold(nick);
    const left = [...(this.byNick.get(folded) ?? [])];
    for (const channel of left) this.channels.get(channel)?.delete(folded);
    this.byNick.delete(folded);
    return left;
  }

  rename(oldNick: string, newNick: IrcNick): void {
    const from = this.fold(oldNick);
    const to = this.fold(newNick);
    for (const channel of [...(this.byNick.get(from) ?? [])]) {
      const members = this.channels.get(channel)!;
      const member = members.get(from)!;
      members.delete(from);
      this.unlink(from, channel);
      this.put(channel, members, newNick, member.prefixes, to);
    }
  }

  /** MODE +o/-o (or any prefix mode) on a member: `symbol` is the mode's PREFIX symbol. */
  setPrefix(channel: string, nick: string, symbol: string, adding: boolean): void {
    const member = this.channels.get(this.fold(channel))?.get(this.fold(nick));
    if (!member) return;
    const without = member.prefixes.replace(symbol, '');
    member.prefixes = adding ? without + symbol : without;
  }

  /** The nick as spelled on the wire when `word` is a member of `channel`. */
  find(channel: string, word: string): IrcNick | undefined {
    return this.channels.get(this.fold(channel))?.get(this.fold(word))?.nick;
  }

  /** The member's prefix symbols ('' for none); undefined when not a member. */
  prefixesOf(channel: string, nick: string): string | undefined {
    return this.channels.get(this.fold(channel))?.get(this.fold(nick))?.prefixes;
  }

  members(channel: string): IrcNick[] {
    return [...(this.channels.get(this.fold(channel))?.values() ?? [])].map((m) => m.nick);
  }

  /** The channels (casefolded) the nick is in. */
  channelsOf(nick: string): string[] {
    return [...(this.byNick.get(this.fold(nick)) ?? [])];
  }

  /** Sets the member in the channel (folded `key`) and in the reverse index. */
  private put(key: string, members: Map<string, Member>, nick: IrcNick, prefixes: string, folded = this.fold(nick)): void {
    members.set(folded, { nick, prefixes });
    let channels = this.byNick.get(folded);
    if (!channels) this.byNick.set(folded, (channels = new Set()));
    channels.add(key);
  }

  private unlink(folded: string, key: string): void {
    const channels = this.byNick.get(folded);
    if (!channels) return;
    channels.delete(key);
    if (channels.size === 0) this.byNick.delete(folded);
  }

  private fold(name: string): string {
    return casefold(name, this.casemapping());
  }
}
