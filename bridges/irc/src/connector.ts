/**
 * `IrcConnector`: the IRC bridge as the core sees it. It assembles the runtime (networks,
 * portals, handlers) in `start`, offers the core its capabilities (typed Matrix events, each to
 * the Matrix dispatcher) and answers the homeserver's alias and user queries. The event families
 * themselves live in handlers/. Reactions have no capability: IRC has nothing to show them
 * with, and the core tells the sender so.
 */
import {
  parseEvent,
  type BridgeConfig, type BridgeContext, type BridgeEvent, type Connector, type EditEvent, type EncryptionEvent, type Intent,
  type Logger, type MatrixEvent, type MembershipEvent, type MessageEvent, type Migration, type RedactionEvent, type RoomAlias,
  type RoomId, type RoomStateEvent, type TombstoneEvent, type UserId,
} from '@bridgekit/appservice';
import { openIrcAccounts, type IrcAccounts } from './accounts';
import { ircMigrations } from './store/migrations';
import { createAdminRooms, type AdminRooms } from './admin';
import { adminBridgeOps } from './admin/bridge-ops';
import { IRC_CONFIG_SECTION, parseIrcConfig } from './config/parse';
import { botPrivateMessages } from './handlers/irc-to-matrix/bot-private';
import { createProvisioning, listenProvisioning, type ProvisioningListener } from './provisioning';
import { provisioningBridgeOps } from './provisioning/bridge-ops';
import type { IrcBridgeConfig } from './config/types';
import type { IrcChannel } from './mapping/ids';
import { IrcDispatcher, MatrixDispatcher } from './handlers/dispatch';
import { IRC_HANDLERS } from './handlers/irc-to-matrix';
import { defineIrcOutbox } from './handlers/irc-to-matrix/outbox';
import { MATRIX_HANDLERS } from './handlers/matrix-to-irc';
import type { AnyIrcHandler, AnyMatrixHandler } from './handlers/registry';
import { systemClock, type Clock } from './irc/clock';
import { IrcConnection } from './irc/connection';
import { MediaLinks } from './media/links';
import { startMediaProxy, type MediaProxy } from './media/proxy';
import { loadSigningKey } from './media/signing-key';
import type { IrcClientFactory } from './network/client';
import { IrcNetwork } from './network/network';
import type { PuppetLoginSource } from './network/puppets';
import { createDynamicPortal } from './portals/dynamic';
import { checkBridgeInfo } from './portals/bridge-info';
import { joinBridgedChannels } from './portals/startup';
import { IrcBridgeRuntime, type BridgeRuntime } from './runtime';
import { IrcThirdParty } from './third-party';

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
  readonly config: IrcBridgeConfig;
  /** The connector's tables (scope "irc"): stored accounts. Append-only once released. */
  readonly migrations: Migration[] = ircMigrations();
  private runtime?: IrcBridgeRuntime;
  /** The handlers of typed Matrix events (handlers/matrix-to-irc). */
  private matrix?: MatrixDispatcher;
  private proxy?: MediaProxy;
  private admin?: AdminRooms;
  private provisioning?: ProvisioningListener;
  /** The `irc` third-party protocol: one instance per network, channel and nick lookups (third-party.ts). */
  readonly thirdParty: IrcThirdParty;

  /** Validates the `irc:` section; throws ConfigError (so `check-config` reports it). */
  constructor(bridgeConfig: BridgeConfig, private readonly options: IrcConnectorOptions = {}) {
    this.config = parseIrcConfig(bridgeConfig);
    this.thirdParty = new IrcThirdParty(this.config, () => this.bridge);
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
    let key: Buffer | undefined;
    if (config.media.mode === 'proxy') {
      const loaded = loadSigningKey(config.media.signingKeyFile);
      if (loaded.created) log.info('Created the media proxy signing key', { path: config.media.signingKeyFile });
      key = loaded.key;
    }
    registerKeySecrets(ctx, key);
    const clock = options.clock ?? systemClock;
    const rt = new IrcBridgeRuntime(ctx, config, log, new MediaLinks(config.media, key, clock.now), clock);
    rt.outbox = defineIrcOutbox(rt);
    this.runtime = rt;
    // IRC listeners read portals and ghost bindings synchronously, in line order: load them first.
    const portals = await rt.portals.load();
    const bindings = await rt.ghostSync.renames.load([...config.networks.keys()]);
    const channelModes = await rt.channelFlags.load();
    log.info('Loaded portals, ghost bindings and channel modes', { portals, bindings, channelModes });
    checkAliasNamespace(rt);
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
    this.matrix = new MatrixDispatcher(options.matrixHandlers ?? MATRIX_HANDLERS, () => rt);
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
      await joinBridgedChannels(rt, network);
      checkBridgeInfo(rt, network);
    }
  }

  async stop(): Promise<void> {
    const rt = this.runtime;
    rt?.ghostSync.stop();
    if (rt) await Promise.all(rt.networks().map((n) => n.stop()));
    // Writes made behind in-memory changes (NICK moves, ghost bindings) reach the store before it closes.
    await rt?.portals.flushed();
    await rt?.ghostSync.renames.flushed();
    await rt?.channelFlags.flushed();
    await this.proxy?.close();
    await this.provisioning?.close();
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
function checkAliasNamespace(rt: IrcBridgeRuntime): void {
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

export const DIRECT_MEDIA_WARNING = 'IRC users cannot open Matrix media on homeservers with authenticated media (Synapse\'s default): '
  + 'set irc.media.public_url to turn on the media proxy, or irc.media.mode: direct if it is off (see irc.media in config.sample.yaml).';
