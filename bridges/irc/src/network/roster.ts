/**
 * Who is in each bridged channel, as the bot sees it (NAMES, JOIN, PART, KICK, QUIT, NICK).
 * Used to turn nicks in IRC messages into Matrix pills, and by the channel-state handlers. Its
 * size is the channels' real membership; a channel is dropped when the bot leaves it.
 */
import { casefold, type Casemapping } from '../mapping/casefold';
import type { IrcNick } from '../mapping/ids';

export class ChannelRoster {
  /** folded channel → folded nick → nick as spelled on the wire. */
  private readonly channels = new Map<string, Map<string, IrcNick>>();

  constructor(private readonly casemapping: () => Casemapping) {}

  /** NAMES is complete for the channel: replaces what we knew. */
  reset(channel: string, nicks: Iterable<IrcNick>): void {
    const members = new Map<string, IrcNick>();
    for (const nick of nicks) members.set(this.fold(nick), nick);
    this.channels.set(this.fold(channel), members);
  }

  add(channel: string, nick: IrcNick): void {
    const key = this.fold(channel);
    let members = this.channels.get(key);
    if (!members) this.channels.set(key, (members = new Map()));
    members.set(this.fold(nick), nick);
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
      if (members.delete(from)) members.set(this.fold(newNick), newNick);
    }
  }

  /** The nick as spelled on the wire when `word` is a member of `channel`. */
  find(channel: string, word: string): IrcNick | undefined {
    return this.channels.get(this.fold(channel))?.get(this.fold(word));
  }

  members(channel: string): IrcNick[] {
    return [...(this.channels.get(this.fold(channel))?.values() ?? [])];
  }

  private fold(name: string): string {
    return casefold(name, this.casemapping());
  }
}
