/**
 * The part of irc-framework 4.x (which ships no types) that connection.ts uses. Only
 * connection.ts and socket-transport.ts may import 'irc-framework': the rest of the bridge talks
 * to `IrcConnection`. Field names are irc-framework's own (snake_case); connection.ts converts.
 */
declare module 'irc-framework' {
  /** The socket layer irc-framework drives (its `transport` option). */
  export interface Transport {
    isConnected(): boolean;
    connect(): void;
    writeLine(line: string, cb?: () => void): void;
    close(force?: boolean): void;
    disposeSocket(): void;
    setEncoding(encoding: string): boolean;
    /** Also an event emitter: 'open', 'line' (string), 'close' (Error | false), 'debug'. */
    removeAllListeners(): unknown;
  }

  export type TransportClass = new (options: ClientOptions) => Transport;

  export interface ClientOptions {
    host: string;
    port: number;
    nick: string;
    username: string;
    gecos: string;
    password?: string;
    tls?: boolean;
    encoding?: string;
    version?: string | false;
    auto_reconnect?: boolean;
    ping_interval?: number;
    ping_timeout?: number;
    enable_echomessage?: boolean;
    /** `{}` disables SASL; `{ account, password }` enables SASL PLAIN. */
    account?: { account?: string; password?: string };
    sasl_mechanism?: 'PLAIN' | 'EXTERNAL';
    sasl_disconnect_on_fail?: boolean;
    transport?: TransportClass;
    /** Anything else is passed to the transport untouched. */
    [extra: string]: unknown;
  }

  export type Tags = Record<string, string>;

  export interface MessageEvent {
    from_server: boolean;
    nick: string;
    ident: string;
    hostname: string;
    target: string;
    group?: string;
    message: string;
    tags: Tags;
    time?: number;
    account?: string;
    /** Set when the line arrived inside an IRCv3 BATCH (delivered when the batch ends). */
    batch?: { id: string; type: string; params: string[] };
  }

  /** Which IRCv3 BATCH a line arrived in (delivered when the batch ends). */
  export interface BatchRef { id: string; type: string; params: string[] }
  export interface JoinEvent { nick: string; ident: string; hostname: string; channel: string; gecos: string; account?: string | false; time?: number; tags: Tags; batch?: BatchRef }
  export interface PartEvent { nick: string; ident: string; hostname: string; channel: string; message: string; time?: number; tags: Tags }
  export interface QuitEvent { nick: string; ident: string; hostname: string; message: string; time?: number; tags: Tags; batch?: BatchRef }
  /** ACCOUNT (account-notify): `false` when the user logged out. */
  export interface AccountEvent { nick: string; ident: string; hostname: string; account: string | false; time?: number; tags: Tags }
  /** AWAY (away-notify) and 301; `self` for our own 305/306. */
  export interface AwayEvent { self: boolean; nick: string; message: string; time?: number; tags: Tags }
  /** CHGHOST (new_ident, new_hostname) or SETNAME (new_gecos). */
  export interface UserUpdatedEvent { nick: string; ident: string; hostname: string; new_ident?: string; new_hostname?: string; new_gecos?: string; time?: number; tags: Tags }
  /** A BATCH that ended, after its lines were handled. */
  export interface BatchEndEvent { id: string; type: string; params: string[]; commands: unknown[] }
  export interface CapEvent { command: string; capabilities: Record<string, string> }
  export interface KickEvent { kicked: string; nick: string; ident: string; hostname: string; channel: string; message: string; time?: number; tags: Tags }
  export interface NickEvent { nick: string; ident: string; hostname: string; new_nick: string; time?: number; tags: Tags }
  export interface TopicEvent { channel: string; topic: string; nick?: string; time?: number; tags: Tags }
  export interface ModeEvent { target: string; nick: string; raw_modes: string; raw_params: string[]; time?: number; tags: Tags }
  export interface InviteEvent { nick: string; ident: string; hostname: string; invited: string; channel: string; time?: number; tags: Tags }
  /** 324 (modes: raw_modes set), 329 (created_at) and 328 (url) all arrive as 'channel info'. */
  export interface ChannelInfoEvent { channel: string; raw_modes?: string; raw_params?: string[]; created_at?: number; url?: string; tags: Tags }
  export interface UserlistEvent { channel: string; users: { nick: string; ident: string; hostname: string; modes: string[] }[]; tags: Tags }
  export interface RegisteredEvent { nick: string; tags: Tags }
  export interface NickInUseEvent { nick: string; reason: string }
  export interface IrcErrorEvent { error: string; reason?: string; channel?: string; nick?: string; [field: string]: unknown }
  export interface SaslFailedEvent { reason: string; message?: string }
  export interface WhoisEvent {
    nick: string;
    ident?: string;
    hostname?: string;
    real_name?: string;
    server?: string;
    server_info?: string;
    channels?: string;
    account?: string;
    idle?: string;
    away?: string;
    operator?: string;
    secure?: boolean;
    error?: string;
  }

  export interface ParsedMessage {
    command: string;
    params: string[];
    nick: string;
    ident: string;
    hostname: string;
    prefix: string;
    tags: Tags;
  }

  /** Parses one raw line the way the client does before dispatching it (tests feed handlers with it). */
  export function ircLineParser(line: string): ParsedMessage;

  export interface ClientEvents {
    registered: RegisteredEvent;
    privmsg: MessageEvent;
    notice: MessageEvent;
    action: MessageEvent;
    join: JoinEvent;
    part: PartEvent;
    quit: QuitEvent;
    kick: KickEvent;
    nick: NickEvent;
    topic: TopicEvent;
    mode: ModeEvent;
    invite: InviteEvent;
    userlist: UserlistEvent;
    'channel info': ChannelInfoEvent;
    whois: WhoisEvent;
    account: AccountEvent;
    away: AwayEvent;
    back: AwayEvent;
    'user updated': UserUpdatedEvent;
    'cap ack': CapEvent;
    'batch end netsplit': BatchEndEvent;
    'batch end netjoin': BatchEndEvent;
    'cap del': CapEvent;
    'nick in use': NickInUseEvent;
    'nick invalid': NickInUseEvent;
    'irc error': IrcErrorEvent;
    'sasl failed': SaslFailedEvent;
    loggedin: { account: string };
    'ping timeout': void;
    'socket close': Error | false | undefined;
    close: boolean;
  }

  export class Client {
    constructor(options?: ClientOptions);
    readonly connected: boolean;
    /** The options as given to `connect`; the keepalive timers read ping_* at every reschedule. */
    readonly options: { ping_interval?: number; ping_timeout?: number };
    readonly user: { nick: string; username: string; host?: string };
    readonly network: {
      name: string;
      options: Record<string, unknown>;
      cap: { isEnabled(cap: string): boolean; enabled: string[] };
    };
    connect(options?: ClientOptions): void;
    /** Sends one raw line as given. */
    raw(line: string): void;
    changeNick(nick: string): void;
    /** Adds a capability to those asked for at the next connect (and on CAP NEW). */
    requestCap(cap: string | string[]): void;
    quit(message?: string): void;
    use(middleware: (client: Client, rawMiddleware: Middleware, parsedMiddleware: ParsedMiddleware) => void): this;
    on<E extends keyof ClientEvents>(event: E, listener: (event: ClientEvents[E]) => void): this;
    removeAllListeners(): this;
    readonly connection: { end(data?: string, hadError?: boolean): void; transport: Transport | null };
  }

  export interface Middleware {
    use(fn: (command: string, message: ParsedMessage, rawLine: string, client: Client, next: (err?: Error) => void) => void): void;
  }

  /** Sees each event the client parsed (name and value, as then emitted) just before it is emitted. */
  export interface ParsedMiddleware {
    use(fn: (event: string, value: unknown, client: Client, next: (err?: Error) => void) => void): void;
  }
}
