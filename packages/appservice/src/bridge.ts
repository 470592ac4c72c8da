import type { Server } from 'node:http';
import type { Dispatcher } from 'undici';
import type { BridgeConfig } from './config/types';
import type { BridgeContext, Connector, ReloadReport } from './connector';
import { loadConfig } from './config/load';
import { coreChanges } from './reload/core-changes';
import { CsApiClient } from './csapi/client';
import { retryDelay } from './csapi/retry';
import { ConfigError, errorMessage } from './errors/bridge-error';
import { createMatrixEventDispatcher, type MatrixEventDispatcher } from './dispatch/deliver';
import { capabilitiesOf } from './dispatch/route';
import type { EphemeralEvent, MatrixEvent } from './events';
import { createAppServiceApp, type TransactionSink } from './http/appservice-app';
import { createOpsApp } from './http/ops-app';
import { ConnectorRoutes, type RouteAddresses } from './http/routes';
import { HomeserverStatus } from './health/homeserver-status';
import { readinessReport, type ReadinessReport } from './health/readiness';
import { asRoomAlias, asUserId, type RoomAlias, type UserId } from './ids';
import { Ingestor } from './ingest/ingestor';
import type { QueuedItem } from './ingest/types';
import type { AcceptResult } from './ingest/ingestor';
import { createIntentFactory, type IntentFactory } from './intent/factory';
import { createLogger, type ClosableLogger } from './log/logger';
import { MemberCache } from './members/member-cache';
import { createMetrics, eventTypeLabel, type CoreMetrics } from './metrics/core-metrics';
import { NamespaceMatcher } from './registration/namespaces';
import type { Registration } from './registration/types';
import { openBridgeStore, type BridgeStoreHandle } from './store/bridge-store';
import { createGhosts, type Ghosts } from './ghosts/ghosts';
import { buildUserId } from './ghosts/localpart';
import { ghostPrefixFrom } from './ghosts/prefix';
import { createPortals } from './portals/portals';
import { listen, closeServer } from './http/listen';
import { startPingLoop, type PingLoop } from './startup/homeserver-ping';
import { CORE_VERSION } from './version';

/** What a `Bridge` is built from: the config, the registration and the connector, plus hooks for tests. */
export interface BridgeOptions {
  config: BridgeConfig;
  registration: Registration;
  connector: Connector;
  /** Where client-server requests go; defaults to a keep-alive undici Pool to the homeserver. Tests hand in a MockAgent. */
  dispatcher?: Dispatcher;
  /** Where log lines go instead of stderr (tests). */
  logStream?: NodeJS.WritableStream;
  /** The bridge program's version, logged at start next to the core's (e.g. its package.json version). */
  version?: string;
  /**
   * Reads the config again for a reload (the CLI passes its own, which knows the app's sections);
   * default: the file the config came from, with the connector's section as the only extra one.
   */
  loadConfig?: () => BridgeConfig;
  /** The start-up ping's backoff and clock (tests); default: 1 s doubling up to 60 s, real timers. */
  ping?: { baseMs?: number; capMs?: number; sleep?: (ms: number, signal: AbortSignal) => Promise<void> };
  /**
   * The time the core waits on and stamps records with (tests, e.g. the test kit's `TestClock`):
   * retry backoffs of events and homeserver requests, the slow-handler watchdog, the start-up
   * ping's pauses, the store's timestamps. Default: real time.
   */
  clock?: BridgeClock;
  /**
   * The bridge cannot go on safely: the PostgreSQL connection holding the store's lock broke, so
   * another process may take the store. Pushes are already refused (the homeserver retries);
   * the CLI stops the bridge and exits 1 for the service manager to restart it. Default: stop
   * and set `process.exitCode` to 1.
   */
  onFatal?: (error: Error) => void;
}

/** A source of time and timers; `setTimeout` handles are opaque to the core. */
export interface BridgeClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Where the started bridge listens (ports are real even when the config said 0). */
export interface BridgeAddresses {
  appservice: { host: string; port: number };
  ops?: { host: string; port: number };
  /** The connector's own listeners (`ctx.routes.listener`), by name. */
  routes?: RouteAddresses;
}

const HOUR_MS = 60 * 60 * 1000;
/** How long a txnId / finished event ID is remembered: far longer than any homeserver retry. */
const DEDUPE_RETENTION_MS = 7 * 24 * HOUR_MS;
/** Remote message ↔ event mappings older than this are of no use for replies or edits. */
const MESSAGE_MAP_RETENTION_MS = 30 * 24 * HOUR_MS;
/** How long handlers already running may take to finish once nothing new starts. */
const SHUTDOWN_IN_FLIGHT_MS = 5_000;
/** How long connector route requests (a download, a webhook) may run on once shutdown began. */
const ROUTE_GRACE_MS = 5_000;
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
  private store?: BridgeStoreHandle;
  /** Set when the bridge must not take more pushes (the store's lock is lost). */
  private fatalError?: Error;
  /** Set while the store's lock is being taken again: pushes get a 500 meanwhile. */
  private lockPaused?: Error;
  private ingestor?: Ingestor;
  private members?: MemberCache;
  private dispatcher?: MatrixEventDispatcher;
  private servers: Server[] = [];
  private routes?: ConnectorRoutes;
  private pruneTimer?: NodeJS.Timeout;
  private pingLoop?: PingLoop;
  /** Ping answered? Last request answered? For /ready and the reachability gauge. */
  private readonly homeserver: HomeserverStatus;
  /** The client-server client: pinged again while the homeserver is away, closed last at stop. */
  private client?: CsApiClient;
  private stopping = false;
  private readonly matcher: NamespaceMatcher;
  /** Values the logger redacts wherever they appear: the tokens, plus what connectors register. */
  private readonly secrets = new Set<string>();
  private started = false;
  /** The connector's config section as `ctx.section` hands it over (undefined without one). */
  private readonly section: unknown;
  /** Reloads run one after another: a second SIGHUP waits for the first. */
  private reloading: Promise<unknown> = Promise.resolve();

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
    this.metrics = createMetrics({ version: opts.version ?? 'unknown', coreVersion: CORE_VERSION });
    this.homeserver = new HomeserverStatus(this.metrics.homeserverReachable);
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

    // First, before anything connects: a second bridge on this store must stop here.
    const clock = this.opts.clock;
    const store = await openBridgeStore(config.database, {
      clock: clock && (() => clock.now()),
      extraMigrations: connector.migrations?.length ? [{ scope: connector.name, migrations: connector.migrations }] : [],
      log: log.child({ component: 'store' }),
      onLockLost: (err) => this.lockLost(err),
      onLockRegained: () => this.lockRegained(),
      onLockGone: (err) => this.lockGone(err),
    });
    this.store = store;
    log.info('Store open', { database: store.dialect });

    const client = new CsApiClient({
      baseUrl: config.homeserver.url,
      asToken: registration.asToken,
      timeoutMs: 30_000,
      maxRetries: 5,
      log: log.child({ component: 'csapi' }),
      metrics: this.metrics.csapi,
      dispatcher: this.opts.dispatcher,
      onAttempt: (answered) => this.onHomeserverAttempt(answered),
      ...(clock ? { now: () => clock.now(), sleep: (ms: number) => new Promise<void>((resolve) => { clock.setTimeout(resolve, ms); }) } : {}),
    });
    this.client = client;
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
    this.dispatcher = createMatrixEventDispatcher({
      connector,
      bot: intents.bot,
      // Any mapping of the event to a remote message means the other side saw it.
      wasBridged: (eventId) => store.wasBridged(eventId),
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
      ...(clock ? { timers: clock, now: () => clock.now() } : {}),
      log: log.child({ component: 'ingest' }),
      metrics: this.metrics.ingest,
    });
    this.ingestor = ingestor;

    const ghosts = createGhosts({
      prefix: ghostPrefix, domain: config.homeserver.domain, includeNetwork: connector.ghostUserIds?.includeNetwork,
      links: store.store.ghosts, intent: (userId) => intents.intent(userId),
    });
    const routes = new ConnectorRoutes({ log: log.child({ component: 'routes' }), metrics: this.metrics.routes });
    this.routes = routes;
    const ctx = this.context(intents, store, ingestor, client, ghosts, routes);
    await connector.start(ctx);
    // A route added after this would never be served: refuse it loudly instead.
    routes.seal();
    // Events left in the journal by the last run go first: a push that arrives once the listener
    // is up must queue behind them, or a room's newer events would run before its older ones.
    await ingestor.resume();

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
      connectorRoutes: routes.appserviceRouter(),
    });
    const appserviceServer = await listen(app, config.appservice.bindAddress, config.appservice.port);
    this.servers.push(appserviceServer.server);
    const addresses: BridgeAddresses = { appservice: appserviceServer.address };
    const ownListeners = await routes.listen();
    if (Object.keys(ownListeners).length > 0) addresses.routes = ownListeners;
    const routeList = routes.describe();
    if (routeList.length > 0) log.info('Connector routes', { routes: routeList, listeners: addresses.routes });

    if (config.metrics.enabled) {
      const ops = createOpsApp({
        metricsRegistry: this.metrics.registry,
        // Liveness only: the process answers. What it depends on is /ready's business, or an
        // orchestrator would restart a healthy bridge every time the homeserver restarts.
        health: () => ({ ok: true, details: { queueDepth: ingestor.depth } }),
        ready: () => this.readiness(),
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
    this.startPinging();
    return addresses;
  }

  /**
   * Reads the config file again and applies what can change live: the log level, the drain
   * bound, and the connector's section (`Connector.reload`). An invalid file is refused with its
   * problems logged, and the running config stays; changed settings that only a restart applies
   * are named in the log. Never throws.
   */
  reload(): Promise<ReloadReport> {
    const run = this.reloading.then(() => this.reloadNow());
    this.reloading = run.catch(() => undefined);
    return run;
  }

  private async reloadNow(): Promise<ReloadReport> {
    const { connector } = this.opts;
    const current = this.opts.config;
    const log = this.log.child({ component: 'reload' });
    let next: BridgeConfig;
    let section: { value: unknown; secrets: readonly string[] } | undefined;
    try {
      next = this.opts.loadConfig
        ? this.opts.loadConfig()
        : loadConfig(current.source, connector.configSection ? { sections: [connector.configSection.key] } : {});
      section = connector.configSection?.load(next);
    } catch (err) {
      const problems = err instanceof ConfigError ? err.problems.map((p) => (p.path ? `${p.path}: ${p.message}` : p.message)) : [errorMessage(err)];
      log.error('Config reload refused; the running config stays in effect', { file: current.source, problems });
      return { ok: false, problems, applied: [], needsRestart: [] };
    }
    for (const secret of section?.secrets ?? []) this.addSecret(secret);
    const core = coreChanges(current, next);
    // The config object is shared with the connector (ctx.config): only the live keys move.
    current.logging.level = next.logging.level;
    current.shutdown = next.shutdown;
    this.log.setLevel(next.logging.level);
    const applied = [...core.applied];
    const needsRestart = [...core.needsRestart];
    if (section && connector.reload) {
      try {
        const outcome = await connector.reload(section.value, next);
        applied.push(...outcome.applied);
        needsRestart.push(...outcome.needsRestart);
      } catch (err) {
        log.error('The connector could not apply the reloaded config; what it had applied stays', { error: errorMessage(err) });
        return { ok: false, problems: [errorMessage(err)], applied, needsRestart };
      }
    } else if (section && JSON.stringify(section.value) !== JSON.stringify(this.section)) {
      needsRestart.push(connector.configSection!.key);
    }
    log.info(applied.length > 0 ? 'Config reloaded' : 'Config reloaded; nothing that can change live has changed', { file: current.source, applied });
    if (needsRestart.length > 0) log.warn(`These changed settings need a restart to take effect: ${needsRestart.join(', ')}`, { needsRestart });
    return { ok: true, problems: [], applied, needsRestart };
  }

  /** What /ready answers: store, homeserver and connector, each named when not ready. */
  async readiness(): Promise<ReadinessReport> {
    const { connector } = this.opts;
    return readinessReport({
      store: this.store ? await this.storeHealth() : 'closed',
      homeserver: this.homeserver.snapshot(),
      ...(connector.readiness ? { connector: { name: connector.name, readiness: connector.readiness() } } : {}),
    });
  }

  /**
   * The appservice ping, kept up until the homeserver answers: at start, and again whenever it
   * stopped answering, so the reachability gauge and /ready come back on their own even when
   * nothing else would send a request.
   */
  private startPinging(): void {
    const client = this.client;
    if (!client || this.stopping || this.pingLoop) return;
    const { registration } = this.opts;
    const loop = startPingLoop({
      ping: () => client.ping(registration.id, `ping-${Date.now()}`),
      log: this.log.child({ component: 'ping' }),
      appserviceId: registration.id,
      registrationUrl: registration.url,
      ...(this.opts.clock ? { now: () => this.opts.clock!.now(), sleep: clockSleep(this.opts.clock) } : {}),
      ...this.opts.ping,
    });
    this.pingLoop = loop;
    void loop.done.then((outcome) => {
      this.homeserver.pingSettled(outcome);
      if (this.pingLoop === loop) this.pingLoop = undefined;
    });
  }

  private onHomeserverAttempt(answered: boolean): void {
    const wasReachable = this.homeserver.snapshot().reachable;
    this.homeserver.observe(answered);
    if (!answered && wasReachable !== false) this.startPinging();
  }

  /**
   * Stops in the order that loses nothing: the listeners first (the homeserver keeps what it could
   * not push; route requests in flight finish within a bound, new ones get 503), then a short
   * drain of queued work while the connector is up, then no new work starts and the running
   * handlers get a bound to finish; only then the connector stops. Work not done stays in the
   * journal for the next start, and what the network says while the connector stops is journaled
   * too (the outbox takes it until the store closes).
   */
  async stop(): Promise<void> {
    this.stopping = true;
    this.pingLoop?.stop();
    if (this.pruneTimer) clearInterval(this.pruneTimer);
    // Before the drain: a webhook that arrived now would queue work the drain might not wait for.
    // Requests in flight (a download, a transaction being stored) may finish, within one bound.
    this.routes?.stopAdmitting();
    const closing = Promise.all(this.servers.splice(0).map((s) => closeServer(s, ROUTE_GRACE_MS)));
    await this.routes?.close(ROUTE_GRACE_MS);
    await closing;
    if (this.ingestor) {
      // shutdown.drain_seconds: under traffic the queues never empty, and a service manager kills a slow stop.
      await withTimeout(this.ingestor.drain(), this.opts.config.shutdown.drainMs);
      await withTimeout(this.ingestor.stop(), SHUTDOWN_IN_FLIGHT_MS);
    }
    try {
      await this.opts.connector.stop();
    } finally {
      // What the outbox took while the connector stopped, and writes retried through an outage.
      await this.ingestor?.flushJournal().catch((err: unknown) => this.log.error('Could not finish the journal writes', { error: errorMessage(err) }));
      await this.store?.close().catch((err: unknown) => this.log.error('Could not close the store cleanly', { error: errorMessage(err) }));
      this.store = undefined;
      // Last: the connector's and the ingestor's final requests have gone out.
      await this.client?.close();
      this.client = undefined;
      this.log.info('Bridge stopped');
      await this.log.close();
    }
  }

  /** Runs `task` after everything queued so far has been handled (for tests and shutdown). */
  async drain(): Promise<void> {
    await this.ingestor?.drain();
  }

  private context(intents: IntentFactory, { store }: BridgeStoreHandle, ingestor: Ingestor, client: CsApiClient, ghosts: Ghosts, routes: ConnectorRoutes): BridgeContext {
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
      routes,
      members: this.members!,
      addSecret: (secret) => this.addSecret(secret),
      reloadConfig: () => this.reload(),
      ghosts,
      portals: createPortals(store.portals, intents.bot),
    };
  }

  private addSecret(secret: string): void {
    // Very short values would redact ordinary words; a secret that short is not one anyway.
    if (secret.length >= MIN_SECRET_LENGTH && this.secrets.size < MAX_SECRETS) this.secrets.add(secret);
  }

  /**
   * The HTTP layer answers 200 only once `acceptTransaction` returned (SQLite: synchronously) or
   * its Promise resolved (PostgreSQL: committed); a throw or rejection is a 500, and the
   * homeserver retries.
   */
  private sink(ingestor: Ingestor, intents: IntentFactory): TransactionSink {
    const accepted = (events: MatrixEvent[], result: AcceptResult): AcceptResult => {
      if (result.duplicate) return result;
        this.metrics.lastTransaction.set(Date.now() / 1000);
        for (const event of events) {
          this.metrics.eventsReceived.inc({ type: eventTypeLabel(event.type) });
          // Membership caches must follow every member event, the bridge's own included.
          if (event.type === 'm.room.member') {
            intents.onMemberEvent(event);
            this.members?.observe(event);
          }
        }
        return result;
    };
    return {
      acceptTransaction: (txnId: string, events: MatrixEvent[], ephemeral: EphemeralEvent[]) => {
        const refusal = this.fatalError ?? this.lockPaused;
        if (refusal) throw new Error(`The store's lock is lost: ${refusal.message}`);
        const result = ingestor.acceptTransaction(txnId, events, ephemeral);
        return result instanceof Promise ? result.then((r) => accepted(events, r)) : accepted(events, result);
      },
    };
  }

  /**
   * The connection holding PostgreSQL's advisory lock broke (the server restarted, the backend
   * was killed), so the lock went with it. Pushes are refused (500: the homeserver retries) while
   * the store takes it again; that is safe only when nobody held it in between, which the lock's
   * record proves (postgres/process-lock.ts). Otherwise `lockGone`.
   */
  private lockLost(err: Error): void {
    if (this.fatalError || this.stopping) return;
    this.lockPaused = err;
    this.log.warn('Lost the PostgreSQL connection holding the store lock; refusing pushes until it is taken again', { error: errorMessage(err) });
  }

  private lockRegained(): void {
    this.lockPaused = undefined;
    this.log.info('Took the store lock again; taking pushes again');
  }

  /**
   * The lock could not be taken back safely: another process has (or had) the store, or the
   * database stayed away too long. Going on could bridge every message twice, so the bridge stops
   * and exits 1; the service manager restarts it, and the start takes the lock or names its holder.
   */
  private lockGone(err: Error): void {
    if (this.fatalError || this.stopping) return;
    this.fatalError = err;
    this.log.error('Lost the store lock for good: another bridge process could have taken the store. '
      + 'Refusing pushes and stopping with exit code 1; the service manager should restart the bridge', { error: errorMessage(err) });
    if (this.opts.onFatal) {
      this.opts.onFatal(err);
      return;
    }
    process.exitCode = 1;
    void this.stop().catch(() => undefined);
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

  private async storeHealth(): Promise<string> {
    const lockProblem = this.fatalError ?? this.lockPaused;
    if (lockProblem) return `store lock lost: ${lockProblem.message}`;
    try {
      await this.store?.check();
      return 'ok';
    } catch (err) {
      return errorMessage(err);
    }
  }

  private prune(): void {
    this.store?.prune(DEDUPE_RETENTION_MS, MESSAGE_MAP_RETENTION_MS).then(
      (pruned) => { if (pruned > 0) this.log.debug('Pruned old records', { pruned }); },
      (err: unknown) => this.log.error('Pruning the store failed', { error: errorMessage(err) }),
    );
  }
}

/** An abortable pause on `clock`, the shape the start-up ping loop waits with. */
function clockSleep(clock: BridgeClock): (ms: number, signal: AbortSignal) => Promise<void> {
  return (ms, signal) => new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    const handle = clock.setTimeout(() => { signal.removeEventListener('abort', stop); resolve(); }, ms);
    const stop = () => { clock.clearTimeout(handle); resolve(); };
    signal.addEventListener('abort', stop, { once: true });
  });
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
