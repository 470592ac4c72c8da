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

  constructor(private readonly casemapping: () => Casemapping) {}

  /** NAMES is complete for the channel: replaces what we knew. A map gives each nick's prefix symbols. */
  reset(channel: string, nicks: Iterable<IrcNick> | ReadonlyMap<IrcNick, string>): void {
    const members = new Map<string, Member>();
    if (nicks instanceof Map) {
      for (const [nick, prefixes] of nicks as ReadonlyMap<IrcNick, string>) members.set(this.fold(nick), { nick, prefixes });
    } else {
      for (const nick of nicks as Iterable<IrcNick>) members.set(this.fold(nick), { nick, prefixes: '' });
    }
    this.channels.set(this.fold(channel), members);
  }

  add(channel: string, nick: IrcNick): void {
    const key = this.fold(channel);
    let members = this.channels.get(key);
    if (!members) this.channels.set(key, (members = new Map()));
    members.set(this.fold(nick), { nick, prefixes: '' });
  }

  remove(channel: string, nick: string): void {
    this.channels.get(this.fold(channel))?.delete(this.fold(nick));
  }

  /** The bot left the channel: nothing is known about it any more. */
  dropChannel(channel: string): void {
    this.channels.delete(this.fold(channel));
  }

  /** QUIT: gone from every channel; returns the channels they were in. */
  removeEverywhere(nick: string): string[] {
    const folded = this.fold(nick);
    const left: string[] = [];
    for (const [channel, members] of this.channels) if (members.delete(folded)) left.push(channel);
    return left;
  }

  rename(oldNick: string, newNick: IrcNick): void {
    const from = this.fold(oldNick);
    for (const members of this.channels.values()) {
      const member = members.get(from);
      if (!member) continue;
      members.delete(from);
      members.set(this.fold(newNick), { nick: newNick, prefixes: member.prefixes });
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
    const folded = this.fold(nick);
    return [...this.channels].filter(([, members]) => members.has(folded)).map(([channel]) => channel);
  }

  private fold(name: string): string {
    return casefold(name, this.casemapping());
  }
}
