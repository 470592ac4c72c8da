/**
 * `IrcConnector`: the IRC bridge as the core sees it. It assembles the runtime (networks,
 * portals, handlers) in `start`, hands Matrix events to the Matrix dispatcher and answers the
 * homeserver's alias and user queries. The event families themselves live in handlers/.
 */
import type {
  BridgeConfig, BridgeContext, Connector, Intent, Logger, MatrixEvent, Migration, RoomAlias, RoomId, UserId,
} from '@bridgekit/appservice';
import { accountMigrations, openIrcAccounts, type IrcAccounts } from './accounts';
import { createAdminRooms, type AdminRooms } from './admin';
import { adminBridgeOps } from './admin-bridge-ops';
import { parseIrcConfig } from './config/parse';
import { botPrivateMessages } from './handlers/irc-to-matrix/bot-private';
import { createProvisioning, listenProvisioning, type ProvisioningListener } from './provisioning';
import { provisioningBridgeOps } from './provisioning-bridge-ops';
import type { IrcBridgeConfig } from './config/types';
import { escapeHtml, userPermalink } from './format/irc-to-matrix';
import { IrcDispatcher, MatrixDispatcher } from './handlers/dispatch';
import { IRC_HANDLERS } from './handlers/irc-to-matrix';
import { MATRIX_HANDLERS } from './handlers/matrix-to-irc';
import { MessageRefs } from './handlers/message-refs';
import type { AnyIrcHandler, MatrixHandler } from './handlers/registry';
import { systemClock, type Clock } from './irc/clock';
import { IrcConnection } from './irc/connection';
import { PortalAliases } from './mapping/alias';
import { GhostSync } from './ghosts/ghost-sync';
import { GhostUserIds } from './mapping/ghost-ids';
import type { IrcNick, NetworkId } from './mapping/ids';
import { MediaLinks } from './media/links';
import { startMediaProxy, type MediaProxy } from './media/proxy';
import { loadSigningKey } from './media/signing-key';
import { createIrcMetrics, type IrcMetrics } from './metrics';
import type { IrcClientFactory } from './network/client';
import { IrcNetwork } from './network/network';
import type { PuppetLoginSource } from './network/puppets';
import { createDynamicPortal } from './portals/dynamic';
import { Portals } from './portals/portals';
import { chatGhost } from './portals/private-chats';
import { checkBridgeInfo } from './portals/bridge-info';
import { joinBridgedChannels } from './portals/startup';
import { RoomTasks } from './room-tasks';
import type { BridgeRuntime } from './runtime';

export interface IrcConnectorOptions {
  /** Makes IRC connections; tests inject an in-process fake. Default: `new IrcConnection(options)`. */
  createClient?: IrcClientFactory;
  clock?: Clock;
  random?: () => number;
  /** Default: every handler in handlers/irc-to-matrix. */
  ircHandlers?: readonly AnyIrcHandler[];
  /** Default: every handler in handlers/matrix-to-irc. */
  matrixHandlers?: readonly MatrixHandler[];
  /** How a Matrix user's puppet logs in; default: their stored settings and password (accounts/). */
  logins?: (accounts: IrcAccounts) => PuppetLoginSource;
}

export class IrcConnector implements Connector {
  readonly name = 'irc';
  readonly config: IrcBridgeConfig;
  /** The connector's tables (scope "irc"): stored accounts. Append-only once released. */
  readonly migrations: Migration[] = accountMigrations(1);
  private runtime?: IrcBridgeRuntime;
  private proxy?: MediaProxy;
  private admin?: AdminRooms;
  private provisioning?: ProvisioningListener;

  /** Validates the `irc:` section; throws ConfigError (so `check-config` reports it). */
  constructor(bridgeConfig: BridgeConfig, private readonly options: IrcConnectorOptions = {}) {
    this.config = parseIrcConfig(bridgeConfig);
  }

  /** The running runtime (for admin commands and provisioning); throws before `start`. */
  get bridge(): BridgeRuntime {
    if (!this.runtime) throw new Error('The IRC connector has not been started.');
    return this.runtime;
  }

  async start(ctx: BridgeContext): Promise<void> {
    const { config, options } = this;
    const log = ctx.log.child({ component: 'irc' });
    if (config.media.mode === 'direct' && !config.media.modeConfigured) warnAboutDirectMedia(log);
    let key: Buffer | undefined;
    if (config.media.mode === 'proxy') {
      const loaded = loadSigningKey(config.media.signingKeyFile);
      if (loaded.created) log.info('Created the media proxy signing key', { path: config.media.signingKeyFile });
      key = loaded.key;
    }
    registerConfigSecrets(ctx, config, key);
    const clock = options.clock ?? systemClock;
    const rt = new IrcBridgeRuntime(ctx, config, log, new MediaLinks(config.media, key, clock.now), clock, options.random);
    this.runtime = rt;
    const provisioning = config.provisioning.enabled && config.provisioning.secret !== undefined
      ? createProvisioning({
        ops: provisioningBridgeOps(rt), secret: config.provisioning.secret, maxLinksPerRoom: config.provisioning.maxLinksPerRoom,
        permissions: () => config.permissions, log, metrics: ctx.metrics, ...(options.clock ? { clock: options.clock } : {}),
      })
      : undefined;
    const ircHandlers = [
      ...(options.ircHandlers ?? IRC_HANDLERS),
      ...(provisioning ? [botPrivateMessages((network, from, text) => provisioning.approvals.handlePrivateMessage(network, from, text))] : []),
    ];
    const ircDispatcher = new IrcDispatcher(ircHandlers, () => rt);
    rt.matrix = new MatrixDispatcher(options.matrixHandlers ?? MATRIX_HANDLERS, () => rt);
    const createClient = options.createClient ?? ((o) => new IrcConnection(o));
    const accounts = openIrcAccounts(ctx.store.db, {
      keyFile: config.passwordKeyFile, log, authMethod: (network) => config.networks.get(network)?.auth ?? 'auto',
      onPasswordRead: (password) => ctx.addSecret(password),
    });
    const logins = options.logins?.(accounts) ?? accounts;
    for (const net of config.networks.values()) {
      rt.addNetwork(new IrcNetwork({
        config: net,
        createClient,
        clock: options.clock ?? systemClock,
        log,
        logins,
        kv: ctx.store.kv,
        ...(options.random ? { random: options.random } : {}),
        attach: (client, origin) => ircDispatcher.attach(client, origin),
        onJoinFailed: (network, channel, error, userId) => rt.reportJoinFailure(network, channel, error, userId),
        onLoginProblem: (network, userId, error) => rt.reportLoginProblem(network, userId, error),
        onStopFailed: (network, kind) => rt.metrics.shutdownFailures.inc({ network: network.id, kind }),
        onStateChange: (kind, from, to) => {
          // Idle connections are not counted: every puppet starts idle, and most stay so.
          if (from !== 'idle') rt.metrics.connections.dec({ network: net.id, kind, state: from });
          if (to !== 'idle') rt.metrics.connections.inc({ network: net.id, kind, state: to });
          if (to === 'backoff') rt.metrics.reconnects.inc({ network: net.id, kind });
        },
      }));
    }
    const admin = createAdminRooms({
      bot: ctx.bot, kv: ctx.store.kv, log, metrics: ctx.metrics, ops: adminBridgeOps(rt), accounts, permissions: () => config.permissions,
    });
    this.admin = admin;
    rt.adminRoomsOf = (userId) => admin.roomsOf(userId);
    if (config.media.mode === 'proxy') {
      this.proxy = await startMediaProxy({ config: config.media, links: rt.media, media: ctx.media, log });
      log.info('Media proxy listening', { address: `${this.proxy.address.host}:${this.proxy.address.port}`, publicUrl: config.media.publicUrl });
    }
    if (provisioning) {
      this.provisioning = await listenProvisioning(provisioning.app, config.provisioning);
      log.info('Provisioning API listening', { address: `${this.provisioning.address}:${this.provisioning.port}` });
    }
    for (const network of rt.networks()) {
      network.start();
      joinBridgedChannels(rt, network);
      checkBridgeInfo(rt, network);
    }
  }

  async stop(): Promise<void> {
    const rt = this.runtime;
    rt?.roomTasks.stop();
    rt?.ghostSync.stop();
    if (rt) await Promise.all(rt.networks().map((n) => n.stop()));
    await this.proxy?.close();
    await this.provisioning?.close();
  }

  async onMatrixEvent(event: MatrixEvent): Promise<void> {
    if (!this.runtime || !this.admin) throw new Error('The IRC connector has not been started.');
    // Admin rooms (DMs with the bot) take commands; nothing else happens there.
    if (await this.admin.handleEvent(event)) return;
    await this.runtime.matrix.dispatch(event);
  }

  onAliasQuery(alias: RoomAlias): Promise<boolean> {
    return createDynamicPortal(this.bridge, alias);
  }

  /** A ghost the homeserver does not know yet: exists when the ID parses for a configured network. */
  async onUserQuery(userId: UserId): Promise<boolean> {
    const rt = this.bridge;
    const parsed = rt.ghosts.parseUserId(userId);
    const network = parsed && rt.network(parsed.network);
    if (!parsed || !network) return false;
    // After a NICK the ghost speaks for its new nick (ghosts/renames.ts): that is its name.
    await rt.ctx.intent(userId).ensureProfile({ displayName: rt.ghostSync.renames.nickOf(network, userId) ?? parsed.nick });
    return true;
  }
}

/**
 * Every secret the config holds goes to the core's log redaction before anything can log it:
 * an error from a server or library may quote a password or key back to us.
 */
function registerConfigSecrets(ctx: BridgeContext, config: IrcBridgeConfig, mediaKey: Buffer | undefined): void {
  const add = (secret: string | undefined) => {
    if (secret) ctx.addSecret(secret);
  };
  for (const net of config.networks.values()) {
    add(net.password);
    add(net.bot.sasl?.password);
    for (const room of net.staticRooms) add(room.key);
  }
  add(config.provisioning.secret);
  // The key lives in memory as bytes; its file (and anything that reads it out) holds base64.
  if (mediaKey) add(mediaKey.toString('base64'));
}

/**
 * Direct links point at the homeserver's legacy download path, which homeservers with
 * authenticated media (Synapse's default) refuse: the admin should know before users complain.
 */
function warnAboutDirectMedia(log: Logger): void {
  log.warn(
    'IRC users will not be able to open Matrix media (files, images, long messages) on a homeserver with authenticated media, '
    + 'which Synapse enables by default: irc.media.public_url is not set, so the bridge links to the homeserver\'s legacy download path. '
    + 'To fix it, set irc.media.public_url to the address IRC users can reach the bridge\'s media proxy at (it listens on '
    + 'irc.media.bind_address:port, 127.0.0.1:8091 by default; put it behind your reverse proxy): that turns the proxy on. '
    + 'If authenticated media is off on your homeserver, set irc.media.mode: direct to keep direct links and silence this warning.',
  );
}

/** The runtime handlers see (runtime.ts describes each member). */
class IrcBridgeRuntime implements BridgeRuntime {
  readonly metrics: IrcMetrics;
  readonly ghosts: GhostUserIds;
  readonly aliases: PortalAliases;
  readonly portals: Portals;
  readonly refs: MessageRefs;
  readonly ghostSync: GhostSync;
  readonly roomTasks: RoomTasks;
  matrix!: MatrixDispatcher;
  private readonly byId = new Map<string, IrcNetwork>();
  /** Start time + counter: unique across restarts (the homeserver remembers transactions for a while). */
  private readonly txnPrefix: string;
  private txnCount = 0;

  constructor(readonly ctx: BridgeContext, readonly config: IrcBridgeConfig, readonly log: Logger, readonly media: MediaLinks, readonly clock: Clock, random?: () => number) {
    this.metrics = createIrcMetrics(ctx.metrics);
    this.roomTasks = new RoomTasks({
      inRoomOrder: (roomKey, task) => ctx.inRoomOrder(roomKey, task),
      clock, log, metrics: this.metrics,
      maxRetryMs: config.homeserverOutage.retryMinutes * 60_000,
      maxHeld: config.homeserverOutage.maxHeldPerRoom,
      ...(random ? { random } : {}),
    });
    this.ghosts = new GhostUserIds({ prefix: config.ghostPrefix, server: ctx.domain });
    this.aliases = new PortalAliases({ template: config.aliasTemplate, server: ctx.domain, network: [...config.networks.keys()][0] });
    this.portals = new Portals(ctx.store);
    this.refs = new MessageRefs(ctx.store);
    this.ghostSync = new GhostSync(this, clock);
    this.txnPrefix = `irc.${clock.now().toString(36)}`;
  }

  newTxnId(): string {
    return `${this.txnPrefix}.${++this.txnCount}`;
  }

  addNetwork(network: IrcNetwork): void {
    this.byId.set(network.id, network);
  }

  network(id: NetworkId | string): IrcNetwork | undefined {
    return this.byId.get(id);
  }

  networks(): IrcNetwork[] {
    return [...this.byId.values()];
  }

  async ghost(network: IrcNetwork, nick: IrcNick): Promise<Intent> {
    const intent = this.ctx.intent(this.ghostSync.renames.userIdFor(network, nick));
    await intent.ensureProfile({ displayName: nick });
    return intent;
  }

  async ghostIntent(network: IrcNetwork, ghost: UserId): Promise<Intent> {
    const intent = this.ctx.intent(ghost);
    const nick = this.ghostSync.renames.nickOf(network, ghost);
    if (nick !== undefined) await intent.ensureProfile({ displayName: nick });
    return intent;
  }

  async displayNameOf(roomId: RoomId, userId: UserId): Promise<string | undefined> {
    let member: { displayname?: unknown } | undefined;
    try {
      member = await this.ctx.bot.getState<{ displayname?: unknown }>(roomId, 'm.room.member', userId);
    } catch (error) {
      // The bot is not in private chats (DMs with a ghost), so it cannot read their state.
      this.log.debug('Room member state not readable; using the global profile', { roomId, userId, error: (error as Error).message });
    }
    if (member) return nameOrUndefined(member.displayname);
    try {
      return nameOrUndefined((await this.ctx.bot.getProfile(userId))?.displayName);
    } catch (error) {
      this.log.debug('No display name for user', { roomId, userId, error: (error as Error).message });
      return undefined;
    }
  }

  roomTask(roomId: RoomId, what: string, task: () => Promise<void>): void {
    this.roomTasks.run(roomId, what, task);
  }

  async tell(roomId: RoomId, userId: UserId, text: string): Promise<void> {
    // The bot is not in private chats (they are DMs with a ghost): the ghost says it there.
    const chat = this.portals.privateChatOfRoom(roomId);
    const network = chat && this.network(chat.network);
    const speaker = chat && network ? await chatGhost(this, network, chat) : this.ctx.bot;
    await speaker.sendMessage(roomId, {
      msgtype: 'm.notice',
      body: `${userId}: ${text}`,
      format: 'org.matrix.custom.html',
      formatted_body: `<a href="${escapeHtml(userPermalink(userId))}">${escapeHtml(userId)}</a>: ${escapeHtml(text)}`,
      'm.mentions': { user_ids: [userId] },
    });
  }

  /** A join that failed after a (re)connect: the people in the bridged rooms should know. */
  reportJoinFailure(network: IrcNetwork, channel: string, error: Error, userId?: UserId): void {
    for (const roomId of this.portals.roomsForChannel(network, channel)) {
      if (userId) {
        this.roomTask(roomId, 'irc.join-failed', () => this.tell(roomId, userId, `Your IRC connection could not rejoin ${channel}: ${error.message}`));
      } else {
        this.roomTask(roomId, 'irc.join-failed', async () => {
          await this.ctx.bot.sendMessage(roomId, { msgtype: 'm.notice', body: `The bridge could not join ${channel} on ${network.config.name}: ${error.message} Messages from IRC will not arrive until it can.` });
        });
      }
    }
  }

  /** The user's admin rooms (DMs with the bot), once the admin module is up. */
  adminRoomsOf: (userId: UserId) => RoomId[] = () => [];

  /**
   * The user's stored password could not be used (they are connected without it): they should
   * know, or they wonder why NickServ does not recognise them. Told in their admin room if they
   * have one; without one there is no private place to say it, so it is only logged.
   */
  reportLoginProblem(network: IrcNetwork, userId: UserId, error: Error): void {
    this.log.warn('Stored IRC login unusable; connecting without it', { network: network.id, userId, error: error.message });
    const [room] = this.adminRoomsOf(userId);
    if (!room) return;
    const text = `Your stored IRC password for ${network.config.name} could not be used, so you are connected without it. ${error.message}`;
    this.roomTask(room, 'irc.login-problem', () => this.tell(room, userId, text));
  }
}

function nameOrUndefined(name: unknown): string | undefined {
  return typeof name === 'string' && name.trim() ? name : undefined;
}
