/**
 * The options of an IRC connection, and their translation into irc-framework's option object
 * (whose socket part goes to SocketTransport under `bridgekit`).
 */
import type { ClientOptions } from 'irc-framework';
import { safeTrailing } from '../format/sanitize';
import type { IrcNick } from '../mapping/ids';
import type { IdentRegistry } from '../ident/registry';
import type { Clock } from './clock';
import { SocketTransport, type SocketOptions } from './socket-transport';

export interface IrcConnectOptions {
  host: string;
  port: number;
  tls?: boolean;
  /** PEM CA to trust for this server instead of the system store. */
  ca?: string | Buffer;
  /** Default true. false accepts any certificate: test networks only. */
  rejectUnauthorized?: boolean;
  /** Client certificate (CertFP); required for SASL EXTERNAL. */
  clientCert?: { cert: string | Buffer; key: string | Buffer };
  localAddress?: string;
  /**
   * Asked at each connect for the local address (a Matrix user's own IPv6 address, looked up
   * in the store); undefined falls back to `localAddress`. A bind the host refuses fails the
   * connect with IRC_SOURCE_ADDRESS_UNAVAILABLE.
   */
  sourceAddress?: () => Promise<string | undefined>;
  /** Where the open socket is registered so the identd can answer for it (ident/). */
  ident?: IdentRegistry;
  /** Server password (PASS). */
  password?: string;
  nick: IrcNick;
  username: string;
  realname: string;
  /**
   * SASL login while registering. A server that refuses it fails the connection (IRC_SASL_FAILED),
   * and so does one without SASL unless `optional`: then registration goes on without it, and
   * `IrcConnection.loggedInWithSasl` says it did not happen (so the caller can identify otherwise).
   * An optional EXTERNAL is also no failure when refused: a user's certificate that is not (yet)
   * on their services account must not keep them off IRC.
   */
  sasl?: { mechanism: 'PLAIN'; account: string; password: string; optional?: boolean } | { mechanism: 'EXTERNAL'; optional?: boolean };
  /** Decoding for incoming lines that are not valid UTF-8 (default 'cp1252'). Output is UTF-8. */
  encoding?: string;
  /** Nicks to try, in order, when the server says the nick is taken (433) at registration. */
  nickCandidates?: (nick: IrcNick) => Iterable<IrcNick>;
  registrationTimeoutMs?: number;
  /** How long JOIN, NICK and WHOIS wait for the server's answer. */
  replyTimeoutMs?: number;
  pingIntervalSeconds?: number;
  pingTimeoutSeconds?: number;
  flood?: { capacity?: number; refillPerSecond?: number; maxQueued?: number };
  /** Ask for IRCv3 echo-message: the server then sends our own messages back (`self: true`). */
  echoMessage?: boolean;
  /**
   * With echo-message, how long a sent line waits for its echo before it counts as not having
   * come back (default 5 s); a refusal from the server (404, 401, ...) ends the wait at once.
   */
  echoTimeoutMs?: number;
  /**
   * Answer CTCP VERSION with this text. Off by default: irc-framework writes the reply itself,
   * outside flood control, so a stream of VERSION requests could get the connection killed.
   */
  version?: string;
  /**
   * Drop other users' channel messages, joins, parts and quits before irc-framework parses them
   * (see line-filter.ts). For puppets, whose channels the bot bridges; never for the bot.
   */
  onlyOwnTraffic?: boolean;
  clock?: Clock;
}

export function toClientOptions(o: IrcConnectOptions, nick: IrcNick): ClientOptions {
  const socket: SocketOptions = {
    host: o.host,
    port: o.port,
    tls: o.tls ?? false,
    ca: o.ca,
    cert: o.clientCert?.cert,
    key: o.clientCert?.key,
    rejectUnauthorized: o.rejectUnauthorized,
    localAddress: o.localAddress,
    fallbackEncoding: o.encoding ?? 'cp1252',
    idleTimeoutMs: ((o.pingIntervalSeconds ?? 30) + (o.pingTimeoutSeconds ?? 120)) * 1000,
    onlyOwnTraffic: o.onlyOwnTraffic ?? false,
    ...(o.ident ? { ident: { registry: o.ident, username: o.username } } : {}),
  };
  return {
    host: o.host,
    port: o.port,
    nick,
    username: o.username,
    gecos: o.realname,
    password: o.password,
    version: o.version === undefined ? false : safeTrailing(o.version),
    auto_reconnect: false,
    ping_interval: o.pingIntervalSeconds ?? 30,
    // The ping timeout is the socket's idle timeout, ping interval + ping timeout of silence as
    // the config documents (socket-transport.ts): irc-framework's own re-arms a timer at every
    // line it reads (a clearTimeout, an array search and a setTimeout), per connection.
    ping_timeout: 0,
    enable_echomessage: o.echoMessage ?? false,
    // IRCv3 chghost: a host change arrives as CHGHOST instead of a fake QUIT + JOIN, which
    // would make the user's ghost leave and rejoin every room of the channel.
    enable_chghost: true,
    // `{}` stops irc-framework from trying the server password as a SASL password.
    account: o.sasl?.mechanism === 'PLAIN' ? { account: o.sasl.account, password: o.sasl.password } : {},
    sasl_mechanism: o.sasl?.mechanism,
    transport: SocketTransport,
    bridgekit: socket,
  };
}
