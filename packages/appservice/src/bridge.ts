import type { Server } from 'node:http';
import type { BridgeConfig } from './config/types';
import type { BridgeContext, Connector } from './connector';
import { CsApiClient } from './csapi/client';
import { retryDelay } from './csapi/retry';
import { errorMessage } from './errors/bridge-error';
import { createMatrixEventDispatcher, type MatrixEventDispatcher } from './dispatch/deliver';
import { capabilitiesOf } from './dispatch/route';
import type { EphemeralEvent, MatrixEvent } from './events';
import { createAppServiceApp, type TransactionSink } from './http/appservice-app';
import { createOpsApp } from './http/ops-app';
import { asRoomAlias, asUserId, type RoomAlias, type UserId } from './ids';
import { Ingestor } from './ingest/ingestor';
import type { QueuedItem } from './ingest/types';
import { createIntentFactory, type IntentFactory } from './intent/factory';
import { createLogger, type ClosableLogger } from './log/logger';
import { MemberCache } from './members/member-cache';
import { createMetrics, eventTypeLabel, type CoreMetrics } from './metrics/core-metrics';
import { NamespaceMatcher } from './registration/namespaces';
import type { Registration } from './registration/types';
import { openStore, type OpenedStore } from './store/open';
import { createGhosts, type Ghosts } from './ghosts/ghosts';
import { buildUserId } from './ghosts/localpart';
import { ghostPrefixFrom } from './ghosts/prefix';
import { createPortals } from './portals/portals';
import { listen, closeServer } from './http/listen';
import { startPingLoop, type PingLoop } from './startup/homeserver-ping';
import { CORE_VERSION } from './version';
import { BridgeError } from './errors/bridge-error';
import { redactDatabaseUrl } from './store/postgres/open';

export interface BridgeOptions {
  config: BridgeConfig;
  registration: Registration;
  connector: Connector;
  /** Injected in tests; defaults to the global fetch. */
  fetch?: typeof fetch;
  /** Where log lines go instead of stderr (tests). */
  logStream?: NodeJS.WritableStream;
  /** The bridge program's version, logged at start next to the core's (e.g. its package.json version). */
  version?: string;
  /** The start-up ping's backoff and clock (tests); default: 1 s doubling up to 60 s, real timers. */
  ping?: { baseMs?: number; capMs?: number; sleep?: (ms: number, signal: AbortSignal) => Promise<void> };
}

/** Where the started bridge listens (ports are real even when the config said 0). */
export interface BridgeAddresses {
  appservice: { host: string; port: number };
  ops?: { host: string; port: number };
}

const HOUR_MS = 60 * 60 * 1000;
/** How long a txnId / finished event ID is remembered: far longer than any homeserver retry. */
const DEDUPE_RETENTION_MS = 7 * 24 * HOUR_MS;
/** Remote message ↔ event mappings older than this are of no use for replies or edits. */
const MESSAGE_MAP_RETENTION_MS = 30 * 24 * HOUR_MS;
/**
 * How long queued work may take at shutdown before it is left in the journal for the next start.
 * Short: under traffic the queues never empty, and a service manager kills a slow stop.
 */
const SHUTDOWN_DRAIN_MS = 3_000;
/** How long handlers already running may take to finish once nothing new starts. */
const SHUTDOWN_IN_FLIGHT_MS = 5_000;
const MIN_SECRET_LENGTH = 4;
/** Bounds the redaction list (each log line is checked against all of it). */
const MAX_SECRETS = 10_000;
/** Room members whose display names are kept (a few hundred bytes each). */
const MEMBER_CACHE_ENTRIES = 50_000;

/**
 * Wires the core's parts around one Connector: store → intents → ingest → HTTP. Owns their
 * lifetimes: `start()` opens everything in dependency order, `stop()` closes it in reverse,
 * finishing the events already accepted (they stay in the journal if interrupted).
 */
export class Bridge {
  readonly log: ClosableLogger;
  readonly metrics: CoreMetrics;
  private store?: OpenedStore;
  private ingestor?: Ingestor;
  private members?: MemberCache;
  private dispatcher?: MatrixEventDispatcher;
  private servers: Server[] = [];
  private pruneTimer?: NodeJS.Timeout;
  private pingLoop?: PingLoop;
  private readonly matcher: NamespaceMatcher;
  /** Values the logger redacts wherever they appear: the tokens, plus what connectors register. */
  private readonly secrets = new Set<string>();
  private started = false;
  /** The connector's config section as `ctx.section` hands it over (undefined without one). */
  private readonly section: unknown;

  constructor(private readonly opts: BridgeOptions) {
    const { registration } = opts;
    this.secrets.add(registration.asToken).add(registration.hsToken);
    const databaseUrl = opts.config.database.postgres?.url;
    if (databaseUrl) {
      this.secrets.add(databaseUrl);
      const password = passwordOf(databaseUrl);
      if (password) this.addSecret(password);
    }
    // Read before the logger exists: a bad section stops the bridge here, and the section's
    // secrets are redacted from the very first line logged.
    const declared = opts.connector.configSection?.load(opts.config);
    for (const secret of declared?.secrets ?? []) this.addSecret(secret);
    this.section = declared?.value;
    this.log = createLogger(opts.config.logging, () => [...this.secrets], { stream: opts.logStream });
    this.metrics = createMetrics();
    this.matcher = new NamespaceMatcher(registration, opts.config.homeserver.domain);
  }

  async start(): Promise<BridgeAddresses> {
    if (this.started) throw new Error('The bridge is already started');
    this.started = true;
    const { config, registration, connector } = this.opts;
    const log = this.log;
    log.info('Starting the bridge', { connector: connector.name, capabilities: capabilitiesOf(connector), version: this.opts.version ?? 'unknown', coreVersion: CORE_VERSION, pid: process.pid });

    // The ghosts' prefix comes from the registration: a namespace it cannot be read from stops the
    // start here, before the store is touched, with what to change.
    const ghostPrefix = ghostPrefixFrom(registration, config.homeserver.domain, connector.ghostUserIds?.prefix, (userId) => this.matcher.isUserInNamespace(userId));

    if (config.database.postgres) {
      // The repositories run on PostgreSQL (openPostgresStore), but the transaction journal the
      // bridge acknowledges pushes from is still SQLite-only: refuse rather than half-use it.
      throw new BridgeError('CONFIG_INVALID',
        `database.url is set (${redactDatabaseUrl(config.database.postgres.url)}), but this release runs the bridge itself on SQLite only: `
          + 'remove database.url to use database.path. The PostgreSQL store serves `migrate-store` and connectors\' tests for now.');
    }

    // First, before anything connects: a second bridge on this store must stop here.
    const store = openStore(config.database.path, {
      extraMigrations: connector.migrations?.length ? [{ scope: connector.name, migrations: connector.migrations }] : [],
      lock: { log: log.child({ component: 'store' }) },
    });
    this.store = store;

    const client = new CsApiClient({
      baseUrl: config.homeserver.url,
      asToken: registration.asToken,
      timeoutMs: 30_000,
      maxRetries: 5,
      log: log.child({ component: 'csapi' }),
      metrics: this.metrics.csapi,
      fetch: this.opts.fetch,
    });
    const botUserId = asUserId(this.matcher.botUserId);
    const intents = createIntentFactory({
      client,
      domain: config.homeserver.domain,
      botUserId,
      isBridgeUser: (userId) => this.matcher.isUserInNamespace(userId),
      log: log.child({ component: 'intent' }),
      metrics: { cacheEntries: this.metrics.cacheSize },
    });
    this.members = new MemberCache({
      fetchMember: (roomId, userId) => intents.bot.getState(roomId, 'm.room.member', userId),
      max: MEMBER_CACHE_ENTRIES,
      metrics: { lookups: this.metrics.memberLookups, size: this.metrics.cacheSize },
    });
    // Any mapping of the event to a remote message means the other side saw it.
    const bridged = store.db.prepare<[string], { one: number }>('SELECT 1 AS one FROM message_links WHERE event_id = ? LIMIT 1');
    this.dispatcher = createMatrixEventDispatcher({
      connector,
      bot: intents.bot,
      wasBridged: (eventId) => bridged.get(eventId) !== undefined,
      log: log.child({ component: 'dispatch' }),
      unsupportedCounter: this.metrics.unsupportedEvents,
    });

    const ingestor = new Ingestor({
      journal: store.journal,
      handle: (item) => this.handle(item),
      // The bridge's own users (ghosts and the bot) are the only senders whose events it made itself.
      isEcho: (event) => this.matcher.isUserInNamespace(event.sender),
      roomConcurrency: config.ingest.roomConcurrency,
      maxAttempts: config.ingest.maxAttempts,
      retryDelay: (attempt) => retryDelay(attempt - 1, { baseMs: 1000, capMs: 60_000, random: Math.random }),
      slowHandlerMs: config.ingest.slowHandlerMs,
      log: log.child({ component: 'ingest' }),
      metrics: this.metrics.ingest,
    });
    this.ingestor = ingestor;

    const ghosts = createGhosts({
      prefix: ghostPrefix, domain: config.homeserver.domain, includeNetwork: connector.ghostUserIds?.includeNetwork,
      links: store.ghosts, intent: (userId) => intents.intent(userId),
    });
    const ctx = this.context(intents, store, ingestor, client, ghosts);
    await connector.start(ctx);
    // Events left in the journal by the last run go first: a push that arrives once the listener
    // is up must queue behind them, or a room's newer events would run before its older ones.
    ingestor.resume();

    const app = createAppServiceApp({
      hsToken: registration.hsToken,
      ingest: this.sink(ingestor, intents),
      onUserQuery: connector.onUserQuery
        ? (userId) => (this.matcher.isUserInNamespace(userId) ? connector.onUserQuery!(userId) : Promise.resolve(false))
        : undefined,
      onAliasQuery: connector.onAliasQuery
        ? (alias) => (this.matcher.isAliasInNamespace(alias) ? connector.onAliasQuery!(alias) : Promise.resolve(false))
        : undefined,
      onPing: (txnId) => log.debug('Homeserver pinged the bridge', { txnId }),
      thirdParty: connector.thirdParty,
      maxBodyBytes: config.appservice.maxBodyBytes,
      log: log.child({ component: 'http' }),
      metrics: this.metrics.http,
      registrationFile: config.appservice.registration,
    });
    const appserviceServer = await listen(app, config.appservice.bindAddress, config.appservice.port);
    this.servers.push(appserviceServer.server);
    const addresses: BridgeAddresses = { appservice: appserviceServer.address };

    if (config.metrics.enabled) {
      const ops = createOpsApp({
        metricsRegistry: this.metrics.registry,
        health: () => ({ ok: true, details: { store: this.storeHealth(), queueDepth: ingestor.depth } }),
        log,
      });
      const opsServer = await listen(ops, config.metrics.bindAddress, config.metrics.port);
      this.servers.push(opsServer.server);
      addresses.ops = opsServer.address;
    }

    this.pruneTimer = setInterval(() => this.prune(), HOUR_MS).unref();
    this.prune();
    log.info('Bridge started', { connector: connector.name, appservice: addresses.appservice, ops: addresses.ops });

    // Not awaited: the bridge works (and answers pushes) while the homeserver is still away.
    this.pingLoop = startPingLoop({
      ping: () => client.ping(registration.id, `startup-${Date.now()}`),
      log: log.child({ component: 'ping' }),
      appserviceId: registration.id,
      registrationUrl: registration.url,
      ...this.opts.ping,
    });
    return addresses;
  }

  /**
   * Stops in the order that loses nothing: the listener first (the homeserver keeps what it could
   * not push), then a short drain of queued work while the connector is up, then no new work
   * starts and the running handlers get a bound to finish; only then the connector stops. Work
   * not done stays in the journal for the next start, and what the network says while the
   * connector stops is journaled too (the outbox takes it until the store closes).
   */
  async stop(): Promise<void> {
    this.pingLoop?.stop();
    if (this.pruneTimer) clearInterval(this.pruneTimer);
    await Promise.all(this.servers.map((s) => closeServer(s)));
    this.servers = [];
    if (this.ingestor) {
      await withTimeout(this.ingestor.drain(), SHUTDOWN_DRAIN_MS);
      await withTimeout(this.ingestor.stop(), SHUTDOWN_IN_FLIGHT_MS);
    }
    try {
      await this.opts.connector.stop();
    } finally {
      this.ingestor?.outbox.flush();
      this.store?.close();
      this.store = undefined;
      this.log.info('Bridge stopped');
      await this.log.close();
    }
  }

  /** Runs `task` after everything queued so far has been handled (for tests and shutdown). */
  async drain(): Promise<void> {
    await this.ingestor?.drain();
  }

  private context(intents: IntentFactory, store: OpenedStore, ingestor: Ingestor, client: CsApiClient, ghosts: Ghosts): BridgeContext {
    const { config, registration } = this.opts;
    const domain = config.homeserver.domain;
    return {
      intent: (userId) => intents.intent(userId),
      bot: intents.bot,
      store,
      log: this.log.child({ connector: this.opts.connector.name }),
      metrics: this.metrics.registry,
      config,
      section: this.section,
      registration,
      domain,
      // A localpart the homeserver would refuse fails here, before any request is made with it.
      userId: (localpart) => asUserId(buildUserId(localpart, domain)),
      roomAlias: (localpart) => asRoomAlias(`#${localpart}:${domain}`),
      isBridgeUser: (userId: UserId) => this.matcher.isUserInNamespace(userId),
      isBridgeAlias: (alias: RoomAlias) => this.matcher.isAliasInNamespace(alias),
      inRoomOrder: (roomKey, task, options) => ingestor.inRoomOrder(roomKey, task, options),
      outbox: ingestor.outbox,
      media: { download: (mxc, opts) => client.downloadMediaStream(mxc, opts) },
      members: this.members!,
      addSecret: (secret) => this.addSecret(secret),
      ghosts,
      portals: createPortals(store.portals, intents.bot),
    };
  }

  private addSecret(secret: string): void {
    // Very short values would redact ordinary words; a secret that short is not one anyway.
    if (secret.length >= MIN_SECRET_LENGTH && this.secrets.size < MAX_SECRETS) this.secrets.add(secret);
  }

  /** Everything here is synchronous: the HTTP layer answers 200 only after `acceptTransaction` returned. */
  private sink(ingestor: Ingestor, intents: IntentFactory): TransactionSink {
    return {
      acceptTransaction: (txnId: string, events: MatrixEvent[], ephemeral: EphemeralEvent[]) => {
        const result = ingestor.acceptTransaction(txnId, events, ephemeral);
        if (result.duplicate) return result;
        for (const event of events) {
          this.metrics.eventsReceived.inc({ type: eventTypeLabel(event.type) });
          // Membership caches must follow every member event, the bridge's own included.
          if (event.type === 'm.room.member') {
            intents.onMemberEvent(event);
            this.members?.observe(event);
          }
        }
        return result;
      },
    };
  }

  /**
   * Runs one queued item in its room's turn. Matrix events go through the dispatcher (typed
   * event → capability, dispatch/): one error path for every handler, rethrown here for the
   * ingestor's retry and dead-letter.
   */
  private async handle(item: QueuedItem): Promise<void> {
    const { connector, config } = this.opts;
    if (item.kind === 'ephemeral') {
      await connector.onEphemeral?.(item.event);
      return;
    }
    await this.dispatcher!.dispatch(item.event, config.ingest.maxAttempts - (item.attempts + 1));
  }

  private storeHealth(): string {
    try {
      this.store?.db.prepare('SELECT 1').get();
      return 'ok';
    } catch (err) {
      return errorMessage(err);
    }
  }

  private prune(): void {
    try {
      const dedupe = this.store?.journal.prune(DEDUPE_RETENTION_MS) ?? 0;
      const messages = this.store?.sync.messages.prune(MESSAGE_MAP_RETENTION_MS) ?? 0;
      if (dedupe + messages > 0) this.log.debug('Pruned old records', { dedupe, messages });
    } catch (err) {
      this.log.error('Pruning the store failed', { error: errorMessage(err) });
    }
  }
}

/** The password of a database URL, to redact wherever it might be logged. */
function passwordOf(url: string): string | undefined {
  try {
    return decodeURIComponent(new URL(url).password) || undefined;
  } catch {
    return undefined;
  }
}

function withTimeout(work: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolveTimeout) => { timer = setTimeout(resolveTimeout, ms); });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
