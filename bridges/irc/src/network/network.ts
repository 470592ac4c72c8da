/**
 * The runtime of one configured IRC network: the bot's connection (which joins every bridged
 * channel and is the bridge's ears there), the puppet pool, the connect-rate gate they share,
 * and what the bot knows about the channels. Event handling is not here: `attach` hands every
 * connection to the dispatcher, which runs the registered handlers.
 */
import type { KeyValueRepository, Logger, UserId } from '@bridgekit/appservice';
import type { IrcNetworkConfig } from '../config/types';
import type { Clock } from '../irc/clock';
import { channelNameProblem, DEFAULT_ISUPPORT, type Isupport } from '../irc/isupport';
import { connectBurst, ConnectRateLimiter, ServerRecovery } from '../irc/reconnect';
import { casefold, channelKey, type Casemapping, type ChannelKey } from '../mapping/casefold';
import type { IrcNick, NetworkId } from '../mapping/ids';
import type { IrcClient, IrcClientFactory } from './client';
import { baseConnectOptions, liveConnectionSettings } from './connect-options';
import { ManagedConnection, type ConnectionState } from './managed-connection';
import { OwnNicks } from './own-nicks';
import type { IdentRegistry } from '../ident/registry';
import { SourceAddresses } from '../source-address/allocator';
import type { SourceAddressRepository } from '../source-address/repository';
import { PuppetRecords } from './puppet-records';
import { Puppet, PuppetPool, type PuppetLoginSource } from './puppets';
import { IrcUsers } from './irc-users';
import { ChannelRoster } from './roster';

/** Most IRC users whose account, host and away state are remembered per network. */
const MAX_KNOWN_USERS = 20_000;
/** With these, what the bot knows of a user's account and away state stays current. */
const LIVE_USER_CAPS: readonly string[] = ['account-notify', 'away-notify'];

/** Which connection an IRC event came from. */
export type IrcOrigin =
  | { network: IrcNetwork; from: 'bot' }
  | { network: IrcNetwork; from: 'puppet'; puppet: Puppet };

/** What the connections were opened with: a change reaches them only through a restart. */
const RESTART_KEYS = ['host', 'port', 'tls', 'ca', 'tlsRejectUnauthorized', 'password', 'auth', 'bot', 'reconnect', 'fallbackEncoding'] as const satisfies ReadonlyArray<keyof IrcNetworkConfig>;

export interface IrcNetworkOptions {
  config: IrcNetworkConfig;
  createClient: IrcClientFactory;
  clock: Clock;
  log: Logger;
  logins?: PuppetLoginSource;
  /** Where the puppet records live (the store's key-value table); none = no restore after restart. */
  kv?: KeyValueRepository;
  random?: () => number;
  /** Where each user's IPv6 source address is kept (used when the network has `ipv6.prefix`). */
  sourceAddresses?: SourceAddressRepository;
  /** The identd's registry, when it runs: every connection of this network registers there. */
  ident?: IdentRegistry;
  /** Called once per connection (the bot's, then each puppet's) before it connects. */
  attach: (client: IrcClient, origin: IrcOrigin) => void;
  /** A channel could not be (re)joined by the bot or by a puppet (`userId` set). */
  onJoinFailed?: (network: IrcNetwork, channel: string, error: Error, userId?: UserId) => void;
  onLoginProblem?: (network: IrcNetwork, userId: UserId, error: Error) => void;
  onStateChange?: (kind: 'bot' | 'puppet', from: ConnectionState, to: ConnectionState) => void;
  /** A connection did not close cleanly at shutdown (already logged); for the metric. */
  onStopFailed?: (network: IrcNetwork, kind: 'bot' | 'puppet', error: Error) => void;
  /** A Matrix user who may have no IRC connection (banned by a moderation list): the sentence for them. */
  refuseUser?: (userId: UserId) => string | undefined;
}

export class IrcNetwork {
  readonly id: NetworkId;
  /** Replaced by `reconfigure` on a config reload; read it at use, never keep a copy. */
  config: IrcNetworkConfig;
  readonly bot: ManagedConnection;
  readonly puppets: PuppetPool;
  readonly ownNicks: OwnNicks;
  readonly roster: ChannelRoster;
  /** What the bot hears about the users of its channels: account, host, away (irc-users.ts). */
  readonly users: IrcUsers;
  readonly limiter: ConnectRateLimiter;
  private readonly botClient: IrcClient;
  private readonly log: Logger;
  private readonly onStopFailed: (error: Error) => void;

  constructor(options: IrcNetworkOptions) {
    const { config, clock, log } = options;
    this.id = config.id;
    this.config = config;
    const casemapping = () => this.casemapping;
    this.ownNicks = new OwnNicks(casemapping);
    this.roster = new ChannelRoster(casemapping);
    this.users = new IrcUsers(casemapping, MAX_KNOWN_USERS);
    this.limiter = new ConnectRateLimiter({ perSecond: config.connectRatePerSecond, burst: connectBurst(config.connectRatePerSecond), clock });
    const backoff = { baseMs: config.reconnect.baseDelaySeconds * 1000, maxMs: config.reconnect.maxDelaySeconds * 1000 };
    // One for the bot and the puppets: whichever registers first after an outage brings the rest back.
    const recovery = new ServerRecovery();

    this.botClient = options.createClient({
      // The bot keeps the host's default address: it is the bridge, not one of its users.
      ...baseConnectOptions(config, clock, options.ident),
      nick: config.bot.nick as IrcNick,
      username: config.bot.username,
      realname: config.bot.realname,
      ...(config.bot.sasl ? { sasl: { mechanism: 'PLAIN' as const, ...config.bot.sasl } } : {}),
    });
    const netLog = log.child({ network: config.id });
    this.log = netLog;
    this.bot = new ManagedConnection({
      label: 'bot',
      host: config.host,
      client: this.botClient,
      limiter: this.limiter,
      recovery,
      backoff,
      clock,
      log: netLog,
      ...(options.random ? { random: options.random } : {}),
      onJoinFailed: (channel, error) => options.onJoinFailed?.(this, channel, error),
      ...(options.onStateChange ? { onStateChange: (from, to) => options.onStateChange?.('bot', from, to) } : {}),
    });
    options.attach(this.botClient, { network: this, from: 'bot' });
    this.trackRoster(this.botClient);
    this.trackUsers(this.botClient);

    this.puppets = new PuppetPool({
      network: config.id,
      config,
      createClient: options.createClient,
      limiter: this.limiter,
      recovery,
      clock,
      log: netLog,
      ownNicks: this.ownNicks,
      nickLength: () => this.isupport.nickLength,
      ...(options.logins ? { logins: options.logins } : {}),
      ...(options.kv ? { records: new PuppetRecords(options.kv, config.id) } : {}),
      ...(options.random ? { random: options.random } : {}),
      ...(options.ident ? { ident: options.ident } : {}),
      ...(options.sourceAddresses ? {
        sourceAddresses: new SourceAddresses({ network: config.id, config: () => this.config, repository: options.sourceAddresses, log: netLog, now: () => clock.now() }),
      } : {}),
      onCreated: (puppet) => options.attach(puppet.client, { network: this, from: 'puppet', puppet }),
      onJoinFailed: (puppet, channel, error) => options.onJoinFailed?.(this, channel, error, puppet.userId),
      onLoginProblem: (puppet, error) => options.onLoginProblem?.(this, puppet.userId, error),
      ...(options.onStateChange ? { onStateChange: (from, to) => options.onStateChange?.('puppet', from, to) } : {}),
      onStopFailed: (error) => options.onStopFailed?.(this, 'puppet', error),
      ...(options.refuseUser ? { refuseUser: options.refuseUser } : {}),
    });
    this.onStopFailed = (error) => options.onStopFailed?.(this, 'bot', error);
  }

  /** The server's ISUPPORT as the bot last saw it (RFC defaults before the first connect). */
  get isupport(): Isupport {
    return this.botClient.isRegistered ? this.botClient.isupport : { ...DEFAULT_ISUPPORT, nickLength: 30 };
  }

  get casemapping(): Casemapping {
    return this.botClient.isupport.casemapping;
  }

  /** The bot's current nick. */
  get botNick(): IrcNick {
    return this.botClient.nick;
  }

  isChannel(target: string): boolean {
    return target.length > 1 && this.isupport.chanTypes.includes(target[0] ?? '');
  }

  /** Why the server will refuse this channel name, by its ISUPPORT (a sentence); undefined if it looks fine. */
  channelNameProblem(channel: string): string | undefined {
    return channelNameProblem(channel, this.isupport);
  }

  fold(name: string): string {
    return casefold(name, this.casemapping);
  }

  channelKey(channel: string): ChannelKey {
    return channelKey(this.id, channel, this.casemapping);
  }

  /**
   * Connects the bot in the background (it rejoins its channels after every reconnect); once it
   * is in, the users connected before the last stop come back (with the server's NICKLEN known).
   */
  start(): void {
    const off = this.botClient.on('registered', () => {
      off();
      this.puppets.restore().then((restored) => {
        if (restored > 0) this.log.info('Reconnecting the users connected before the restart', { users: restored });
      }, (error: Error) => this.log.error('Could not read who was connected before the restart', { error: error.message }));
    });
    this.bot.start();
  }

  /**
   * A reloaded config for this network, applied without dropping a connection: flood control
   * and keepalive on every live connection, the connect rate, and everything read at use
   * (templates, limits, messages, portals). Returns the changed keys that only a restart
   * applies (the server, TLS, the bot's identity, the backoff the connections were built with).
   */
  reconfigure(next: IrcNetworkConfig): string[] {
    const before = this.config;
    const needsRestart = RESTART_KEYS.filter((key) => JSON.stringify(before[key]) !== JSON.stringify(next[key]));
    this.config = next;
    if (next.connectRatePerSecond !== before.connectRatePerSecond) {
      this.limiter.setRate(next.connectRatePerSecond, connectBurst(next.connectRatePerSecond));
    }
    const live = liveConnectionSettings(next);
    this.botClient.applySettings(live);
    this.puppets.setConfig(next, live);
    return needsRestart.map((key) => String(key));
  }

  async stop(reason = 'Bridge shutting down'): Promise<void> {
    this.limiter.cancelAll();
    // A connection that fails to QUIT is gone anyway; the others must still close.
    const bot = this.bot.stop(reason).catch((error: Error) => {
      this.log.warn('The bridge bot\'s IRC connection did not close cleanly', { error: error.message });
      this.onStopFailed(error);
    });
    await Promise.all([this.puppets.stopAll(reason), bot]);
  }

  /**
   * Attached after the handlers, so a handler of PART/QUIT/KICK still sees who was where, and
   * a message after a JOIN finds the new member.
   */
  private trackRoster(client: IrcClient): void {
    client.on('names', (e) => this.roster.reset(e.channel, e.members));
    client.on('join', (e) => this.roster.add(e.channel, e.nick));
    client.on('part', (e) => (e.self ? this.roster.dropChannel(e.channel) : this.roster.remove(e.channel, e.nick)));
    client.on('kick', (e) => (e.self ? this.roster.dropChannel(e.channel) : this.roster.remove(e.channel, e.kicked)));
    client.on('quit', (e) => void this.roster.removeEverywhere(e.nick));
    client.on('nick', (e) => this.roster.rename(e.nick, e.newNick));
    client.on('mode', (e) => {
      for (const change of e.changes) {
        const prefix = this.isupport.prefix.find((p) => p.mode === change.mode);
        if (prefix && change.param) this.roster.setPrefix(e.target, change.param, prefix.symbol, change.adding);
      }
    });
    client.on('close', () => {
      for (const channel of this.bot.wantedChannels) this.roster.dropChannel(channel);
    });
  }

  /** After the roster, so a PART that leaves a user in no channel of ours can forget them. */
  private trackUsers(client: IrcClient): void {
    const users = this.users;
    const mask = (e: { ident: string; host: string }) => ({ ...(e.ident ? { ident: e.ident } : {}), ...(e.host ? { host: e.host } : {}) });
    const goneUnlessShared = (nick: string) => {
      if (this.roster.channelsOf(nick).length === 0) users.forget(nick);
    };
    client.on('join', (e) => {
      if (e.self) return;
      // An extended-join JOIN says the account; the server follows it with AWAY if they are away.
      const current = e.account !== undefined && this.hearsAccountsAndAway;
      users.update(e.nick, { ...mask(e), ...(e.account !== undefined ? { account: e.account } : {}), ...(e.realname ? { realname: e.realname } : {}), ...(current ? { current } : {}) });
    });
    client.on('message', (e) => {
      if (e.self || e.fromServer || e.replayed) return;
      // account-tag: the tag is on every line of a logged-in user.
      const account = e.all.account;
      users.update(e.nick, { ...mask(e), ...(account ? { account } : {}) });
    });
    client.on('account', (e) => void users.update(e.nick, { ...mask(e), account: e.account }));
    client.on('away', (e) => void users.update(e.nick, { away: e.message }));
    client.on('hostChange', (e) => void users.update(e.nick, { ident: e.newIdent, host: e.newHost }));
    client.on('nick', (e) => users.renamed(e.nick, e.newNick));
    client.on('quit', (e) => users.forget(e.nick));
    client.on('part', (e) => (e.self ? undefined : goneUnlessShared(e.nick)));
    client.on('kick', (e) => (e.self ? undefined : goneUnlessShared(e.kicked)));
    client.on('close', () => users.clear());
    client.on('capabilities', (e) => {
      if (e.removed.some((cap) => LIVE_USER_CAPS.includes(cap))) users.clear();
    });
  }

  /** Whether the server tells the bot, unasked, when users log in or out and go away or come back. */
  get hearsAccountsAndAway(): boolean {
    const caps = this.botClient.capabilities;
    return LIVE_USER_CAPS.every((cap) => caps.includes(cap));
  }
}
