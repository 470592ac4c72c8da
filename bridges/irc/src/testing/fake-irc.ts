/**
 * An in-process IRC network for unit tests of the runtime: every connection the bridge makes is
 * a `FakeIrcClient` (fake-irc-client.ts) on one `FakeIrcServer`, which relays channel lines between
 * its clients like a real server (so the bot really hears the puppets, and echo suppression is
 * really tested). Not a protocol implementation: integration tests use a real ngIRCd (irc/test-ircd.ts).
 */
import type { IrcConnectOptions } from '../irc/connect-options';
import { IrcError } from '../irc/errors';
import type { IrcMessageEvent } from '../irc/events';
import { DEFAULT_ISUPPORT, parseModeChanges, type Isupport } from '../irc/isupport';
import { casefold } from '../mapping/casefold';
import type { IrcChannel, IrcNick } from '../mapping/ids';
import type { IrcClientFactory } from '../network/client';
import { FakeIrcClient, type FakeIrcNetwork, type SentLine } from './fake-irc-client';

export type { SentLine } from './fake-irc-client';

const ISUPPORT: Isupport = { ...DEFAULT_ISUPPORT, nickLength: 30 };
const fold = (name: string) => casefold(name, 'rfc1459');

export class FakeIrcServer implements FakeIrcNetwork {
  readonly clients: FakeIrcClient[] = [];
  readonly sent: SentLine[] = [];

  /** The text of every line the connection with `nick` sent, in order. */
  linesFrom(nick: string): string[] {
    return this.sent.filter((l) => l.from === nick).map((l) => l.text);
  }
  /** What every connection is told in 005; a test may announce more (e.g. CHANNELLEN). */
  isupport: Isupport = ISUPPORT;
  private readonly refusedJoins = new Map<string, { numeric: string; reason: string }>();
  private readonly moderated = new Set<string>();
  /** Members without a connection of their own ("real" IRC users), per folded channel. */
  private readonly externals = new Map<string, Map<string, IrcNick>>();
  /** Prefix symbols of members, per folded channel and folded nick. */
  readonly prefixes = new Map<string, Map<string, string>>();
  /** The '324' answer for each channel: mode letters set (besides prefixes), e.g. 'nt'. */
  readonly channelModes = new Map<string, { flags: string; key?: string }>();
  private readonly connectFailures: IrcError[] = [];
  /** While set, connections wait for it before registering (a slow server). */
  connectGate: Promise<void> | undefined;
  /** Refuse JOINs of +k channels without the key (off: most scenarios set +k with the bot already in). */
  checkKeys = false;
  /** Whether the server offers SASL (PLAIN); false is like ngIRCd. */
  offersSasl = true;
  /** Services accounts → passwords SASL checks; when unset, any SASL login succeeds. */
  saslAccounts: Map<string, string> | undefined;

  readonly factory: IrcClientFactory = (options) => {
    const client = new FakeIrcClient(options, this);
    this.clients.push(client);
    return client;
  };

  client(nick: string): FakeIrcClient | undefined {
    return this.clients.find((c) => c.isRegistered && fold(c.nick) === fold(nick));
  }

  nickInUse(nick: string, except: FakeIrcClient): boolean {
    return this.clients.some((c) => c !== except && c.isRegistered && fold(c.nick) === fold(nick));
  }

  /** New connections wait until the returned function is called (a slow server). */
  holdConnects(): () => void {
    let release!: () => void;
    this.connectGate = new Promise((resolve) => { release = resolve; });
    return () => {
      this.connectGate = undefined;
      release();
    };
  }

  failNextConnects(count: number, error = new IrcError('IRC_CONNECT_FAILED', 'connection refused')): void {
    for (let i = 0; i < count; i++) this.connectFailures.push(error);
  }

  /** The server is back: connects queued to fail by `failNextConnects` succeed again. */
  acceptConnects(): void {
    this.connectFailures.length = 0;
  }

  /** Whether a connection with these options logs in with SASL; throws as a real connection fails. */
  saslLogin(options: IrcConnectOptions): boolean {
    const sasl = options.sasl;
    if (sasl?.mechanism !== 'PLAIN') return false;
    if (!this.offersSasl) {
      if (sasl.optional) return false;
      throw new IrcError('IRC_SASL_FAILED', 'SASL login to irc.test failed (capability_missing)');
    }
    if (this.saslAccounts && this.saslAccounts.get(sasl.account) !== sasl.password) throw new IrcError('IRC_SASL_FAILED', 'SASL login to irc.test failed (fail)');
    return true;
  }

  nextConnectFailure(): IrcError | undefined {
    return this.connectFailures.shift();
  }

  refuseJoin(channel: string, numeric = '474', reason = 'Cannot join channel (+b)'): void {
    this.refusedJoins.set(fold(channel), { numeric, reason });
  }

  /** A set refusal, else (with `checkKeys`) 475 for a wrong key of a +k channel (`channelModes`). */
  joinRefusal(channel: string, key?: string): { numeric: string; reason: string } | undefined {
    const wanted = this.checkKeys ? this.channelModes.get(fold(channel))?.key : undefined;
    return this.refusedJoins.get(fold(channel)) ?? (wanted !== undefined && key !== wanted ? { numeric: '475', reason: 'Bad channel key' } : undefined);
  }

  /** +m: lines from the bridge's connections are refused with 404 after they were sent. */
  moderate(channel: string): void {
    this.moderated.add(fold(channel));
  }

  /** A user who is not the bridge talks (channel or private). */
  userSays(nick: string, target: string, text: string, kind: IrcMessageEvent['kind'] = 'privmsg', tags: Record<string, string> = {}): void {
    const event = (self: boolean): IrcMessageEvent => ({
      kind, nick: nick as IrcNick, ident: 'user', host: 'irc.example', all: tags, target, text, fromServer: false, self,
    });
    if (target.startsWith('#')) this.broadcast(target, null, (c) => c.emitEvent('message', event(false)));
    else this.client(target)?.emitEvent('message', event(false));
  }

  userJoins(nick: string, channel: string): void {
    this.externalsOf(channel).set(fold(nick), nick as IrcNick);
    this.broadcast(channel, null, (c) => c.emitEvent('join', { nick: nick as IrcNick, ident: 'user', host: 'irc.example', all: {}, channel: channel as IrcChannel, self: false }));
  }

  userParts(nick: string, channel: string, reason = ''): void {
    this.broadcast(channel, null, (c) => c.emitEvent('part', { nick: nick as IrcNick, ident: 'user', host: 'irc.example', all: {}, channel: channel as IrcChannel, reason, self: false }));
    this.externalsOf(channel).delete(fold(nick));
    this.prefixes.get(fold(channel))?.delete(fold(nick));
  }

  /** A user without a connection of ours quits: everyone sharing a channel with them hears it once. */
  userQuits(nick: string, reason = ''): void {
    const told = new Set<FakeIrcClient>();
    for (const [channel, members] of this.externals) {
      if (!members.has(fold(nick))) continue;
      this.broadcast(channel, null, (c) => {
        if (told.has(c)) return;
        told.add(c);
        c.emitEvent('quit', { nick: nick as IrcNick, ident: 'user', host: 'irc.example', all: {}, reason });
      });
      members.delete(fold(nick));
      this.prefixes.get(channel)?.delete(fold(nick));
    }
  }

  userChangesNick(nick: string, newNick: string): void {
    const told = new Set<FakeIrcClient>();
    for (const [channel, members] of this.externals) {
      if (!members.delete(fold(nick))) continue;
      members.set(fold(newNick), newNick as IrcNick);
      const prefixes = this.prefixes.get(channel);
      const had = prefixes?.get(fold(nick));
      if (prefixes && had !== undefined) {
        prefixes.delete(fold(nick));
        prefixes.set(fold(newNick), had);
      }
      this.broadcast(channel, null, (c) => {
        if (told.has(c)) return;
        told.add(c);
        c.emitEvent('nick', { nick: nick as IrcNick, ident: 'user', host: 'irc.example', all: {}, newNick: newNick as IrcNick, self: false });
      });
    }
  }

  /** Who is in the channel, with prefix symbols, as a 353 NAMES reply would list them. */
  names(channel: string): Map<IrcNick, string> {
    const members = new Map<IrcNick, string>();
    const prefixes = this.prefixes.get(fold(channel));
    for (const c of this.clients) if (c.isRegistered && c.joinedChannels.has(fold(channel))) members.set(c.nick, prefixes?.get(fold(c.nick)) ?? '');
    for (const [folded, nick] of this.externalsOf(channel)) members.set(nick, prefixes?.get(folded) ?? '');
    return members;
  }

  /** MODE from `by` (a user or the server): updates prefixes and flags, and tells the channel. */
  setModes(by: string, channel: string, modes: string, params: readonly string[] = []): void {
    const changes = parseModeChanges(modes, params, ISUPPORT);
    const state = this.channelModes.get(fold(channel)) ?? { flags: '' };
    for (const change of changes) {
      const prefix = ISUPPORT.prefix.find((p) => p.mode === change.mode);
      if (prefix && change.param) {
        let map = this.prefixes.get(fold(channel));
        if (!map) this.prefixes.set(fold(channel), (map = new Map()));
        const current = (map.get(fold(change.param)) ?? '').replace(prefix.symbol, '');
        map.set(fold(change.param), change.adding ? current + prefix.symbol : current);
      } else if (change.mode === 'k') {
        if (change.adding && change.param) state.key = change.param;
        else delete state.key;
      } else if (!ISUPPORT.chanModes.list.includes(change.mode)) {
        state.flags = state.flags.replace(change.mode, '') + (change.adding ? change.mode : '');
      }
    }
    this.channelModes.set(fold(channel), state);
    this.broadcast(channel, null, (c) => c.emitEvent('mode', { all: {}, target: channel, setBy: by, changes }));
  }

  /** Answers a `MODE #channel` query (324) to one connection. */
  reportModes(to: FakeIrcClient, channel: string): void {
    const state = this.channelModes.get(fold(channel)) ?? { flags: '' };
    const modes = `+${state.flags}${state.key ? 'k' : ''}`;
    to.emitEvent('mode', { all: {}, target: channel, setBy: '', changes: parseModeChanges(modes, state.key ? [state.key] : [], ISUPPORT), current: true });
  }

  setTopic(by: string, channel: string, topic: string): void {
    this.broadcast(channel, null, (c) => c.emitEvent('topic', { all: {}, channel: channel as IrcChannel, topic, setBy: by as IrcNick }));
  }

  /** KICK by anyone: the channel hears it, and the kicked (connection or user) is out. */
  kick(by: string, channel: string, nick: string, reason = ''): void {
    const kicked = this.client(nick);
    this.broadcast(channel, null, (c) => c.emitEvent('kick', {
      nick: by as IrcNick, ident: 'u', host: 'h', all: {}, channel: channel as IrcChannel, kicked: nick as IrcNick, reason, self: c === kicked,
    }));
    kicked?.joinedChannels.delete(fold(channel));
    this.externalsOf(channel).delete(fold(nick));
    this.prefixes.get(fold(channel))?.delete(fold(nick));
  }

  private externalsOf(channel: string): Map<string, IrcNick> {
    let members = this.externals.get(fold(channel));
    if (!members) this.externals.set(fold(channel), (members = new Map()));
    return members;
  }

  /** Every connection dropped at once (netsplit, server restart). */
  dropAll(): void {
    for (const c of [...this.clients]) c.drop();
  }

  relay(from: FakeIrcClient, kind: 'say' | 'notice' | 'action', target: string, text: string): void {
    const event = (to: FakeIrcClient): IrcMessageEvent => ({
      kind: kind === 'say' ? 'privmsg' : kind, nick: from.nick, ident: 'u', host: 'h', all: {}, target, text, fromServer: false, self: to === from,
    });
    if (target.startsWith('#')) {
      if (this.moderated.has(fold(target))) {
        from.emitEvent('serverError', { error: 'cannot_send_to_channel', channel: target, reason: 'Cannot send to channel' });
        return;
      }
      this.broadcast(target, from, (c) => c.emitEvent('message', event(c)));
    } else {
      const to = this.client(target);
      if (to) to.emitEvent('message', event(to));
      else from.emitEvent('serverError', { error: 'no_such_nick', nick: target, reason: 'No such nick/channel' });
    }
  }

  broadcastJoin(joiner: FakeIrcClient, channel: IrcChannel): void {
    this.broadcast(channel, null, (c) => c.emitEvent('join', { nick: joiner.nick, ident: 'u', host: 'h', all: {}, channel, self: c === joiner }));
  }

  broadcast(channel: string, except: FakeIrcClient | null, deliver: (c: FakeIrcClient) => void, alsoTo?: FakeIrcClient): void {
    for (const c of this.clients) {
      if (c === except || !c.isRegistered) continue;
      if (c.joinedChannels.has(fold(channel)) || c === alsoTo) deliver(c);
    }
  }

  leaveAll(client: FakeIrcClient, reason: string): void {
    const channels = [...client.joinedChannels];
    client.joinedChannels.clear();
    const told = new Set<FakeIrcClient>();
    for (const channel of channels) {
      this.broadcast(channel, client, (c) => {
        if (told.has(c)) return;
        told.add(c);
        c.emitEvent('quit', { nick: client.nick, ident: 'u', host: 'h', all: {}, reason });
      });
    }
  }
}
