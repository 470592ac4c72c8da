/**
 * `createTestBridge`: a real `Bridge` around the connector under test, started in-process
 * against the in-process homeserver, with a real SQLite store in a temporary directory and the
 * core's timers on a `TestClock`. Tests push what the homeserver would push and read back what
 * the bridge sent.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { Bridge, type BridgeAddresses } from '../bridge';
import { parseConfig } from '../config/load';
import type { BridgeConfig } from '../config/types';
import type { Connector } from '../connector';
import { asUserId, type RoomAlias, type RoomId, type UserId } from '../ids';
import { generateRegistration, type GenerateRegistrationOptions } from '../registration/generate';
import type { Registration } from '../registration/types';
import { TestClock } from './clock';
import type { LoggedLine } from './logger';
import { FakeHomeserver, type Fault, type FaultMatch } from './homeserver/server';
import { plainRequest } from './http-client';
import { PushHelpers } from './push';
import { SentLog } from './sent';

/** What `createTestBridge` starts: the connector, and the config and registration around it. */
export interface TestBridgeOptions {
  connector: Connector;
  /**
   * The config file's content as YAML would give it (snake_case keys), merged section by
   * section over the kit's defaults; connector sections (e.g. `slack:`) go here too.
   */
  config?: Record<string, unknown>;
  /** Registration fields; default: id `test`, bot `bot`, users `_test_*`, aliases `#test_*`. */
  registration?: Partial<GenerateRegistrationOptions>;
  /** The homeserver's server name; default `hs.test`. */
  domain?: string;
  /** Drives the core's timers; default a new `TestClock`. Pass it to the connector too. */
  clock?: TestClock;
  /** Where the database lives; default a fresh temporary directory, removed by `stop()`. */
  dir?: string;
  /**
   * Runs before the bridge starts: seed the homeserver with what exists before the bridge does
   * (rooms the config names, local users), e.g. `hs.model.createRoom(alice, {}, roomId)`.
   */
  seed?(homeserver: FakeHomeserver): void | Promise<void>;
}

/** A running bridge under test and the homeserver it talks to. */
export interface TestBridge {
  readonly bridge: Bridge;
  readonly connector: Connector;
  readonly homeserver: FakeHomeserver;
  readonly registration: Registration;
  readonly config: BridgeConfig;
  readonly domain: string;
  readonly clock: TestClock;
  /** The directory holding the database. */
  readonly dir: string;
  /** The bridge's appservice listener, e.g. `http://127.0.0.1:40123`. */
  readonly url: string;
  /** Where the started bridge listens: the appservice listener, the ops listener, the connector's own listeners. */
  readonly addresses: BridgeAddresses;
  readonly push: PushHelpers;
  readonly sent: SentLog;
  /** Every log line the bridge wrote (JSON, one object per line), secrets already redacted. */
  readonly logs: string[];
  /** The log lines parsed, as `TestLogger` records them (`meta`: every field but level, message and timestamp). */
  logLines(): LoggedLine[];
  /** Makes the next `count` homeserver requests matching `match` fail (429, 5xx or a dropped connection). */
  failNext(count: number, fault: Fault, match?: FaultMatch): void;
  /** Forgets the faults still queued: the homeserver is back. */
  clearFaults(): void;
  /** `@<localpart>:<domain>`, known to the homeserver as a local Matrix user. */
  user(localpart: string): UserId;
  /**
   * A local Matrix user joins a room (by ID or alias), as a client would: the alias resolves
   * through the homeserver (which asks the bridge about an unknown alias in its namespace), the
   * room's join rules apply, and the join is pushed to the bridge.
   */
  join(userId: UserId, roomIdOrAlias: RoomId | RoomAlias): Promise<RoomId>;
  /** Asks the bridge about a user, as the homeserver does for an unknown ID in its namespace. */
  queryUser(userId: UserId): Promise<boolean>;
  /** Asks the bridge about an alias, as the homeserver does for an unknown alias in its namespace. */
  queryAlias(alias: RoomAlias): Promise<boolean>;
  /**
   * Resolves when everything queued has been handled and the homeserver is idle. While the
   * bridge waits only on the clock (a retry's backoff) the clock jumps to the next timer.
   * Rejects after `timeoutMs` of real time (default 5000) with what is still pending.
   */
  settle(opts?: { timeoutMs?: number }): Promise<void>;
  /**
   * Resolves when nothing moves unless time passes: timers already due have fired, the
   * homeserver is idle and nothing changed for a few turns of the event loop. Never moves the
   * clock, so work waiting out a backoff (an outage being held) stays waiting.
   */
  idle(opts?: { timeoutMs?: number }): Promise<void>;
  /**
   * Lets `ms` of time pass timer by timer: before each timer fires, what the previous one
   * started (a retried request, a resumed handler, a connector's own timer) runs until `idle()`.
   */
  advance(ms: number, opts?: { timeoutMs?: number }): Promise<void>;
  /** Stops the bridge (keeping the database and the homeserver) and starts it again, e.g. with a new connector. */
  restart(connector?: Connector): Promise<void>;
  /** Stops the bridge and the homeserver; removes the temporary directory it made. */
  stop(): Promise<void>;
}

const DEFAULT_REGISTRATION = { id: 'test', senderLocalpart: 'bot', userPrefix: '_test_', aliasPrefix: 'test_' };

/** Starts a bridge around `connector` against a fresh in-process homeserver. */
export async function createTestBridge(options: TestBridgeOptions): Promise<TestBridge> {
  const domain = options.domain ?? 'hs.test';
  const clock = options.clock ?? new TestClock();
  const ownDir = options.dir === undefined;
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'bridgekit-test-'));
  const registration = generateRegistration({ ...DEFAULT_REGISTRATION, url: 'http://127.0.0.1:9', domain, ...options.registration });
  const homeserver = new FakeHomeserver({ registration, domain, now: () => clock.now() });
  const homeserverUrl = await homeserver.listen();
  // Whatever fails from here on (a bad config, a connector that cannot start) leaves nothing running.
  const abandon = async (err: unknown): Promise<never> => {
    await homeserver.close();
    if (ownDir) rmSync(dir, { recursive: true, force: true });
    throw err;
  };
  let config: BridgeConfig;
  try {
    config = parseConfig(JSON.stringify(configDocument(options.config ?? {}, homeserverUrl, domain)), dir);
  } catch (err) {
    return abandon(err);
  }
  // Any free port: the config schema wants a real one, as an operator must give.
  config.appservice.port = 0;
  const logs: string[] = [];
  let pushesInFlight = 0;

  const startBridge = async (connector: Connector) => {
    const logStream = new PassThrough();
    let partial = '';
    logStream.on('data', (chunk: Buffer) => {
      const lines = (partial + chunk.toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      logs.push(...lines.filter((l) => l.length > 0));
    });
    const bridge = new Bridge({ config, registration, connector, logStream, clock });
    const addresses = await bridge.start();
    const url = `http://127.0.0.1:${addresses.appservice.port}`;
    registration.url = url;
    homeserver.appservice = { url, hsToken: registration.hsToken };
    return { bridge, url, addresses };
  };

  let running: Awaited<ReturnType<typeof startBridge>>;
  try {
    await options.seed?.(homeserver);
    running = await startBridge(options.connector);
  } catch (err) {
    return abandon(err);
  }
  let connector = options.connector;
  const push = new PushHelpers({
    homeserver, url: () => running.url, hsToken: registration.hsToken, now: () => clock.now(),
    track: async (work) => {
      pushesInFlight++;
      try {
        return await work;
      } finally {
        pushesInFlight--;
      }
    },
  });

  const query = async (kind: 'users' | 'rooms', id: string): Promise<boolean> => {
    const res = await plainRequest(`${running.url}/_matrix/app/v1/${kind}/${encodeURIComponent(id)}`, 'GET', {
      authorization: `Bearer ${registration.hsToken}`,
    });
    if (res.status === 200 || res.status === 404) return res.status === 200;
    throw new Error(`The bridge answered the ${kind} query for ${id} with ${res.status}: ${res.text}`);
  };

  const settle = async ({ timeoutMs = 5000 } = {}): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    const quiet = () => !homeserver.busy && pushesInFlight === 0;
    for (;;) {
      let drained = false;
      void running.bridge.drain().then(() => { drained = true; });
      // Let responses travel and handlers continue before deciding anything.
      for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => setImmediate(resolve));
      await new Promise<void>((resolve) => setTimeout(resolve, 1));
      const next = clock.nextAt();
      // Timers already due fire before anything counts as settled (a connector's zero-delay work).
      if (drained && quiet() && (next === undefined || next > clock.now())) return;
      // Only the clock stands between the bridge and its next step (a backoff): let that time pass.
      if (quiet() && next !== undefined && (!drained || next <= clock.now())) await clock.advance(next - clock.now());
      if (Date.now() > deadline) {
        throw new Error(`settle(): the bridge was still busy after ${timeoutMs} ms (queues drained: ${drained}, homeserver busy: ${homeserver.busy}, pushes in flight: ${pushesInFlight}, timers pending: ${clock.pending})`);
      }
    }
  };

  const idle = async ({ timeoutMs = 5000 } = {}): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    // What changes when anything happens: requests made, timers set or fired, log lines written.
    const fingerprint = () => `${homeserver.requests.length}/${clock.pending}/${clock.nextAt() ?? '-'}/${logs.length}`;
    let last = '';
    let stableTurns = 0;
    while (stableTurns < 3) {
      for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => setImmediate(resolve));
      await new Promise<void>((resolve) => setTimeout(resolve, 1));
      const due = clock.nextAt();
      if (due !== undefined && due <= clock.now()) await clock.advance(0);
      const now = fingerprint();
      stableTurns = now === last && !homeserver.busy && pushesInFlight === 0 ? stableTurns + 1 : 0;
      last = now;
      if (Date.now() > deadline) throw new Error(`idle(): the bridge was still busy after ${timeoutMs} ms (homeserver busy: ${homeserver.busy}, pushes in flight: ${pushesInFlight}, timers pending: ${clock.pending})`);
    }
  };

  const advance = async (ms: number, { timeoutMs = 10_000 } = {}): Promise<void> => {
    const until = clock.now() + Math.max(0, ms);
    const deadline = Date.now() + timeoutMs;
    await idle();
    for (let next = clock.nextAt(); next !== undefined && next <= until; next = clock.nextAt()) {
      // A bridge that keeps setting timers for now would hold time still for ever: fail instead.
      if (Date.now() > deadline) throw new Error(`advance(): time stood still at ${clock.now() - (until - ms)} of ${ms} ms after ${timeoutMs} ms of real time (timers pending: ${clock.pending})`);
      await clock.advance(next - clock.now());
      await idle();
    }
    await clock.advance(until - clock.now());
    await idle();
  };

  const test: TestBridge = {
    get bridge() { return running.bridge; },
    get connector() { return connector; },
    get url() { return running.url; },
    get addresses() { return running.addresses; },
    homeserver, registration, config, domain, clock, dir, push, logs,
    sent: new SentLog(homeserver),
    failNext: (count, fault, match) => homeserver.failNext(count, fault, match),
    clearFaults: () => homeserver.clearFaults(),
    user: (localpart) => {
      const userId = asUserId(`@${localpart}:${domain}`);
      homeserver.model.addUser(userId, { displayname: localpart });
      return userId;
    },
    join: async (userId, target) => {
      const roomId = target.startsWith('#') ? await homeserver.resolveAlias(target as RoomAlias) : (target as RoomId);
      homeserver.model.addUser(userId);
      if (homeserver.model.mayJoin(userId, roomId)) await push.membership(roomId, userId, 'join');
      return roomId;
    },
    queryUser: (userId) => query('users', userId),
    queryAlias: (alias) => query('rooms', alias),
    settle, idle, advance,
    logLines: () => logs.map((line) => {
      const { level, message, timestamp: _timestamp, ...meta } = JSON.parse(line) as Record<string, unknown>;
      return { level: level as LoggedLine['level'], message: String(message), meta };
    }),
    restart: async (next = connector) => {
      await running.bridge.stop();
      connector = next;
      running = await startBridge(next);
    },
    stop: async () => {
      try {
        await running.bridge.stop();
      } finally {
        await homeserver.close();
        if (ownDir) rmSync(dir, { recursive: true, force: true });
      }
    },
  };
  return test;
}

/**
 * A parsed config as `createTestBridge` builds it, for testing a connector's own config handling
 * without starting a bridge: `sections` as YAML would give them (snake_case), merged over the
 * kit's defaults; relative paths resolve against `dir`.
 */
export function createTestConfig(sections: Record<string, unknown> = {}, opts: { dir?: string; domain?: string; homeserverUrl?: string } = {}): BridgeConfig {
  const doc = configDocument(sections, opts.homeserverUrl ?? 'http://127.0.0.1:8008', opts.domain ?? 'hs.test');
  return parseConfig(JSON.stringify(doc), opts.dir ?? tmpdir());
}

/** The kit's defaults with the test's sections merged over them, one level deep. */
function configDocument(overrides: Record<string, unknown>, homeserverUrl: string, domain: string): Record<string, unknown> {
  const defaults: Record<string, Record<string, unknown>> = {
    homeserver: { url: homeserverUrl, domain },
    appservice: { registration: 'registration.yaml', bind_address: '127.0.0.1', port: 9 },
    database: { path: 'bridge.db' },
    logging: { level: 'debug', format: 'json' },
    ingest: { max_attempts: 3 },
  };
  const doc: Record<string, unknown> = { ...defaults };
  for (const [key, value] of Object.entries(overrides)) {
    const base = defaults[key];
    doc[key] = base && value && typeof value === 'object' && !Array.isArray(value) ? { ...base, ...value } : value;
  }
  return doc;
}
