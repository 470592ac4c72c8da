/**
 * One connection of the in-process IRC network (see fake-irc.ts): it answers the bridge as an
 * `IrcClient` would and hands everything that other connections should hear to its network.
 * It knows the network only through `FakeIrcNetwork`, so this module does not import the server.
 */
import type { IrcConnectOptions } from '../irc/connect-options';
import type { LiveConnectionSettings, SendReport } from '../irc/connection';
import { IrcError, JoinFailedError } from '../irc/errors';
import { TypedEmitter, type IrcConnectionEvents, type IrcRegisteredEvent } from '../irc/events';
import type { FloodStats } from '../irc/flood';
import type { Isupport } from '../irc/isupport';
import { casefold } from '../mapping/casefold';
import type { IrcChannel, IrcNick } from '../mapping/ids';
import type { IrcClient } from '../network/client';

export interface SentLine {
  from: string;
  kind: 'say' | 'notice' | 'action' | 'raw' | 'topic' | 'kick' | 'mode' | 'invite' | 'part';
  target: string;
  text: string;
}

/** What a connection asks of the network it is on (`FakeIrcServer` implements it). */
export interface FakeIrcNetwork {
  readonly clients: readonly FakeIrcClient[];
  readonly sent: SentLine[];
  readonly prefixes: Map<string, Map<string, string>>;
  readonly isupport: Isupport;
  readonly connectGate: Promise<void> | undefined;
  nextConnectFailure(): IrcError | undefined;
  nickInUse(nick: string, except: FakeIrcClient): boolean;
  saslLogin(options: IrcConnectOptions): boolean;
  joinRefusal(channel: string, key?: string): { numeric: string; reason: string } | undefined;
  broadcastJoin(joiner: FakeIrcClient, channel: IrcChannel): void;
  names(channel: string): Map<IrcNick, string>;
  broadcast(channel: string, except: FakeIrcClient | null, deliver: (c: FakeIrcClient) => void, alsoTo?: FakeIrcClient): void;
  leaveAll(client: FakeIrcClient, reason: string): void;
  setTopic(by: string, channel: string, topic: string): void;
  kick(by: string, channel: string, nick: string, reason?: string): void;
  reportModes(to: FakeIrcClient, channel: string): void;
  setModes(by: string, channel: string, modes: string, params?: readonly string[]): void;
  relay(from: FakeIrcClient, kind: 'say' | 'notice' | 'action', target: string, text: string): void;
}

const fold = (name: string) => casefold(name, 'rfc1459');

export class FakeIrcClient extends TypedEmitter<IrcConnectionEvents> implements IrcClient {
  nick: IrcNick;
  isRegistered = false;
  loggedInWithSasl = false;
  /** IRCv3 capabilities the fake server "enabled" (set by a test). */
  capabilities: readonly string[] = [];
  get isupport(): Isupport { return this.server.isupport; }
  readonly joinedChannels = new Set<string>();
  connects = 0;

  constructor(readonly options: IrcConnectOptions, private readonly server: FakeIrcNetwork) {
    super();
    this.nick = options.nick;
  }

  async connect(): Promise<IrcRegisteredEvent> {
    this.connects++;
    await this.server.connectGate;
    const failure = this.server.nextConnectFailure();
    if (failure) throw failure;
    const candidates = this.options.nickCandidates?.(this.options.nick) ?? [this.options.nick];
    const nick = [...candidates].find((n) => !this.server.nickInUse(n, this));
    if (!nick) throw new IrcError('IRC_NICK_UNAVAILABLE', 'every nick is taken');
    this.loggedInWithSasl = this.server.saslLogin(this.options);
    this.nick = nick;
    this.isRegistered = true;
    const event = { nick, isupport: this.isupport };
    this.emit('registered', event);
    return event;
  }

  async quit(reason = ''): Promise<void> {
    if (!this.isRegistered) return;
    this.server.leaveAll(this, reason);
    this.isRegistered = false;
    this.emit('close', { reason: 'quit', wasRegistered: true });
  }

  say(target: string, text: string): Promise<SendReport> {
    return this.send('say', target, text);
  }

  notice(target: string, text: string): Promise<SendReport> {
    return this.send('notice', target, text);
  }

  action(target: string, text: string): Promise<SendReport> {
    return this.send('action', target, text);
  }

  async join(channel: string, key?: string): Promise<void> {
    this.requireConnected();
    if (this.joinedChannels.has(fold(channel))) return;
    const refusal = this.server.joinRefusal(channel, key);
    if (refusal) throw new JoinFailedError(channel, refusal.numeric, refusal.reason);
    this.joinedChannels.add(fold(channel));
    this.server.broadcastJoin(this, channel as IrcChannel);
    this.emitEvent('names', { channel: channel as IrcChannel, members: this.server.names(channel) });
  }

  async part(channel: string, reason = ''): Promise<void> {
    this.requireConnected();
    this.server.sent.push({ from: this.nick, kind: 'part', target: channel, text: reason });
    this.server.prefixes.get(fold(channel))?.delete(fold(this.nick));
    this.joinedChannels.delete(fold(channel));
    this.server.broadcast(channel, null, (c) => c.emitEvent('part', { nick: this.nick, ident: 'u', host: 'h', all: {}, channel: channel as IrcChannel, reason, self: c === this }), this);
  }

  async changeNick(newNick: string): Promise<IrcNick> {
    this.requireConnected();
    const old = this.nick;
    this.nick = newNick as IrcNick;
    for (const c of this.server.clients) if (c.isRegistered) c.emitEvent('nick', { nick: old, ident: 'u', host: 'h', all: {}, newNick: newNick as IrcNick, self: c === this });
    return this.nick;
  }

  async raw(line: string): Promise<void> {
    this.requireConnected();
    this.server.sent.push({ from: this.nick, kind: 'raw', target: '', text: line });
  }

  async setTopic(channel: string, topic: string): Promise<void> {
    this.requireConnected();
    this.server.sent.push({ from: this.nick, kind: 'topic', target: channel, text: topic });
    this.server.setTopic(this.nick, channel, topic);
  }

  async kick(channel: string, nick: string, reason = ''): Promise<void> {
    this.requireConnected();
    this.server.sent.push({ from: this.nick, kind: 'kick', target: channel, text: `${nick} ${reason}`.trim() });
    this.server.kick(this.nick, channel, nick, reason);
  }

  async invite(nick: string, channel: string): Promise<void> {
    this.requireConnected();
    this.server.sent.push({ from: this.nick, kind: 'invite', target: channel, text: nick });
  }

  /** A mode query (the bot asks after joining) is answered, not recorded: it changes nothing. */
  async requestModes(channel: string): Promise<void> {
    this.requireConnected();
    this.server.reportModes(this, channel);
  }

  async mode(target: string, modes: string, params: readonly string[] = []): Promise<void> {
    this.requireConnected();
    this.server.sent.push({ from: this.nick, kind: 'mode', target, text: [modes, ...params].join(' ') });
    this.server.setModes(this.nick, target, modes, params);
  }
  async whois(_nick: string): Promise<undefined> {
    return undefined;
  }

  /** The settings of the last `applySettings` (a config reload), for tests to check. */
  appliedSettings: LiveConnectionSettings | undefined;

  applySettings(settings: LiveConnectionSettings): void {
    this.appliedSettings = settings;
  }

  floodStats(): FloodStats {
    return { sent: 0, queued: 0, delayed: 0, totalWaitMs: 0, rejected: 0 };
  }

  /** Lets the fake server (and tests) raise any event on this connection. */
  emitEvent<E extends keyof IrcConnectionEvents>(event: E, value: IrcConnectionEvents[E]): void {
    this.emit(event, value);
  }

  /** The connection dropped (network outage, ping timeout): no QUIT from us. */
  drop(): void {
    if (!this.isRegistered) return;
    this.server.leaveAll(this, 'Ping timeout');
    this.isRegistered = false;
    this.emit('close', { reason: 'ping-timeout', wasRegistered: true });
  }

  private async send(kind: 'say' | 'notice' | 'action', target: string, text: string): Promise<SendReport> {
    this.requireConnected();
    if (/[\r\n\0]/.test(target)) throw new Error('unsafe target reached the fake server');
    const lines = text.split('\n');
    for (const line of lines) {
      this.server.sent.push({ from: this.nick, kind, target, text: line });
      this.server.relay(this, kind, target, line);
    }
    return { lines: lines.length, waitedMs: 0 };
  }

  private requireConnected(): void {
    if (!this.isRegistered) throw new IrcError('IRC_NOT_CONNECTED', 'Not connected to the fake server; the bridge reconnects automatically, try again shortly.');
  }
}
