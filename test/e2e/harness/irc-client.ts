/**
 * A scripted IRC user for scenarios, on irc-framework, talking to the run's real IRC server.
 * Everything the client receives is recorded, and every wait looks at that history first, so a
 * line that arrived before the wait began still counts. All waits are bounded.
 */
import { EventEmitter } from 'node:events';
import { readE2eEnv } from './env';
import { WaitTimeoutError } from './wait';

/** The part of irc-framework's Client we use (the package ships no types). */
interface FrameworkClient extends EventEmitter {
  connect(options: Record<string, unknown>): void;
  say(target: string, message: string): void;
  notice(target: string, message: string): void;
  action(target: string, message: string): void;
  join(channel: string, key?: string): void;
  part(channel: string, message?: string): void;
  changeNick(nick: string): void;
  setTopic(channel: string, topic: string): void;
  mode(target: string, mode: string, extraArgs?: string[]): void;
  raw(line: string): void;
  quit(message?: string): void;
  readonly connected: boolean;
  user: { nick: string };
  network: { cap: { enabled: string[] } };
}
const { Client } = require('irc-framework') as { Client: new () => FrameworkClient };

export interface IrcMessage {
  type: 'privmsg' | 'notice' | 'action';
  /** Sender's nick; undefined for server notices. */
  nick: string | undefined;
  target: string;
  message: string;
  ident?: string;
  hostname?: string;
  /** IRCv3 message tags (msgid, time, account, +draft/reply, ...) when the server sent any. */
  tags: Readonly<Record<string, string>>;
}
export interface IrcJoin { nick: string; channel: string; ident?: string; hostname?: string; gecos?: string }
export interface IrcPart { nick: string; channel: string; message: string }
export interface IrcQuit { nick: string; message: string }
export interface IrcKick { kicked: string; nick: string; channel: string; message: string }
export interface IrcNickChange { nick: string; newNick: string }
/** A topic change (with `nick`) or the topic reported on join (RPL_TOPIC, no `nick`). */
export interface IrcTopic { channel: string; topic: string; nick?: string }
export interface IrcMode { target: string; nick: string; rawModes: string; rawParams: string[] }

interface Recorded {
  message: IrcMessage;
  join: IrcJoin;
  part: IrcPart;
  quit: IrcQuit;
  kick: IrcKick;
  nick: IrcNickChange;
  topic: IrcTopic;
  mode: IrcMode;
  raw: string;
}
type Kind = keyof Recorded;

const DEFAULT_WAIT_MS = 15_000;
/** Clients still connected, so a scenario's afterAll can disconnect everything it opened. */
const openClients = new Set<IrcTestClient>();

export class IrcTestClient {
  /** Every line received from the server, without CRLF, in order: for injection tests. */
  readonly rawLines: string[] = [];
  private readonly history: { [K in Kind]: Array<Recorded[K]> } = { message: [], join: [], part: [], quit: [], kick: [], nick: [], topic: [], mode: [], raw: this.rawLines };
  private readonly recorded = new EventEmitter();
  private closed = false;

  constructor(private readonly irc: FrameworkClient) {
    irc.on('raw', (e: { line: string; from_server: boolean }) => e.from_server && this.record('raw', e.line.replace(/\r?\n$/, '')));
    irc.on('message', (e: IrcMessage) => this.record('message', { type: e.type, nick: e.nick, target: e.target, message: e.message, ident: e.ident, hostname: e.hostname, tags: { ...(e.tags ?? {}) } }));
    irc.on('join', (e: IrcJoin) => this.record('join', { nick: e.nick, channel: e.channel, ident: e.ident, hostname: e.hostname, gecos: e.gecos }));
    irc.on('part', (e: IrcPart) => this.record('part', { nick: e.nick, channel: e.channel, message: e.message }));
    irc.on('quit', (e: IrcQuit) => this.record('quit', { nick: e.nick, message: e.message }));
    irc.on('kick', (e: IrcKick) => this.record('kick', { kicked: e.kicked, nick: e.nick, channel: e.channel, message: e.message }));
    irc.on('nick', (e: { nick: string; new_nick: string }) => this.record('nick', { nick: e.nick, newNick: e.new_nick }));
    irc.on('topic', (e: IrcTopic) => this.record('topic', { channel: e.channel, topic: e.topic, nick: e.nick }));
    irc.on('mode', (e: { target: string; nick: string; raw_modes: string; raw_params: string[] }) =>
      this.record('mode', { target: e.target, nick: e.nick, rawModes: e.raw_modes, rawParams: e.raw_params }),
    );
    irc.on('close', () => {
      this.closed = true;
      openClients.delete(this);
      this.recorded.emit('closed');
    });
  }

  /** The nick the server currently knows us by. */
  get nick(): string {
    return this.irc.user.nick;
  }

  /** The IRCv3 capabilities the server enabled for this client. */
  get capabilities(): readonly string[] {
    return [...this.irc.network.cap.enabled];
  }

  get isConnected(): boolean {
    return !this.closed && this.irc.connected;
  }

  /** Joins and resolves when the server confirms it (our own JOIN comes back). */
  async join(channel: string, timeoutMs = DEFAULT_WAIT_MS): Promise<void> {
    const me = this.nick.toLowerCase();
    const already = this.history.join.length;
    this.irc.join(channel);
    await this.waitFor('join', (j) => j.nick.toLowerCase() === me && j.channel.toLowerCase() === channel.toLowerCase(), timeoutMs, already);
  }

  async part(channel: string, message?: string, timeoutMs = DEFAULT_WAIT_MS): Promise<void> {
    const me = this.nick.toLowerCase();
    const already = this.history.part.length;
    this.irc.part(channel, message);
    await this.waitFor('part', (p) => p.nick.toLowerCase() === me && p.channel.toLowerCase() === channel.toLowerCase(), timeoutMs, already);
  }

  /** PRIVMSG; irc-framework splits text longer than one IRC line. */
  say(target: string, text: string): void {
    this.irc.say(target, text);
  }

  /**
   * Says `text` and resolves with the line as the server echoed it back, with its tags (msgid,
   * time): needs a client connected with `echoMessage`.
   */
  async sayEchoed(target: string, text: string, timeoutMs = DEFAULT_WAIT_MS): Promise<IrcMessage> {
    const me = this.nick;
    const already = this.history.message.length;
    this.irc.say(target, text);
    return this.waitFor('message', (m) => m.nick === me && m.message === text, timeoutMs, already);
  }

  notice(target: string, text: string): void {
    this.irc.notice(target, text);
  }

  /** CTCP ACTION (/me). */
  action(target: string, text: string): void {
    this.irc.action(target, text);
  }

  setTopic(channel: string, topic: string): void {
    this.irc.setTopic(channel, topic);
  }

  mode(target: string, mode: string, args?: string[]): void {
    this.irc.mode(target, mode, args);
  }

  changeNick(nick: string): void {
    this.irc.changeNick(nick);
  }

  /** Sends one line exactly as given (CRLF added): for protocol-level and injection tests. */
  sendRaw(line: string): void {
    this.irc.raw(line);
  }

  /** Every PRIVMSG, NOTICE and ACTION received so far, in order: for counting duplicates. */
  get receivedMessages(): readonly IrcMessage[] {
    return this.history.message;
  }

  /**
   * Resolves once this client has seen `nick` in `channel`: its JOIN, or its name in the NAMES
   * reply (353) we got on joining, whichever happened.
   */
  async waitForMember(channel: string, nick: string, timeoutMs = DEFAULT_WAIT_MS): Promise<void> {
    const wantedChannel = channel.toLowerCase();
    const wantedNick = nick.toLowerCase();
    const seen = (tagged: string): boolean => {
      // IRCv3 servers put message tags (`@time=…;account=… `) before the prefix.
      const line = tagged.replace(/^@\S+ /, '');
      const names = / 353 \S+ [=*@] (\S+) :(.*)$/.exec(line);
      if (names) return names[1]!.toLowerCase() === wantedChannel && names[2]!.split(' ').some((n) => n.replace(/^[~&@%+]+/, '').toLowerCase() === wantedNick);
      const join = /^:([^!\s]+)\S* JOIN :?(\S+)/.exec(line);
      return join !== null && join[1]!.toLowerCase() === wantedNick && join[2]!.toLowerCase() === wantedChannel;
    };
    await this.waitFor('raw', seen, timeoutMs);
  }

  waitForMessage(predicate: (m: IrcMessage) => boolean, timeoutMs = DEFAULT_WAIT_MS): Promise<IrcMessage> {
    return this.waitFor('message', predicate, timeoutMs);
  }

  waitForJoin(predicate: (j: IrcJoin) => boolean, timeoutMs = DEFAULT_WAIT_MS): Promise<IrcJoin> {
    return this.waitFor('join', predicate, timeoutMs);
  }

  waitForPart(predicate: (p: IrcPart) => boolean, timeoutMs = DEFAULT_WAIT_MS): Promise<IrcPart> {
    return this.waitFor('part', predicate, timeoutMs);
  }

  waitForQuit(predicate: (q: IrcQuit) => boolean, timeoutMs = DEFAULT_WAIT_MS): Promise<IrcQuit> {
    return this.waitFor('quit', predicate, timeoutMs);
  }

  waitForKick(predicate: (k: IrcKick) => boolean, timeoutMs = DEFAULT_WAIT_MS): Promise<IrcKick> {
    return this.waitFor('kick', predicate, timeoutMs);
  }

  waitForNick(predicate: (n: IrcNickChange) => boolean, timeoutMs = DEFAULT_WAIT_MS): Promise<IrcNickChange> {
    return this.waitFor('nick', predicate, timeoutMs);
  }

  waitForTopic(predicate: (t: IrcTopic) => boolean, timeoutMs = DEFAULT_WAIT_MS): Promise<IrcTopic> {
    return this.waitFor('topic', predicate, timeoutMs);
  }

  waitForMode(predicate: (m: IrcMode) => boolean, timeoutMs = DEFAULT_WAIT_MS): Promise<IrcMode> {
    return this.waitFor('mode', predicate, timeoutMs);
  }

  /** `since`: a `rawLines.length` taken earlier; only lines received after it count. */
  waitForRawLine(predicate: (line: string) => boolean, timeoutMs = DEFAULT_WAIT_MS, since = 0): Promise<string> {
    return this.waitFor('raw', predicate, timeoutMs, since);
  }

  /** Sends QUIT and resolves when the server has closed the connection. */
  async quit(message = 'bye', timeoutMs = 5_000): Promise<void> {
    if (this.closed) return;
    const closed = this.whenClosed(timeoutMs);
    this.irc.quit(message);
    await closed;
  }

  private whenClosed(timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.closed) return resolve();
      const timer = setTimeout(() => {
        this.recorded.off('closed', onClosed);
        reject(new WaitTimeoutError(`the IRC connection of ${this.nick} to close`, timeoutMs));
      }, timeoutMs);
      const onClosed = (): void => {
        clearTimeout(timer);
        resolve();
      };
      this.recorded.once('closed', onClosed);
    });
  }

  private record<K extends Kind>(kind: K, item: Recorded[K]): void {
    (this.history[kind] as Array<Recorded[K]>).push(item);
    this.recorded.emit(kind, item);
  }

  /** First recorded item of `kind` (from index `from` on) matching, now or before the deadline. */
  private waitFor<K extends Kind>(kind: K, predicate: (item: Recorded[K]) => boolean, timeoutMs: number, from = 0): Promise<Recorded[K]> {
    const seen = (this.history[kind] as Array<Recorded[K]>).slice(from).find(predicate);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const onItem = (item: Recorded[K]): void => {
        if (!predicate(item)) return;
        clearTimeout(timer);
        this.recorded.off(kind, onItem);
        resolve(item);
      };
      const timer = setTimeout(() => {
        this.recorded.off(kind, onItem);
        const recent = this.rawLines.slice(-15).map((l) => `  ${l}`).join('\n');
        reject(new WaitTimeoutError(`IRC ${kind} matching ${predicate.toString()} (as ${this.nick})`, timeoutMs, `last lines received:\n${recent}`));
      }, timeoutMs);
      this.recorded.on(kind, onItem);
    });
  }
}

export interface ConnectIrcOptions {
  /**
   * Which server of the run: 'ngircd' (the default, no IRCv3) or 'ircv3' (InspIRCd with Atheme
   * services; registration there takes up to a second).
   */
  server?: 'ngircd' | 'ircv3';
  /** Log in with SASL PLAIN while registering; a refused login fails the connect. */
  sasl?: { account: string; password: string };
  /** Ask for IRCv3 echo-message (our own messages come back with their msgid). */
  echoMessage?: boolean;
  username?: string;
  realname?: string;
  host?: string;
  port?: number;
  timeoutMs?: number;
}

/** Connects a new IRC user to the run's IRC server and resolves once it is registered (001). */
export function connectIrc(nick: string, options: ConnectIrcOptions = {}): Promise<IrcTestClient> {
  const env = options.server === 'ircv3' ? readE2eEnv().ircv3 : readE2eEnv().irc;
  const irc = new Client();
  const client = new IrcTestClient(irc);
  const timeoutMs = options.timeoutMs ?? DEFAULT_WAIT_MS;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      irc.quit('registration timed out');
      reject(new WaitTimeoutError(`IRC registration of ${nick}`, timeoutMs, client.rawLines.join('\n')));
    }, timeoutMs);
    irc.once('registered', () => {
      clearTimeout(timer);
      openClients.add(client);
      resolve(client);
    });
    irc.once('close', () => {
      clearTimeout(timer);
      reject(new Error(`IRC connection for ${nick} closed before registration:\n${client.rawLines.join('\n')}`));
    });
    irc.once('sasl failed', (e: { reason: string }) => {
      clearTimeout(timer);
      irc.quit('SASL failed');
      reject(new Error(`SASL login of ${nick} failed (${e.reason}):\n${client.rawLines.join('\n')}`));
    });
    irc.connect({
      host: options.host ?? env.host,
      port: options.port ?? env.port,
      nick,
      username: options.username ?? (nick.toLowerCase().replace(/[^a-z0-9]/g, '').slice(0, 10) || 'e2e'),
      gecos: options.realname ?? `e2e ${nick}`,
      auto_reconnect: false,
      ...(options.sasl ? { account: options.sasl, sasl_mechanism: 'PLAIN' } : { account: {} }),
      enable_echomessage: options.echoMessage ?? false,
      // No keepalive timers: connections live for one scenario.
      ping_interval: 0,
      ping_timeout: 0,
    });
  });
}

/** Quits every IRC test client still connected; for afterAll/afterEach. */
export async function disconnectAllIrc(): Promise<void> {
  await Promise.all([...openClients].map((c) => c.quit('test finished')));
}

/** A nick no other test of this run uses (ngIRCd here allows 30 characters). */
export function uniqueNick(prefix = 'u'): string {
  return `${prefix}${Date.now().toString(36).slice(-6)}${Math.floor(Math.random() * 1296).toString(36)}`;
}
