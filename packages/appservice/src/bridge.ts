import type { Server } from 'node:http';
import { createBridgeContext } from './bridge-context';
import type { ReloadReport } from './connector';
import { ConfigReloader } from './reload/config-reload';
import { CsApiClient } from './csapi/client';
import { retryDelay } from './csapi/retry';
import { errorMessage } from './errors/bridge-error';
import { createMatrixEventDispatcher, type MatrixEventDispatcher } from './dispatch/deliver';
import { capabilitiesOf } from './dispatch/route';
import type { EphemeralEvent, MatrixEvent } from './events';
import type { TransactionSink } from './http/appservice-app';
import { openBridgeListeners, type BridgeAddresses } from './http/bridge-listeners';
import { ConnectorRoutes } from './http/routes';
import { HomeserverWatch } from './health/homeserver-watch';
import { readinessReport, storeHealth, type ReadinessReport } from './health/readiness';
import { asUserId } from './ids';
import { Ingestor } from './ingest/ingestor';
import type { QueuedItem } from './ingest/types';
import type { AcceptResult } from './ingest/ingestor-api';
import { createIntentFactory, type IntentFactory } from './intent/factory';
import { createLogger, type ClosableLogger } from './log/logger';
import { MemberCache } from './members/member-cache';
import { createMetrics, eventTypeLabel, type CoreMetrics } from './metrics/core-metrics';
import { NamespaceMatcher } from './registration/namespaces';
import { openBridgeStore, type BridgeStoreHandle } from './store/bridge-store';
import { StoreLockGuard } from './store/lock-guard';
import { createGhosts } from './ghosts/ghosts';
import { ghostPrefixFrom } from './ghosts/prefix';
import { closeServer } from './http/listen';
import { CORE_VERSION } from './version';
import { PolicyLists } from './moderation/policy-lists';
import { botPolicyAccess } from './moderation/bot-access';

import type { BridgeOptions } from './bridge-options';
import { BridgeSecrets } from './bridge-secrets';

export type { BridgeAddresses } from './http/bridge-listeners';

const HOUR_MS = 60 * 60 * 1000;
/** How long a txnId / finished event ID is remembered: far longer than any homeserver retry. */
const DEDUPE_RETENTION_MS = 7 * 24 * HOUR_MS;
/** Remote message ↔ event mappings older than this are of no use for replies or edits. */
const MESSAGE_MAP_RETENTION_MS = 30 * 24 * HOUR_MS;
/** How long handlers already running may take to finish once nothing new starts. */
const SHUTDOWN_IN_FLIGHT_MS = 5_000;
/** How long connector route requests (a download, a webhook) may run on once shutdown began. */
const ROUTE_GRACE_MS = 5_000;
/** How long the start waits for the moderation policy lists before it goes on without them. */
const POLICY_LOAD_WAIT_MS = 15_000;
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
  /** Pushes are refused while the PostgreSQL store lock is being taken again, or lost for good. */
  private readonly lockGuard: StoreLockGuard;
  private ingestor?: Ingestor;
  private members?: MemberCache;
  /** The subscribed moderation policy lists (`moderation.policy_rooms`). */
  private policy?: PolicyLists;
  private dispatcher?: MatrixEventDispatcher;
  private servers: Server[] = [];
  private routes?: ConnectorRoutes;
  private pruneTimer?: NodeJS.Timeout;
  /** Ping answered? Last request answered? For /ready and the reachability gauge (health/homeserver-watch.ts). */
  private readonly homeserver: HomeserverWatch;
  /** The client-server client: pinged again while the homeserver is away, closed last at stop. */
  private client?: CsApiClient;
  private readonly matcher: NamespaceMatcher;
  /** Values the logger redacts wherever they appear: the tokens, plus what connectors register. */
  private readonly secrets: BridgeSecrets;
  private started = false;
  /** The connector's config section as `ctx.section` hands it over (undefined without one). */
  private readonly section: unknown;
  private readonly reloader: ConfigReloader;

  constructor(private readonly opts: BridgeOptions) {
    const { registration } = opts;
    this.secrets = new BridgeSecrets([registration.asToken, registration.hsToken], opts.config.database.postgres?.url);
    // Read before the logger exists: a bad section stops the bridge here, and the section's
    // secrets are redacted from the very first line logged.
    const declared = opts.connector.configSection?.load(opts.config);
    for (const secret of declared?.secrets ?? []) this.secrets.add(secret);
    this.section = declared?.value;
    this.log = createLogger(opts.config.logging, () => this.secrets.list(), { stream: opts.logStream });
    this.lockGuard = new StoreLockGuard(this.log.child({ component: 'store' }), (err) => {
      if (opts.onFatal) return opts.onFatal(err);
      process.exitCode = 1;
      void this.stop().catch(() => undefined);
    });
    this.metrics = createMetrics({ version: opts.version ?? 'unknown', coreVersion: CORE_VERSION });
    this.homeserver = new HomeserverWatch({
      // Pings start once the client exists (start()); the watch never pings before.
      ping: () => this.client!.ping(registration.id, `ping-${Date.now()}`),
      gauge: this.metrics.homeserverReachable,
      log: this.log.child({ component: 'ping' }),
      appserviceId: registration.id,
      registrationUrl: registration.url,
      ...(opts.clock ? { clock: opts.clock } : {}),
      ...(opts.ping ? { pingOptions: opts.ping } : {}),
      // A homeserver back from an outage may have been stopped mid-push: Synapse then holds that
      // transaction back until a push fails, so the ingestor watches for gaps again (txn-gaps.ts).
      onBack: () => this.ingestor?.homeserverRecovering(),
    });
    this.matcher = new NamespaceMatcher(registration, opts.config.homeserver.domain);
    this.reloader = new ConfigReloader({
      config: opts.config, connector: opts.connector, ...(opts.loadConfig ? { loadConfig: opts.loadConfig } : {}),
      log: this.log.child({ component: 'reload' }), setLogLevel: (level) => this.log.setLevel(level),
      addSecret: (secret) => this.secrets.add(secret), startedSection: this.section,
    });
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

    // First, before anything connects: a second bridge on this store must stop here. On SQLite a
    // schema migration is preceded by an online backup (store/backup.ts); a failed one stops here.
    const clock = this.opts.clock;
    const store = await openBridgeStore(config.database, {
      clock: clock && (() => clock.now()),
      extraMigrations: connector.migrations?.length ? [{ scope: connector.name, migrations: connector.migrations }] : [],
      log: log.child({ component: 'store' }),
      backup: { keep: config.database.backupsKept, log: log.child({ component: 'store' }), ...(clock ? { now: () => clock.now() } : {}) },
      onLockLost: (err) => this.lockGuard.lost(err),
      onLockRegained: () => this.lockGuard.regained(),
      onLockGone: (err) => this.lockGuard.gone(err),
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
      onAttempt: (answered) => this.homeserver.onAttempt(answered),
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
    const members = new MemberCache({
      fetchMember: (roomId, userId) => intents.bot.getState(roomId, 'm.room.member', userId),
      max: MEMBER_CACHE_ENTRIES,
      metrics: { lookups: this.metrics.memberLookups, size: this.metrics.cacheSize },
    });
    this.members = members;
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
    // Before the connector starts and before any push is taken: the first event is judged by the lists.
    const policy = new PolicyLists({
      rooms: config.moderation.policyRooms,
      access: botPolicyAccess(intents.bot, client, botUserId),
      log: log.child({ component: 'moderation' }),
      registry: this.metrics.registry,
    });
    this.policy = policy;
    // Bounded: a homeserver that is away must not hold the start (the lists go on loading, and /ready says so).
    await withTimeout(policy.start(), POLICY_LOAD_WAIT_MS);

    const routes = new ConnectorRoutes({ log: log.child({ component: 'routes' }), metrics: this.metrics.routes });
    this.routes = routes;
    const ctx = createBridgeContext({
      config, registration, section: this.section, intents, store, ingestor, client, ghosts, routes, members,
      matcher: this.matcher, log: log.child({ connector: connector.name }), metrics: this.metrics,
      addSecret: (secret) => this.secrets.add(secret), reloadConfig: () => this.reload(), moderation: policy,
    });
    await connector.start(ctx);
    // A route added after this would never be served: refuse it loudly instead.
    routes.seal();
    // Events left in the journal by the last run go first: a push that arrives once the listener
    // is up must queue behind them, or a room's newer events would run before its older ones.
    await ingestor.resume();

    const { servers, addresses } = await openBridgeListeners({
      config, registration, connector, matcher: this.matcher, sink: this.sink(ingestor, intents), routes, log, metrics: this.metrics,
      queueDepth: () => ingestor.depth, readiness: () => this.readiness(),
      ...(this.opts.echoAnswerHoldMs !== undefined ? { echoAnswerHoldMs: this.opts.echoAnswerHoldMs } : {}),
    });
    this.servers.push(...servers);

    this.pruneTimer = setInterval(() => this.prune(), HOUR_MS).unref();
    this.prune();
    log.info('Bridge started', { connector: connector.name, appservice: addresses.appservice, ops: addresses.ops });

    // Not awaited: the bridge works (and answers pushes) while the homeserver is still away.
    this.homeserver.startPinging();
    return addresses;
  }

  /**
   * Reads the config file again and applies what can change live (reload/config-reload.ts).
   * Never throws; reloads run one after another.
   */
  reload(): Promise<ReloadReport> {
    return this.reloader.reload();
  }

  /** What /ready answers: store, homeserver and connector, each named when not ready. */
  async readiness(): Promise<ReadinessReport> {
    const { connector } = this.opts;
    return readinessReport({
      store: await storeHealth(this.store, this.lockGuard.refusal),
      homeserver: this.homeserver.snapshot(),
      ...(connector.readiness ? { connector: { name: connector.name, readiness: connector.readiness() } } : {}),
      ...(this.opts.config.moderation.policyRooms.length > 0 && this.policy ? { moderation: this.policy.readiness() } : {}),
    });
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
    this.homeserver.stop();
    this.policy?.stop();
    // Handlers waiting for a network give their turn back now rather than after the drain bound.
    this.ingestor?.beginStop();
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
          // A policy rule takes effect before any later event of this or another room runs.
          this.policy?.observe(event);
        }
        return result;
    };
    return {
      admitTransaction: (txnId: string) => ingestor.admitTransaction(txnId),
      homeserverRecovering: () => ingestor.homeserverRecovering(),
      expectsEchoes: () => ingestor.busy,
      acceptTransaction: (txnId: string, events: MatrixEvent[], ephemeral: EphemeralEvent[]) => {
        const refusal = this.lockGuard.refusal;
        if (refusal) throw new Error(`The store's lock is lost: ${refusal.message}`);
        const result = ingestor.acceptTransaction(txnId, events, ephemeral);
        return result instanceof Promise ? result.then((r) => accepted(events, r)) : accepted(events, result);
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

  private prune(): void {
    this.store?.prune(DEDUPE_RETENTION_MS, MESSAGE_MAP_RETENTION_MS).then(
      (pruned) => { if (pruned > 0) this.log.debug('Pruned old records', { pruned }); },
      (err: unknown) => this.log.error('Pruning the store failed', { error: errorMessage(err) }),
    );
  }
}

function withTimeout(work: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolveTimeout) => { timer = setTimeout(resolveTimeout, ms); });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
