/**
 * What every connection to a network shares, the bot's and each puppet's: the server, TLS,
 * keepalive, flood control and the network's server password. The caller adds the identity
 * (nick, username, realname, SASL) and, for a puppet, the user's own server password.
 */
import type { IrcNetworkConfig } from '../config/types';
import type { IdentRegistry } from '../ident/registry';
import type { Clock } from '../irc/clock';
import type { IrcConnectOptions } from '../irc/connect-options';
import type { LiveConnectionSettings } from '../irc/connection';

export type BaseConnectOptions = Omit<IrcConnectOptions, 'nick' | 'username' | 'realname'>;

/** What a reload changes on live connections (flood control, keepalive). */
export function liveConnectionSettings(config: IrcNetworkConfig): LiveConnectionSettings {
  return {
    flood: { capacity: config.flood.burst, refillPerSecond: config.flood.linesPerSecond, maxQueued: config.flood.maxQueued },
    pingIntervalSeconds: config.keepalive.pingIntervalSeconds,
    pingTimeoutSeconds: config.keepalive.pingTimeoutSeconds,
  };
}

/** `ident`: the identd's registry, when it runs; every connection registers its socket there. */
export function baseConnectOptions(config: IrcNetworkConfig, clock: Clock, ident?: IdentRegistry): BaseConnectOptions {
  return {
    host: config.host,
    port: config.port,
    tls: config.tls,
    ...(config.ca !== undefined ? { ca: config.ca } : {}),
    rejectUnauthorized: config.tlsRejectUnauthorized,
    ...(config.password !== undefined ? { password: config.password } : {}),
    encoding: config.fallbackEncoding,
    pingIntervalSeconds: config.keepalive.pingIntervalSeconds,
    pingTimeoutSeconds: config.keepalive.pingTimeoutSeconds,
    flood: { capacity: config.flood.burst, refillPerSecond: config.flood.linesPerSecond, maxQueued: config.flood.maxQueued },
    clock,
    ...(ident ? { ident } : {}),
  };
}
