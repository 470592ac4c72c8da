/**
 * The start-up appservice ping (POST /_matrix/client/v1/appservice/{id}/ping), kept up until the
 * homeserver has reached the bridge. A successful ping proves both tokens and the registration's
 * url, and makes Synapse retry a bridge it had marked down at once instead of after its backoff
 * (up to minutes). The homeserver may well start after the bridge, so one try is not enough.
 */
import { MatrixError, NetworkError } from '../csapi/errors';
import { retryDelay } from '../csapi/retry';
import { errorMessage } from '../errors/bridge-error';
import type { Logger } from '../log/types';

export interface PingLoopOptions {
  /** One ping; resolves with the homeserver's measured round trip to the bridge. */
  ping: () => Promise<{ durationMs: number }>;
  log: Logger;
  /** For the messages: the registration's `id` and `url`. */
  appserviceId: string;
  registrationUrl: string | null;
  /** Injected in tests; default: a timer, cut short by `stop()`. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  now?: () => number;
  random?: () => number;
  /** Backoff between attempts: the core's retry delay, from `baseMs` up to `capMs`. */
  baseMs?: number;
  capMs?: number;
}

export type PingOutcome = 'reached' | 'unsupported' | 'stopped';

export interface PingLoop {
  /** Settles once: the homeserver reached the bridge, does not support the ping, or `stop()` came first. */
  readonly done: Promise<PingOutcome>;
  stop(): void;
}

/** What a failed ping means for the admin, and how loudly to say it. */
export interface PingDiagnosis {
  /** Same kind again = same cause: logged once, then only at debug. */
  kind: 'as-token' | 'bridge-unreachable' | 'bridge-refused' | 'homeserver-unreachable' | 'unsupported' | 'other';
  level: 'error' | 'warn';
  message: string;
}

// Never a zero wait: full jitter can draw 0, and a homeserver that is down should not be hammered.
const MIN_DELAY_MS = 250;

export function startPingLoop(options: PingLoopOptions): PingLoop {
  const controller = new AbortController();
  const sleep = options.sleep ?? abortableSleep;
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;
  const log = options.log;

  const run = async (): Promise<PingOutcome> => {
    const started = now();
    let lastKind: PingDiagnosis['kind'] | undefined;
    for (let attempt = 0; !controller.signal.aborted; attempt++) {
      try {
        const { durationMs } = await options.ping();
        if (controller.signal.aborted) return 'stopped';
        log.info('Homeserver reached the bridge', { durationMs, attempts: attempt + 1, sinceStartMs: now() - started });
        return 'reached';
      } catch (err) {
        if (controller.signal.aborted) return 'stopped';
        const diagnosis = diagnosePingFailure(err, options.appserviceId, options.registrationUrl);
        if (diagnosis.kind === 'unsupported') {
          log.info(diagnosis.message);
          return 'unsupported';
        }
        const delayMs = Math.max(MIN_DELAY_MS, retryDelay(attempt, {
          retryAfterMs: err instanceof MatrixError ? err.retryAfterMs : undefined,
          baseMs: options.baseMs ?? 1000,
          capMs: options.capMs ?? 60_000,
          random,
        }));
        const fields = { attempt: attempt + 1, retryInMs: delayMs, error: errorMessage(err) };
        if (diagnosis.kind !== lastKind) log[diagnosis.level](diagnosis.message, fields);
        else log.debug('The homeserver has still not reached the bridge', { ...fields, cause: diagnosis.kind });
        lastKind = diagnosis.kind;
        await sleep(delayMs, controller.signal);
      }
    }
    return 'stopped';
  };

  const done = run().catch((err: unknown) => {
    log.error('The start-up ping loop failed', { error: errorMessage(err) });
    return 'stopped' as const;
  });
  return { done, stop: () => controller.abort() };
}

/** Turns a failed ping into the sentence that says what to fix. Pure, so each case is tested. */
export function diagnosePingFailure(err: unknown, appserviceId: string, registrationUrl: string | null): PingDiagnosis {
  const keepTrying = 'the bridge keeps pinging until it works';
  if (err instanceof NetworkError) {
    return {
      kind: 'homeserver-unreachable', level: 'warn',
      message: `Cannot reach the homeserver yet (check homeserver.url and that the homeserver is running); ${keepTrying}`,
    };
  }
  if (!(err instanceof MatrixError)) {
    return { kind: 'other', level: 'warn', message: `The start-up ping failed; ${keepTrying}` };
  }
  if (err.errcode === 'M_UNKNOWN_TOKEN' || err.errcode === 'M_MISSING_TOKEN' || err.status === 401) {
    return {
      kind: 'as-token', level: 'error',
      message: `The homeserver does not accept the bridge's as_token (${err.errcode}): as_token mismatch, the homeserver has not loaded this registration file `
        + `(or loaded an older one). List this file in app_service_config_files in homeserver.yaml and restart the homeserver; ${keepTrying}`,
    };
  }
  if (err.errcode === 'M_FORBIDDEN' || err.status === 403) {
    return {
      kind: 'as-token', level: 'error',
      message: `The homeserver refused the ping for appservice "${appserviceId}" (${err.errcode}): as_token mismatch, the token belongs to a registration with another id. `
        + `Give the homeserver this registration file (or set id in it to the one the homeserver knows) and restart the homeserver; ${keepTrying}`,
    };
  }
  if (err.errcode === 'M_UNRECOGNIZED' || err.status === 404 || err.status === 405) {
    return { kind: 'unsupported', level: 'warn', message: 'The homeserver does not support the appservice ping (MSC2659); skipping the start-up check' };
  }
  if (err.errcode === 'M_AS_PING_URL_NOT_SET') {
    return { kind: 'unsupported', level: 'warn', message: 'The registration has no url, so the homeserver pushes nothing to the bridge; skipping the start-up ping' };
  }
  if (err.errcode === 'M_AS_PING_BAD_STATUS') {
    return {
      kind: 'bridge-refused', level: 'error',
      message: `The homeserver reached the bridge at ${registrationUrl ?? '(no url)'}, but the bridge answered with an error (${err.serverMessage || err.errcode}): `
        + `usually an hs_token mismatch, the homeserver has loaded another registration file than this bridge (see this log for the refused request); ${keepTrying}`,
    };
  }
  if (err.errcode.startsWith('M_AS_PING_') || err.errcode === 'M_CONNECTION_FAILED' || err.errcode === 'M_CONNECTION_TIMEOUT') {
    return {
      kind: 'bridge-unreachable', level: 'warn',
      message: `The homeserver cannot reach the bridge at the registration's url ${registrationUrl ?? '(no url)'} (${err.errcode}): `
        + `check that it points at appservice.bind_address and port as the homeserver sees them; ${keepTrying}`,
    };
  }
  return { kind: 'other', level: 'warn', message: `The start-up ping failed (${err.errcode}); ${keepTrying}` };
}

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    // The loop must never keep a stopping process alive.
    timer.unref();
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
