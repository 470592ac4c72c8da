/**
 * What a `Bridge` (bridge.ts) is built from: the config, the registration and the connector,
 * plus the hooks tests use to hand in their own homeserver client, log stream and clock.
 */
import type { Dispatcher } from 'undici';
import type { BridgeConfig } from './config/types';
import type { Connector } from './connector';
import type { Registration } from './registration/types';

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
   * The bridge cannot go on safely: it lost its PostgreSQL store lock to another process
   * (store/lock-guard.ts). Pushes are already refused; the CLI stops the bridge and exits 1 for
   * the service manager to restart it. Default: stop, and set `process.exitCode` to 1.
   */
  onFatal?: (error: Error) => void;
  /**
   * How long the answer to a pushed transaction of only the bridge's own events (echoes) waits
   * while the bridge is still sending, so the homeserver gathers the next echoes into one
   * transaction. Default 5 ms; 0 answers at once.
   */
  echoAnswerHoldMs?: number;
}

/** A source of time and timers; `setTimeout` handles are opaque to the core. */
export interface BridgeClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}
