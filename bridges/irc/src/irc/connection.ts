/**
 * `IrcConnection`: the one typed facade around irc-framework. Everything the bridge sends goes
 * through here, which is what makes two guarantees hold:
 *  - no injection: every line is built by `buildLine` from checked parameters (irc-framework's
 *    own join/part/topic would pass CR/LF through);
 *  - no flooding: every line passes the connection's token bucket (irc-framework has none).
 * Reconnection belongs to the bridge (irc-framework's auto-reconnect is off): after 'close',
 * call `connect()` again, paced by reconnect.ts.
 */
import { outsideRoomTurn } from '@bridgekit/appservice';
import { Client } from 'irc-framework';
import { assertEncoding, buildLine, safeParam, safeTrailing, UnsafeIrcParamError } from '../format/sanitize';
import { estimatePrefixLength } from '../format/split';
import { casefold } from '../mapping/casefold';
import { isIrcChannel, type IrcChannel, type IrcNick } from '../mapping/ids';
import { nickCandidates } from '../mapping/nick-template';
import { systemClock, type Clock } from './clock';
import { toClientOptions, type IrcConnectOptions } from './connect-options';
import { EchoWaiters } from './echoes';
import { IrcError } from './errors';
import { sourceAddressFailure } from './source-address-failure';
import { slimClient } from './slim-client';
import { skipCapsUnusedByPuppets } from './puppet-caps';
import { TypedEmitter, type IrcCloseReason, type IrcConnectionEvents, type IrcRegisteredEvent } from './events';
import { FloodQueue, type FloodStats } from './flood';
import { isupportFrom, type Isupport } from './isupport';
import { JoinLines } from './join-lines';
import { IdleTimeoutError, SocketTransport } from './socket-transport';
import { RegistrationHandshake } from './registration-handshake';
import { RequestReplies } from './request-replies';
import { OutgoingText, type SendOptions, type SendReport } from './outgoing-text';
import { bindEvents, type TranslationContext, type WhoisInfo } from './translate';

/** What of a connection a config reload changes without reconnecting. */
export interface LiveConnectionSettings {
  flood: { capacity: number; refillPerSecond: number; maxQueued: number };
  pingIntervalSeconds: number;
  pingTimeoutSeconds: number;
}

export class IrcConnection extends TypedEmitter<IrcConnectionEvents> {
  private readonly options: IrcConnectOptions;
  private readonly clock: Clock;
  private readonly flood: FloodQueue;
  private client: Client | undefined;
  private currentNick: IrcNick;
  private registered = false;
  private saslDone = false;
  private quitting = false;
  /** A per-user source address being looked up (`sourceAddress`), and whether quit() came meanwhile. */
  private addressLookup: Promise<string | undefined> | undefined;
  private quitDuringLookup = false;
  /** `error`: the socket's own, so a caller can tell a refused or reset connect (retried at once) from others. */
  private closeCause: { reason: IrcCloseReason; message?: string; error?: Error } | undefined;
  private isupportCache: Isupport | undefined;
  private readonly channels = new Set<string>();
  /** JOIN, NICK and WHOIS waiting for the server's answer. */
  private readonly replies: RequestReplies;
  private readonly echoes: EchoWaiters;
  private readonly text: OutgoingText;
  private readonly joinLines = new JoinLines((line) => this.send(line), () => this.isupport.joinTargets);

  constructor(options: IrcConnectOptions) {
    super();
    safeParam(options.username);
    if (options.password !== undefined && /[\r\n\0]/.test(options.password)) {
      throw new UnsafeIrcParamError(options.password, 'it contains a line break or NUL', { secret: 'the server password' });
    }
    assertEncoding(options.encoding ?? 'cp1252');
    this.options = { ...options, realname: safeTrailing(options.realname) };
    this.clock = options.clock ?? systemClock;
    this.currentNick = options.nick;
    this.flood = new FloodQueue({
      capacity: options.flood?.capacity ?? 5,
      refillPerSecond: options.flood?.refillPerSecond ?? 0.5,
      maxQueued: options.flood?.maxQueued ?? 200,
      clock: this.clock,
      write: (line) => this.writeNow(line),
    });
    const replyMs = options.replyTimeoutMs ?? 30_000;
    this.replies = new RequestReplies(this.clock, replyMs, (name) => this.fold(name));
    // Echoes come back within a round trip; a line that does not was refused or filtered.
    this.echoes = new EchoWaiters(this.clock, options.echoTimeoutMs ?? 5_000);
    this.text = new OutgoingText({
      isupport: () => this.isupport, fold: (name) => this.fold(name), messageTags: () => this.messageTags,
      echoMessage: () => this.echoMessage, prefixLength: () => this.prefixLength(), send: (line, beforeWrite) => this.send(line, beforeWrite),
    }, this.flood, this.echoes);
    this.on('message', (e) => {
      if (e.self && !e.fromServer) this.echoes.echoed({ target: this.fold(e.target), kind: e.kind, text: e.text }, e.msgid);
    });
    this.on('serverError', (e) => {
      const target = e.channel ?? e.nick;
      if (target) this.echoes.refused(this.fold(target));
    });
  }

  /** Our nick right now (it can differ from the configured one after a 433 or a NICK). */
  get nick(): IrcNick {
    return this.currentNick;
  }

  get isRegistered(): boolean {
    return this.registered;
  }

  /** Whether this connection logged in with SASL (903) while registering. */
  get loggedInWithSasl(): boolean {
    return this.saslDone;
  }

  /** The server's ISUPPORT values (RFC defaults until it has sent them). */
  get isupport(): Isupport {
    this.isupportCache ??= isupportFrom(this.client?.network.options ?? {});
    return this.isupportCache;
  }

  /** True when the server echoes our own messages back (they arrive with `self: true`). */
  get echoMessage(): boolean {
    return this.client?.network.cap.isEnabled('echo-message') ?? false;
  }

  /** True when the server accepts message tags from us (IRCv3 message-tags). */
  get messageTags(): boolean {
    return this.client?.network.cap.isEnabled('message-tags') ?? false;
  }

  /** True when the server labels its replies to our requests (IRCv3 labeled-response). */
  get labeledResponse(): boolean {
    return this.client?.network.cap.isEnabled('labeled-response') ?? false;
  }

  /** The IRCv3 capabilities the server enabled for us. */
  get capabilities(): readonly string[] {
    return [...(this.client?.network.cap.enabled ?? [])];
  }

  /** Channels we are in, casefolded. */
  get joinedChannels(): ReadonlySet<string> {
    return this.channels;
  }

  floodStats(): FloodStats {
    return this.flood.stats();
  }

  /**
   * Flood control and keepalive changed (a config reload): applied to this connection as it is,
   * socket and all, and to every later connect. irc-framework reads its ping interval at each
   * reschedule, so the new interval applies from the next PING on; the ping timeout is the
   * socket's idle timeout (socket-transport.ts) and applies at once.
   */
  applySettings(settings: LiveConnectionSettings): void {
    const flood = { ...settings.flood };
    this.flood.reconfigure(flood);
    Object.assign(this.options, { flood, pingIntervalSeconds: settings.pingIntervalSeconds, pingTimeoutSeconds: settings.pingTimeoutSeconds });
    const client = this.client;
    if (!client) return;
    Object.assign(client.options, { ping_interval: settings.pingIntervalSeconds });
    const transport = client.connection.transport;
    if (transport instanceof SocketTransport) transport.setIdleTimeout((settings.pingIntervalSeconds + settings.pingTimeoutSeconds) * 1000);
  }

  /**
   * Connects and registers. Resolves once the server has welcomed us (001) and sent its
   * ISUPPORT and MOTD; rejects with an `IrcError` (IRC_CONNECT_FAILED, IRC_BAD_PASSWORD,
   * IRC_NICK_UNAVAILABLE, IRC_SASL_FAILED, IRC_REGISTRATION_TIMEOUT, ...) otherwise.
   * 'close' is emitted only for connections that had registered.
   * `accepted` runs once, at the server's first line: the server has taken the connection off
   * its listen backlog (the connect gate frees its slot then, not at the end of registration).
   */
  connect(accepted?: () => void): Promise<IrcRegisteredEvent> {
    if (this.client || this.addressLookup) return Promise.reject(new Error('This IrcConnection is already connected or connecting; call quit() first.'));
    const source = this.options.sourceAddress;
    if (!source) return this.register(this.options.localAddress, accepted);
    // The per-user address may need the store: ask at each connect (a reload can change the prefix).
    const lookup = source();
    this.addressLookup = lookup;
    return lookup.finally(() => { this.addressLookup = undefined; }).then((address) => {
      if (this.quitDuringLookup) {
        this.quitDuringLookup = false;
        throw new IrcError('IRC_NOT_CONNECTED', `The connection to ${this.options.host} was closed before it was opened.`);
      }
      return this.register(address ?? this.options.localAddress, accepted);
    });
  }

  private register(localAddress: string | undefined, accepted: (() => void) | undefined): Promise<IrcRegisteredEvent> {
    const o = this.options;
    const client = new Client();
    slimClient(client);
    if (o.onlyOwnTraffic) skipCapsUnusedByPuppets(client);
    // Not among irc-framework's defaults; used for WHOIS (labels.ts).
    client.requestCap('labeled-response');
    this.client = client;
    this.registered = false;
    this.saslDone = false;
    this.quitting = false;
    this.closeCause = undefined;
    this.isupportCache = undefined;
    this.channels.clear();
    const candidates = (o.nickCandidates ?? ((n: IrcNick) => nickCandidates(n, Math.max(9, n.length))))(o.nick)[Symbol.iterator]();
    this.currentNick = candidates.next().value ?? o.nick;
    const asked = this.currentNick;

    return new Promise<IrcRegisteredEvent>((resolve, reject) => {
      const handshake = new RegistrationHandshake(client, {
        options: o, clock: this.clock, candidates, accepted,
        nick: () => this.currentNick,
        setNick: (nick) => { this.currentNick = nick; },
        saslDone: () => this.saslDone,
        noteSaslDone: () => { this.saslDone = true; },
        noteIsupport: () => { this.isupportCache = undefined; },
        noteServerError: (message) => { this.closeCause = { reason: 'server-error', message }; },
        afterWelcome: (message) => this.replies.onNumeric(message),
        onError: (error) => this.emit('error', error),
        settled: (error) => {
          if (error) return reject(error);
          this.registered = true;
          const event = { nick: this.currentNick, asked, isupport: this.isupport };
          this.emit('registered', event);
          resolve(event);
        },
      });
      client.on('socket close', (error) => {
        if (error instanceof IdleTimeoutError) this.closeCause ??= { reason: 'ping-timeout', message: 'No answer to PING' };
        else if (error && !this.closeCause) this.closeCause = { reason: 'socket-error', message: error.message, error };
      });
      client.on('close', () => {
        const wasRegistered = this.registered;
        const cause = this.quitting ? { reason: 'quit' as const } : this.closeCause ?? { reason: 'server-closed' as const };
        const socketError = 'error' in cause ? cause.error : undefined;
        handshake.finish(sourceAddressFailure(socketError, localAddress) ?? new IrcError(cause.reason === 'socket-error' ? 'IRC_CONNECT_FAILED' : 'IRC_CONNECTION_CLOSED',
          `The connection to ${o.host}:${o.port} closed before registration${cause.message ? `: ${cause.message}` : ''}.`,
          socketError ? { cause: socketError } : {}));
        this.onClosed(client, wasRegistered, cause);
      });
      bindEvents(client, this.translationContext(), (event, value) => this.emit(event, value));
      this.replies.watch(client);
      // cap-notify: after registration the server may offer new capabilities (irc-framework asks
      // for those it wants) or withdraw some; both change what this connection does from then on.
      client.on('cap ack', (e) => this.capabilitiesChanged(Object.keys(e.capabilities), []));
      client.on('cap del', (e) => this.capabilitiesChanged([], Object.keys(e.capabilities)));
      // The socket outlives whatever opened it (often a Matrix event's handler, in its room's
      // turn): its events must not count as part of that turn (the core's re-entrancy check).
      outsideRoomTurn(() => client.connect(toClientOptions({ ...this.options, ...(localAddress !== undefined ? { localAddress } : {}) }, this.currentNick)));
    });
  }

  /** Sends a PRIVMSG, split into as many lines as needed. */
  say(target: string, text: string, options: SendOptions = {}): Promise<SendReport> {
    return this.text.send('PRIVMSG', target, text, false, options);
  }

  notice(target: string, text: string, options: SendOptions = {}): Promise<SendReport> {
    return this.text.send('NOTICE', target, text, false, options);
  }

  /** A `/me` (CTCP ACTION). */
  action(target: string, text: string, options: SendOptions = {}): Promise<SendReport> {
    return this.text.send('PRIVMSG', target, text, true, options);
  }

  /** Joins and resolves when the server confirms; rejects with `JoinFailedError` when refused. */
  async join(channel: string, key?: string): Promise<void> {
    const name = this.checkChannel(channel);
    // Checked before the join is pending, so a bad key fails this call without leaving a waiter.
    const line = buildLine('JOIN', key ? [name, safeParam(key, { secret: 'the channel key' })] : [name]);
    const folded = this.fold(name);
    if (this.channels.has(folded)) return;
    // Joins without a key asked in the same turn share lines (join-lines.ts).
    return this.replies.join(folded, line, key ? (l) => this.send(l) : () => this.joinLines.add(name));
  }

  async part(channel: string, reason?: string): Promise<void> {
    const name = this.checkChannel(channel);
    await this.send(buildLine('PART', [name], reason));
  }

  /** Sets the topic; an empty topic clears it. */
  async setTopic(channel: string, topic: string): Promise<void> {
    await this.send(buildLine('TOPIC', [this.checkChannel(channel)], topic));
  }

  async kick(channel: string, nick: string, reason?: string): Promise<void> {
    await this.send(buildLine('KICK', [this.checkChannel(channel), safeParam(nick)], reason));
  }

  async invite(nick: string, channel: string): Promise<void> {
    await this.send(buildLine('INVITE', [safeParam(nick), this.checkChannel(channel)]));
  }

  /** Asks for a channel's modes; the server's 324 comes back as a `mode` event with `current` set. */
  async requestModes(channel: string): Promise<void> {
    const line = buildLine('MODE', [this.checkChannel(channel)]);
    // Behind every other line: asked for each channel joined, a thousand at a bot's start.
    if (!this.registered) await this.send(line);
    else await this.flood.enqueueBackground(line);
  }

  /** `mode('#chan', '+o', ['alice'])`, or user modes with our own nick as target. */
  async mode(target: string, modes: string, params: readonly string[] = []): Promise<void> {
    await this.send(buildLine('MODE', [safeParam(target), safeParam(modes), ...params.map((p) => safeParam(p))]));
  }

  /** Changes nick; resolves with the new nick when the server confirms, rejects on 43x. */
  async changeNick(newNick: string): Promise<IrcNick> {
    return this.replies.changeNick(safeParam(newNick), (line) => this.send(line));
  }

  /** WHOIS; undefined when no such nick is online. */
  async whois(nick: string): Promise<WhoisInfo | undefined> {
    return this.replies.whois(safeParam(nick), this.labeledResponse, (line) => this.send(line));
  }

  /** Sends one raw line through flood control. Refuses line breaks instead of splitting. */
  async raw(line: string): Promise<void> {
    // Raw lines carry IDENTIFY and PASS arguments: the error must not quote them.
    if (/[\r\n\0]/.test(line)) throw new UnsafeIrcParamError(line, 'a raw line must be a single line', { secret: 'the raw line' });
    await this.send(line);
  }

  /** Sends QUIT and resolves once the connection is closed (forcibly after a few seconds). */
  async quit(reason = ''): Promise<void> {
    const client = this.client;
    if (!client) {
      if (this.addressLookup) this.quitDuringLookup = true;
      return;
    }
    this.quitting = true;
    this.flood.clear('the connection is quitting');
    if (!this.registered) {
      // Still registering: connect() rejects, and there is nobody to say goodbye to.
      client.connection.end(undefined, true);
      return;
    }
    const closed = this.once('close');
    const force = this.clock.setTimeout(() => client.connection.end(undefined, true), 5_000);
    client.quit(safeTrailing(reason));
    await closed;
    this.clock.clearTimeout(force);
  }

  /** What translate.ts may see and update: kept private so callers cannot fake server events. */
  private translationContext(): TranslationContext {
    return {
      isupport: () => this.isupport,
      isSelf: (nick) => this.fold(nick) === this.fold(this.currentNick),
      noteSelf: (kind, name) => {
        const folded = this.fold(name);
        if (kind === 'join') {
          this.channels.add(folded);
          this.replies.joined(folded);
        } else if (kind === 'part') {
          this.channels.delete(folded);
        } else {
          this.currentNick = name as IrcNick;
          this.replies.nickChanged(name as IrcNick);
        }
      },
      noteWhois: (nick, info) => this.replies.whoisAnswered(nick, info),
      awaitsWhois: (nick) => this.replies.awaitsWhois(nick),
    };
  }

  /** (irc-framework answers a CAP NEW of nothing it wants with an empty CAP REQ: its empty ACK is no change.) */
  private capabilitiesChanged(added: string[], removed: string[]): void {
    if (this.registered && added.length + removed.length > 0) this.emit('capabilities', { added, removed, enabled: this.capabilities });
  }

  private onClosed(client: Client, wasRegistered: boolean, cause: { reason: IrcCloseReason; message?: string }): void {
    if (this.client !== client) return;
    this.client = undefined;
    this.registered = false;
    this.channels.clear();
    this.flood.clear('the IRC connection closed');
    const closed = new IrcError('IRC_CONNECTION_CLOSED', `The connection to ${this.options.host} closed${cause.message ? `: ${cause.message}` : ''}.`);
    this.replies.rejectAll(closed);
    this.echoes.clear();
    this.replies.clearLabels();
    client.removeAllListeners();
    if (wasRegistered) this.emit('close', { ...cause, wasRegistered });
  }

  private send(line: string, beforeWrite?: () => void) {
    if (!this.registered) {
      return Promise.reject(new IrcError('IRC_NOT_CONNECTED', `Not connected to ${this.options.host}; the bridge reconnects automatically, try again shortly.`));
    }
    return this.flood.enqueue(line, beforeWrite);
  }

  private writeNow(line: string): void {
    if (!this.client?.connected) throw new IrcError('IRC_NOT_CONNECTED', `The connection to ${this.options.host} closed before the line could be sent.`);
    this.client.raw(line);
  }

  private prefixLength(): number {
    const host = this.client?.user.host;
    return estimatePrefixLength({ nickLength: this.currentNick.length, userLength: this.options.username.length + 1, hostLength: host ? host.length : 63 });
  }

  private checkChannel(channel: string): IrcChannel {
    const name = safeParam(channel);
    if (!isIrcChannel(name, this.isupport.chanTypes)) throw new UnsafeIrcParamError(channel, `it is not a channel name on this network (channels start with one of "${this.isupport.chanTypes}")`);
    return name;
  }

  private fold(name: string): string {
    return casefold(name, this.isupport.casemapping);
  }
}

export type { IrcConnectOptions, SendOptions, SendReport, WhoisInfo };
