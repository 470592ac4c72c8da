/**
 * The puppet pool of one network: one IRC connection per Matrix user, created when the user
 * first speaks in (or joins) a bridged room, capped per network, disconnected after a quiet
 * period if configured. Disconnecting — for idleness, an outage or a limit — never touches the
 * user's Matrix memberships; the next message reconnects and rejoins.
 */
import { userRefusal } from '../policy/access';
import type { Logger, UserId } from '@bridgekit/appservice';
import type { PuppetLogin } from '../accounts/accounts';
import type { IrcNetworkConfig } from '../config/types';
import type { LiveConnectionSettings } from '../irc/connection';
import type { Clock, TimerHandle } from '../irc/clock';
import type { IrcConnectOptions } from '../irc/connect-options';
import { IrcError } from '../irc/errors';
import type { ConnectRateLimiter, ServerRecovery } from '../irc/reconnect';
import type { IrcNick, NetworkId } from '../mapping/ids';
import { identFromTemplate, nickCandidates, nickFromTemplate, realnameFromTemplate, type MatrixUserNames } from '../mapping/nick-template';
import type { IrcClient, IrcClientFactory } from './client';
import type { IdentRegistry } from '../ident/registry';
import type { SourceAddresses } from '../source-address/allocator';
import { baseConnectOptions } from './connect-options';
import { ManagedConnection, type ConnectionState } from './managed-connection';
import type { OwnNicks } from './own-nicks';
import type { PuppetRecords } from './puppet-records';

/** How a user logs in (`IrcAccounts` is one: their stored settings and password). */
export interface PuppetLoginSource {
  loginFor(userId: UserId, network: NetworkId, templateNick: IrcNick): PuppetLogin;
}

export class Puppet {
  lastActive: number;

  constructor(
    readonly userId: UserId,
    readonly connection: ManagedConnection,
    now: number,
    /** The display name the nick was made from. */
    readonly displayName?: string,
  ) {
    this.lastActive = now;
  }

  get client(): IrcClient {
    return this.connection.client;
  }

  get nick(): IrcNick {
    return this.connection.client.nick;
  }

  get isConnected(): boolean {
    return this.connection.client.isRegistered;
  }
}

export interface PuppetPoolOptions {
  network: NetworkId;
  config: IrcNetworkConfig;
  createClient: IrcClientFactory;
  limiter: ConnectRateLimiter;
  /** The network's: puppets in a backoff come back when the server that was down is back. */
  recovery?: ServerRecovery;
  clock: Clock;
  log: Logger;
  ownNicks: OwnNicks;
  /** NICKLEN of the network (from the bot's ISUPPORT). */
  nickLength: () => number;
  logins?: PuppetLoginSource;
  /** Who was connected where, so a restart brings them back (see puppet-records.ts). */
  records?: PuppetRecords;
  /** Each user's own IPv6 source address, where the network has `ipv6.prefix`. */
  sourceAddresses?: SourceAddresses;
  /** The identd's registry, when it runs. */
  ident?: IdentRegistry;
  /** Called for each new puppet connection so the event dispatcher can listen to it. */
  onCreated?: (puppet: Puppet) => void;
  /** A channel the puppet wanted could not be rejoined after a reconnect. */
  onJoinFailed?: (puppet: Puppet, channel: string, error: Error) => void;
  /** The user's stored password could not be used. */
  onLoginProblem?: (puppet: Puppet, error: Error) => void;
  onStateChange?: (from: ConnectionState, to: ConnectionState) => void;
  /** A puppet's connection did not close cleanly at shutdown (already logged). */
  onStopFailed?: (error: Error) => void;
  random?: () => number;
  /** Why this Matrix user may have no connection at all (a moderation list bans them), as a sentence for them; undefined when they may. */
  refuseUser?: (userId: UserId) => string | undefined;
}

const ACTIVE: ReadonlySet<ConnectionState> = new Set(['connecting', 'connected', 'backoff']);
/** Records of disconnected users kept at least (see forgetOldRecords). */
const MIN_RECORDS = 1000;

export class PuppetPool {
  private readonly puppets = new Map<UserId, Puppet>();
  private idleTimer: TimerHandle | undefined;
  private stopped = false;
  /** Puppets in an ACTIVE state, kept by their state changes (checked at every connect). */
  private active = 0;

  constructor(private readonly options: PuppetPoolOptions) {
    const idleMs = options.config.puppets.idleTimeoutSeconds * 1000;
    if (idleMs > 0) this.scheduleIdleSweep(Math.min(60_000, Math.max(1000, idleMs / 4)));
  }

  /** A reloaded network config: later connections use it, live ones get its flood and keepalive. */
  setConfig(config: IrcNetworkConfig, live: LiveConnectionSettings): void {
    this.options.config = config;
    for (const puppet of this.puppets.values()) puppet.client.applySettings(live);
  }

  get(userId: UserId): Puppet | undefined {
    return this.puppets.get(userId);
  }

  /** The puppet whose connection uses `nick` right now. */
  byNick(nick: string): Puppet | undefined {
    const userId = this.options.ownNicks.userOf(nick);
    return userId ? this.puppets.get(userId) : undefined;
  }

  all(): IterableIterator<Puppet> {
    return this.puppets.values();
  }

  /** Puppets holding (or trying to hold) a connection: what the limit counts. */
  get activeCount(): number {
    return this.active;
  }

  /** The user's puppet, connected (created on first use). Throws IrcError with a user-facing message. */
  async acquire(user: MatrixUserNames): Promise<Puppet> {
    const puppet = this.obtain(user);
    await puppet.connection.ensureConnected();
    return puppet;
  }

  /**
   * Connects the user's puppet if needed and joins the channel. The channel is remembered
   * first, so a connection that fails now still joins it when the background retry succeeds.
   */
  async joinChannel(user: MatrixUserNames, channel: string, key?: string): Promise<Puppet> {
    const puppet = this.obtain(user);
    await puppet.connection.join(channel, key);
    return puppet;
  }

  /**
   * Like `joinChannel` without waiting for it: the puppet is made (or refused at once: the
   * connection limit, shutdown) now; connecting and joining go on in the background, and
   * `joined` settles with them (the caller reports a refusal).
   */
  want(user: MatrixUserNames, channel: string, key?: string): { puppet: Puppet; joined: Promise<void> } {
    const puppet = this.obtain(user);
    return { puppet, joined: puppet.connection.join(channel, key) };
  }

  /** The user's puppet (made if missing), marked active; counts against the limit when it must connect. */
  private obtain(user: MatrixUserNames): Puppet {
    if (this.stopped) throw new IrcError('IRC_NOT_CONNECTED', 'The bridge is shutting down.');
    const denied = userRefusal(this.options.config.access, this.options.config.name, user.userId);
    if (denied) throw new IrcError('IRC_USER_NOT_ALLOWED', denied);
    const banned = this.options.refuseUser?.(user.userId);
    if (banned) throw new IrcError('IRC_USER_BANNED', banned);
    let puppet = this.puppets.get(user.userId);
    if (!puppet || !ACTIVE.has(puppet.connection.state)) this.checkLimit(user.userId);
    const wasIdle = puppet?.connection.state === 'idle';
    puppet ??= this.create(user);
    puppet.lastActive = this.options.clock.now();
    if (wasIdle) this.persist(puppet); // back from an idle disconnect: restore them after a restart again
    return puppet;
  }

  /** Parts the channel and forgets it; no-op without a puppet. */
  async partChannel(userId: UserId, channel: string, reason?: string): Promise<void> {
    await this.puppets.get(userId)?.connection.part(channel, reason);
  }

  /**
   * A fresh connection for the user (!reconnect): reads their settings and password again,
   * keeps their channels, and resolves once registered.
   */
  async reconnect(user: MatrixUserNames): Promise<Puppet> {
    const old = this.puppets.get(user.userId);
    const channels = old?.connection.wantedEntries ?? [];
    if (old) {
      this.puppets.delete(user.userId);
      await old.connection.stop('Reconnecting');
    }
    // !reconnect knows only the user ID: keep the display name the nick was made from, or the
    // user would come back under a different (localpart) nick.
    const displayName = user.displayName ?? old?.displayName;
    const puppet = this.obtain({ ...user, ...(displayName !== undefined ? { displayName } : {}) });
    for (const { channel, key } of channels) puppet.connection.want(channel, key);
    await puppet.connection.ensureConnected();
    return puppet;
  }

  /** Ends the user's connection (!quit). The next message connects again. */
  async disconnect(userId: UserId, reason: string): Promise<void> {
    await this.options.records?.remove(userId);
    await this.puppets.get(userId)?.connection.disconnect(reason);
  }

  /**
   * After a restart: reconnects the users who were connected when the bridge stopped, into
   * their channels, paced by the connect-rate gate. Returns how many.
   */
  async restore(): Promise<number> {
    let n = 0;
    for (const record of await this.options.records?.all() ?? []) {
      if (this.puppets.has(record.userId)) continue;
      try {
        const puppet = this.obtain({ userId: record.userId, ...(record.displayName ? { displayName: record.displayName } : {}) });
        for (const { channel, key } of record.channels) puppet.connection.want(channel, key);
        if (record.channels.length === 0) puppet.connection.start();
        n++;
      } catch (error) {
        this.options.log.warn('Could not bring a user back after the restart', { user: record.userId, error: (error as Error).message });
      }
    }
    return n;
  }

  async stopAll(reason: string): Promise<void> {
    this.stopped = true;
    if (this.idleTimer !== undefined) this.options.clock.clearTimeout(this.idleTimer);
    // One connection failing to QUIT must not keep the others open.
    await Promise.all([...this.puppets.values()].map((p) => p.connection.stop(reason).catch((error: Error) => {
      this.options.log.warn('A Matrix user\'s IRC connection did not close cleanly', { userId: p.userId, error: error.message });
      this.options.onStopFailed?.(error);
    })));
  }

  /** Disconnects puppets quiet for longer than the idle timeout; returns how many. */
  sweepIdle(): number {
    const idleMs = this.options.config.puppets.idleTimeoutSeconds * 1000;
    if (idleMs <= 0) return 0;
    const cutoff = this.options.clock.now() - idleMs;
    let n = 0;
    for (const puppet of this.puppets.values()) {
      if (puppet.lastActive > cutoff || puppet.connection.state !== 'connected') continue;
      n++;
      this.options.log.info('Disconnecting idle IRC connection; Matrix memberships stay', { user: puppet.userId });
      this.recordWrite(this.options.records?.remove(puppet.userId));
      puppet.connection.disconnect('Idle').catch((error: Error) => this.options.log.warn('Idle disconnect failed', { user: puppet.userId, error: error.message }));
    }
    return n;
  }

  private checkLimit(userId: UserId): void {
    const max = this.options.config.puppets.maxConnections;
    if (this.activeCount >= max) {
      this.options.log.warn('Connection limit reached', { network: this.options.network, max, user: userId });
      throw new IrcError('IRC_CONNECTION_LIMIT', `The bridge already has ${max} Matrix users connected to ${this.options.config.name}, its limit, so your message was not sent. Try again later, or ask the bridge admin to raise puppets.max_connections.`);
    }
  }

  private create(user: MatrixUserNames): Puppet {
    const { config, network } = this.options;
    const nickLength = this.options.nickLength();
    const templateNick = nickFromTemplate(config.puppets.nickTemplate, user, nickLength);
    const login = this.options.logins?.loginFor(user.userId, network, templateNick) ?? { afterRegistration: [] };
    const nick = login.nick ?? templateNick;
    const connectOptions: IrcConnectOptions = {
      ...baseConnectOptions(config, this.options.clock, this.options.ident),
      ...(login.serverPassword !== undefined ? { password: login.serverPassword } : {}),
      nick,
      username: login.username ?? identFromTemplate(config.puppets.usernameTemplate, user),
      realname: realnameFromTemplate(config.puppets.realnameTemplate, user),
      ...(login.sasl ? { sasl: login.sasl } : {}),
      ...(login.clientCert ? { clientCert: login.clientCert } : {}),
      ...(this.options.sourceAddresses ? { sourceAddress: sourceAddressOf(this.options.sourceAddresses, user.userId) } : {}),
      nickCandidates: (n) => nickCandidates(n, Math.max(nickLength, n.length)),
      // The bot bridges the channels; a puppet only needs what concerns it and its PMs.
      onlyOwnTraffic: true,
      // Where the server offers it: a sent line is known to have arrived, with its msgid.
      echoMessage: true,
    };
    const client = this.options.createClient(connectOptions);
    let puppet: Puppet | undefined;
    const connection = new ManagedConnection({
      label: user.userId,
      host: config.host,
      client,
      limiter: this.options.limiter,
      ...(this.options.recovery ? { recovery: this.options.recovery } : {}),
      backoff: { baseMs: config.reconnect.baseDelaySeconds * 1000, maxMs: config.reconnect.maxDelaySeconds * 1000 },
      clock: this.options.clock,
      log: this.options.log,
      ...(this.options.random ? { random: this.options.random } : {}),
      onRegistered: async () => {
        const identify = login.withoutSasl && !client.loggedInWithSasl ? login.withoutSasl : [];
        for (const line of [...identify, ...login.afterRegistration]) await client.raw(line);
      },
      onJoinFailed: (channel, error) => puppet && this.options.onJoinFailed?.(puppet, channel, error),
      onWantedChange: () => puppet && this.persist(puppet),
      onStateChange: (from, to) => {
        this.active += (ACTIVE.has(to) ? 1 : 0) - (ACTIVE.has(from) ? 1 : 0);
        this.options.onStateChange?.(from, to);
      },
    });
    this.forgetOldRecords();
    puppet = new Puppet(user.userId, connection, this.options.clock.now(), user.displayName);
    const { ownNicks } = this.options;
    ownNicks.add(user.userId, nick);
    client.on('registered', (e) => ownNicks.settle(user.userId, e.nick, e.asked));
    client.on('nick', (e) => {
      if (e.self) ownNicks.settle(user.userId, e.newNick);
    });
    this.puppets.set(user.userId, puppet);
    this.options.onCreated?.(puppet);
    if (login.passwordProblem) this.options.onLoginProblem?.(puppet, login.passwordProblem);
    return puppet;
  }

  private persist(puppet: Puppet): void {
    if (this.stopped) return;
    this.recordWrite(this.options.records?.save({
      userId: puppet.userId, ...(puppet.displayName ? { displayName: puppet.displayName } : {}), channels: puppet.connection.wantedEntries,
    }));
  }

  /** Records only help a restart bring users back: a failed write is logged, never in anyone's way. */
  private recordWrite(write: Promise<void> | undefined): void {
    write?.catch((error: Error) => this.options.log.warn('Could not update who is connected (used to reconnect them after a restart)', { error: error.message }));
  }

  /**
   * The pool keeps a record per user who ever spoke (their channels and nicks survive an idle
   * disconnect). Past the bound, the longest-idle disconnected records go; such a user simply
   * gets a fresh connection on their next message.
   */
  private forgetOldRecords(): void {
    const bound = Math.max(MIN_RECORDS, this.options.config.puppets.maxConnections * 2);
    if (this.puppets.size < bound) return;
    const idle = [...this.puppets.values()].filter((p) => p.connection.state === 'idle').sort((a, b) => a.lastActive - b.lastActive);
    for (const puppet of idle.slice(0, this.puppets.size - bound + 1)) {
      this.puppets.delete(puppet.userId);
      this.options.ownNicks.forget(puppet.userId);
    }
  }

  private scheduleIdleSweep(everyMs: number): void {
    this.idleTimer = this.options.clock.setTimeout(() => {
      if (this.stopped) return;
      this.sweepIdle();
      this.scheduleIdleSweep(everyMs);
    }, everyMs);
  }
}

/** Asked at each connect, so a reload that sets or changes the prefix reaches the next connection. */
function sourceAddressOf(addresses: SourceAddresses, userId: UserId): () => Promise<string | undefined> {
  return () => addresses.addressFor(userId);
}
