/**
 * `IrcConnector`: the IRC bridge as the core sees it. It assembles the runtime (networks,
 * portals, handlers) in `start`, offers the core its capabilities (typed Matrix events, each to
 * the Matrix dispatcher) and answers the homeserver's alias and user queries. The event families
 * themselves live in handlers/. Reactions have no capability: IRC has nothing to show them
 * with, and the core tells the sender so.
 */
import {
  parseEvent,
  type BridgeConfig, type BridgeContext, type BridgeEvent, type Connector, type ConnectorReadiness, type ReloadOutcome, type EditEvent, type EncryptionEvent, type Intent,
  type Logger, type MatrixEvent, type MembershipEvent, type MessageEvent, type Migration, type RedactionEvent, type RoomAlias,
  type RoomId, type RoomStateEvent, type RouteRegistry, type TombstoneEvent, type UserId,
} from '@bridgekit/appservice';
import { openIrcAccounts, type IrcAccounts } from './accounts';
import { ircMigrations } from './store/migrations';
import { createAdminRooms, type AdminRooms } from './admin';
import { adminBridgeOps } from './admin/bridge-ops';
import { IRC_CONFIG_SECTION, parseIrcConfig } from './config/parse';
import { botPrivateMessages } from './handlers/irc-to-matrix/bot-private';
import { createProvisioning } from './provisioning';
import { provisioningBridgeOps } from './provisioning/bridge-ops';
import type { IrcBridgeConfig, IrcNetworkConfig } from './config/types';
import type { PortalAliases } from './mapping/alias';
import type { Diagnostics, MatrixSide } from './parts';
import { applyReload } from './reload';
import type { IrcChannel } from './mapping/ids';
import { IrcDispatcher, MatrixDispatcher } from './handlers/dispatch';
import { IRC_HANDLERS } from './handlers/irc-to-matrix';
import { defineIrcOutbox } from './handlers/irc-to-matrix/outbox';
import { MATRIX_HANDLERS } from './handlers/matrix-to-irc';
import type { AnyIrcHandler, AnyMatrixHandler } from './handlers/registry';
import { systemClock, type Clock } from './irc/clock';
import { IrcConnection } from './irc/connection';
import { MediaLinks } from './media/links';
import { addMediaProxyRoute } from './media/proxy';
import { loadSigningKey } from './media/signing-key';
import type { IrcClientFactory } from './network/client';
import { IrcNetwork } from './network/network';
import type { PuppetLoginSource } from './network/puppets';
import { createDynamicPortal } from './portals/dynamic';
import { checkBridgeInfo } from './portals/bridge-info';
import { joinBridgedChannels } from './portals/startup';
import { BANNED_NOTICE } from './policy/moderation';
import { IrcNetworks } from './network/directory';
import { reportJoinFailure, reportLoginProblem } from './portals/connection-problems';
import { assembleRuntime, type BridgeRuntime } from './runtime';
import { IrcThirdParty } from './third-party';
import { IdentRegistry } from './ident/registry';
import { IdentServer } from './ident/server';
import { StoreSourceAddresses } from './source-address/repository';

export interface IrcConnectorOptions {
  /** Makes IRC connections; tests inject an in-process fake. Default: `new IrcConnection(options)`. */
  createClient?: IrcClientFactory;
  clock?: Clock;
  random?: () => number;
  /** Default: every handler in handlers/irc-to-matrix. */
  ircHandlers?: readonly AnyIrcHandler[];
  /** Default: every handler in handlers/matrix-to-irc. */
  matrixHandlers?: readonly AnyMatrixHandler[];
  /** How a Matrix user's puppet logs in; default: their stored settings and password (accounts/). */
  logins?: (accounts: IrcAccounts) => PuppetLoginSource;
}

export class IrcConnector implements Connector<IrcBridgeConfig> {
  /** Declared once: the core validates it, registers its secrets for redaction and hands it over as `ctx.section`. */
  readonly configSection = IRC_CONFIG_SECTION;
  readonly name = 'irc';
  /** Replaced as a whole by a reload. */
  config: IrcBridgeConfig;
  /** The connector's tables (scope "irc"): stored accounts. Append-only once released. */
  readonly migrations: Migration[] = ircMigrations();
  private runtime?: BridgeRuntime;
  /** The handlers of typed Matrix events (handlers/matrix-to-irc). */
  private matrix?: MatrixDispatcher;
  private admin?: AdminRooms;
  /** The users' stored IRC accounts, once started (the one copy the bridge reads from memory). */
  accounts?: IrcAccounts;
  /** The identd (`irc.ident.enabled`), stopped with the bridge. */
  private identServer?: IdentServer;
  /** Builds a network as `start` does and adds it to the directory, for networks a reload adds. */
  private addNetwork?: (net: IrcNetworkConfig) => IrcNetwork;
  /** The `irc` third-party protocol: one instance per network, channel and nick lookups (third-party.ts). */
  readonly thirdParty: IrcThirdParty;

  /** Validates the `irc:` section; throws ConfigError (so `check-config` reports it). */
  constructor(bridgeConfig: BridgeConfig, private readonly options: IrcConnectorOptions = {}) {
    this.config = parseIrcConfig(bridgeConfig);
    this.thirdParty = new IrcThirdParty(() => this.config, () => this.bridge);
  }

  /** The running runtime (for admin commands and provisioning); throws before `start`. */
  get bridge(): BridgeRuntime {
    if (!this.runtime) throw new Error('The IRC connector has not been started.');
    return this.runtime;
  }

  async start(ctx: BridgeContext<IrcBridgeConfig>): Promise<void> {
    const { config, options } = this;
    const log = ctx.log.child({ component: 'irc' });
    if (config.media.mode === 'direct' && !config.media.modeConfigured) warnAboutDirectMedia(log);
    if (config.homeserverOutage.maxHeldPerRoom !== undefined) log.warn(MAX_HELD_DEPRECATED);
    let key: Buffer | undefined;
    if (config.media.mode === 'proxy') {
      const loaded = loadSigningKey(config.media.signingKeyFile);
      if (loaded.created) log.info('Created the media proxy signing key', { path: config.media.signingKeyFile });
      key = loaded.key;
    }
    registerKeySecrets(ctx, key);
    const clock = options.clock ?? systemClock;
    const networks = new IrcNetworks();
    const rt = assembleRuntime(ctx, config, log, new MediaLinks(config.media, key, () => clock.now()), clock, networks, defineIrcOutbox);
    this.runtime = rt;
    // IRC listeners read portals and ghost bindings synchronously, in line order: load them first.
    const portals = await rt.portals.load();
    const bindings = await rt.ghostSync.renames.load([...config.networks.keys()]);
    const channelModes = await rt.channelFlags.load();
    log.info('Loaded portals, ghost bindings and channel modes', { portals, bindings, channelModes });
    checkAliasNamespace(rt);
    const listeners = new OwnListeners(ctx.routes);
    const provisioning = config.provisioning.enabled && config.provisioning.secret !== undefined
      ? createProvisioning({
        ops: provisioningBridgeOps(rt), secret: config.provisioning.secret, maxLinksPerRoom: config.provisioning.maxLinksPerRoom,
        permissions: () => rt.config.permissions, log, routes: ctx.routes,
        listener: listeners.for('provisioning', config.provisioning), ...(options.clock ? { clock: options.clock } : {}),
      })
      : undefined;
    const ircHandlers = [
      ...(options.ircHandlers ?? IRC_HANDLERS),
      ...(provisioning ? [botPrivateMessages((network, from, text) => provisioning.approvals.handlePrivateMessage(network, from, text))] : []),
    ];
    const ircDispatcher = new IrcDispatcher(ircHandlers, rt);
    this.matrix = new MatrixDispatcher(options.matrixHandlers ?? MATRIX_HANDLERS, rt);
    const createClient = options.createClient ?? ((o) => new IrcConnection(o));
    const accounts = await openIrcAccounts(ctx.store.tables, {
      keyFile: config.passwordKeyFile, log, authMethod: (network) => rt.config.networks.get(network)?.auth ?? 'auto',
      usesTls: (network) => rt.config.networks.get(network)?.tls ?? false,
      onPasswordRead: (password) => ctx.addSecret(password),
    });
    this.accounts = accounts;
    const logins = options.logins?.(accounts) ?? accounts;
    const ident = await this.startIdent(log, rt);
    const sourceAddresses = new StoreSourceAddresses(ctx.store.tables);
    // The admin rooms come before the networks: a network reports login problems into them.
    const admin = createAdminRooms({
      bot: ctx.bot, kv: ctx.store.kv, log, metrics: ctx.metrics, ops: adminBridgeOps(rt), accounts, permissions: () => rt.config.permissions,
    });
    this.admin = admin;
    const adminRoomsOf = (userId: UserId) => admin.roomsOf(userId);
    this.addNetwork = (net) => networks.add(new IrcNetwork({
      config: net,
      createClient,
      clock: options.clock ?? systemClock,
      log,
      logins,
      kv: ctx.store.kv,
      sourceAddresses,
      ...(ident ? { ident } : {}),
      ...(options.random ? { random: options.random } : {}),
      attach: (client, origin) => ircDispatcher.attach(client, origin),
      onJoinFailed: (network, channel, error, userId) => reportJoinFailure(rt, network, channel, error, userId),
      onLoginProblem: (network, userId, error) => reportLoginProblem(rt, adminRoomsOf, network, userId, error),
      onStopFailed: (network, kind) => rt.metrics.shutdownFailures.inc({ network: network.id, kind }),
      // Every way to a connection (a join, !join, a restart's restore) passes here.
      refuseUser: (userId) => (rt.moderation.refuse(userId, 'connect') ? BANNED_NOTICE : undefined),
      onStateChange: (kind, from, to) => {
        // Idle connections are not counted: every puppet starts idle, and most stay so.
        if (from !== 'idle') rt.metrics.connections.dec({ network: net.id, kind, state: from });
        if (to !== 'idle') rt.metrics.connections.inc({ network: net.id, kind, state: to });
        if (to === 'backoff') rt.metrics.reconnects.inc({ network: net.id, kind });
      },
    }));
    for (const net of config.networks.values()) this.addNetwork(net);
    if (config.media.mode === 'proxy') {
      const listener = listeners.for('media', config.media);
      addMediaProxyRoute(ctx.routes, { config: config.media, links: rt.media, media: ctx.media, log, ...(listener ? { listener } : {}) });
      log.info('Media proxy links point at the public URL', { publicUrl: config.media.publicUrl, listener: listener ?? 'appservice' });
    }
    // Before the networks bring anyone back: a ban that came while the bridge was down applies now.
    rt.moderation.watch();
    for (const network of rt.networks()) {
      network.start();
      await joinBridgedChannels(rt, network);
      checkBridgeInfo(rt, network);
    }
  }

  async stop(): Promise<void> {
    const rt = this.runtime;
    rt?.moderation.stop();
    rt?.ghostSync.stop();
    rt?.awayPresence.stop();
    // The core closed the media proxy's and provisioning's routes before it drained.
    if (rt) await Promise.all(rt.networks().map((n) => n.stop(n.config.quitMessage)));
    // Writes made behind in-memory changes (NICK moves, ghost bindings) reach the store before it closes.
    await rt?.portals.flushed();
    await rt?.ghostSync.renames.flushed();
    await rt?.channelFlags.flushed();
    await this.identServer?.stop();
  }

  /**
   * The identd, when the config turns it on. It listens before any connection opens, so the
   * first ident query already finds its connection. A port it cannot open stops the start:
   * the admin asked for ident, and bans by ident would silently stop working without it.
   */
  private async startIdent(log: Logger, rt: BridgeRuntime): Promise<IdentRegistry | undefined> {
    const { ident } = this.config;
    if (!ident.enabled) return undefined;
    const registry = new IdentRegistry();
    const server = new IdentServer({
      registry, address: ident.address, port: ident.port, log, onQuery: (result) => rt.metrics.identQueries.inc({ result }),
    });
    try {
      await server.start();
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const fix = code === 'EACCES' ? 'ports below 1024 need root or CAP_NET_BIND_SERVICE (systemd: AmbientCapabilities=CAP_NET_BIND_SERVICE)'
        : code === 'EADDRNOTAVAIL' || code === 'EAFNOSUPPORT' ? 'the address is not one of this host\'s (with IPv6 off, set irc.ident.address to 0.0.0.0)'
          : 'another process (an identd such as oidentd?) may hold the port; stop it or choose irc.ident.port';
      throw new Error(`The identd cannot listen on ${ident.address} port ${ident.port} (${code ?? (error as Error).message}): ${fix}.`);
    }
    this.identServer = server;
    log.info('identd listening', { address: ident.address, port: server.port });
    return registry;
  }

  /**
   * A reloaded `irc:` section (reload.ts): permissions, limits, keepalive, new networks and
   * static rooms take effect without dropping a connection; the rest is named as needing a restart.
   */
  async reload(next: IrcBridgeConfig): Promise<ReloadOutcome> {
    if (!this.runtime || !this.addNetwork) throw new Error('The IRC connector has not been started.');
    const outcome = await applyReload(this.runtime, next, this.addNetwork);
    this.config = this.runtime.config;
    return outcome;
  }

  /** Ready when every network's bot is connected: the bot is the bridge's ears in every channel. */
  readiness(): ConnectorReadiness {
    const networks: Record<string, string> = {};
    for (const network of this.runtime?.networks() ?? []) networks[network.id] = network.bot.state;
    const ready = this.runtime !== undefined && Object.values(networks).every((state) => state === 'connected');
    return { ready, details: this.runtime ? { networks } : { state: 'not started' } };
  }

  // Capabilities: every kind goes the same way (admin rooms first, then the handlers of the
  // kind). Errors are not caught here: the core's one error path retries nothing (the errors are
  // final, handlers/final-error.ts), dead-letters, counts, and tells the sender.
  onMessage(event: MessageEvent): Promise<void> { return this.handleTyped(event); }
  onEdit(event: EditEvent): Promise<void> { return this.handleTyped(event); }
  onRedaction(event: RedactionEvent): Promise<void> { return this.handleTyped(event); }
  onMembership(event: MembershipEvent): Promise<void> { return this.handleTyped(event); }
  onRoomState(event: RoomStateEvent): Promise<void> { return this.handleTyped(event); }
  onTombstone(event: TombstoneEvent): Promise<void> { return this.handleTyped(event); }
  onEncryption(event: EncryptionEvent): Promise<void> { return this.handleTyped(event); }

  /** What no capability took: unknown types and malformed content (a message of an unknown msgtype is still said). */
  onMatrixEvent(event: MatrixEvent): Promise<void> {
    return this.handleTyped(parseEvent(event));
  }

  /** In a private chat the bot is not in the room: the chat's ghost tells the user instead. */
  async noticeSpeaker(roomId: RoomId): Promise<Intent | undefined> {
    return this.runtime?.speakerIn(roomId);
  }

  private async handleTyped(event: BridgeEvent): Promise<void> {
    if (!this.matrix || !this.admin) throw new Error('The IRC connector has not been started.');
    // Admin rooms (DMs with the bot) take commands; nothing else happens there.
    if (await this.admin.handleEvent(event.raw)) return;
    await this.matrix.dispatch(event);
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
 * The listeners the admin gave a port of their own (`irc.media.port`, `irc.provisioning.port`):
 * one per address, so both may share a port; without a port a route uses the appservice listener.
 */
class OwnListeners {
  private readonly byAddress = new Map<string, string>();

  constructor(private readonly routes: RouteRegistry) {}

  /** The listener's name, or undefined for the appservice listener. */
  for(name: string, section: { bindAddress: string; port?: number | undefined }): string | undefined {
    if (section.port === undefined) return undefined;
    const address = `${section.bindAddress}:${section.port}`;
    const known = this.byAddress.get(address);
    if (known) return known;
    this.routes.listener(name, { bindAddress: section.bindAddress, port: section.port });
    this.byAddress.set(address, name);
    return name;
  }
}

/**
 * The media signing key goes to the core's log redaction before anything can log it. The
 * config's own secrets (passwords, channel keys, the provisioning secret: `secret: true` in the
 * schema) were registered by the core when it read the section.
 */
function registerKeySecrets(ctx: BridgeContext<IrcBridgeConfig>, mediaKey: Buffer | undefined): void {
  // The key lives in memory as bytes; its file (and anything that reads it out) holds base64.
  if (mediaKey) ctx.addSecret(mediaKey.toString('base64'));
}

/**
 * The alias template must stay inside the registration's alias namespace, or the homeserver never
 * asks the bridge about its portals. An install whose registration predates the `#_irc_` default
 * and whose config does not spell out its template meets exactly this after an upgrade.
 */
function checkAliasNamespace(rt: MatrixSide & Pick<Diagnostics, 'log'> & { readonly config: IrcBridgeConfig; readonly aliases: PortalAliases }): void {
  const [networkId] = rt.config.networks.keys();
  if (!networkId) return;
  const sample = rt.aliases.aliasFor(networkId, '#channel' as IrcChannel);
  if (rt.ctx.isBridgeAlias(sample)) return;
  rt.log.error(
    `Portal aliases such as ${sample} (irc.alias_template ${JSON.stringify(rt.config.aliasTemplate)}) are outside the registration's alias namespace, `
    + 'so joining them will never reach the bridge. If your registration was made for the old default, set irc.alias_template: '
    + '\'#irc_$NETWORK_$CHANNEL\' in the config; otherwise regenerate the registration (generate-registration --force) and give it to the homeserver again.',
  );
}

/**
 * Direct links point at the homeserver's legacy download path, which homeservers with
 * authenticated media (Synapse's default) refuse: the admin should know before users complain.
 */
function warnAboutDirectMedia(log: Logger): void {
  // One sentence at every start: the details live in config.sample.yaml under irc.media.
  log.warn(DIRECT_MEDIA_WARNING);
}

/** A key of earlier releases, accepted so their configs still load; nothing reads it. */
export const MAX_HELD_DEPRECATED = 'irc.homeserver_outage.max_held_per_room is no longer used (held lines wait in the journal): remove it from the config.';

export const DIRECT_MEDIA_WARNING = 'IRC users cannot open Matrix media on homeservers with authenticated media (Synapse\'s default): '
  + 'set irc.media.public_url to turn on the media proxy, or irc.media.mode: direct if it is off (see irc.media in config.sample.yaml).';
