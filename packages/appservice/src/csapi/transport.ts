import type { Readable } from 'node:stream';
import { errors as undiciErrors, Pool, type Dispatcher } from 'undici';
import { requestPath } from './request-path';
import type { UserId } from '../ids';
import type { Logger } from '../log/types';
import { bufferedRequest, type AttemptTimeout } from './buffered-request';
import { MatrixError, NetworkError } from './errors';
import type { CsApiMetrics } from './metrics';
import { isRetriable } from '../errors/bridge-error';
import { retryDelay } from './retry';
import { useBaselineWasmCompiler } from './wasm-baseline';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** One client-server request, described by its endpoint template so metrics and errors stay bounded. */
export interface RequestSpec {
  method: HttpMethod;
  /** Path with `{name}` placeholders, e.g. `/_matrix/client/v3/rooms/{roomId}/leave`. */
  endpoint: string;
  /** Values for the placeholders; each is URL-encoded. */
  params?: Record<string, string>;
  query?: Record<string, string | string[] | number | boolean | undefined>;
  json?: unknown;
  raw?: { data: Uint8Array; contentType: string };
  /** Masquerade as this user (`?user_id=`); omitted = the bridge bot. */
  asUser?: UserId;
  /**
   * `rateLimitedOnly` for requests that must not run twice (createRoom): a 5xx or a timeout
   * may mean the homeserver did the work, a 429 means it did not.
   */
  retry?: 'all' | 'rateLimitedOnly';
  timeoutMs?: number;
}

export interface TransportOptions {
  /** Client-server API base URL, e.g. `http://127.0.0.1:8008`. */
  baseUrl: string;
  asToken: string;
  /** Per attempt, including reading the response body. */
  timeoutMs: number;
  /** Retries after the first attempt (0 = never retry). */
  maxRetries: number;
  log: Logger;
  metrics?: CsApiMetrics;
  /**
   * Where requests go. Default: an undici Pool of keep-alive connections to the homeserver's
   * origin, at most `maxConnections` at once. Tests hand in a MockAgent; the bench a probe.
   */
  dispatcher?: Dispatcher;
  /** Concurrent connections to the homeserver for the default pool (default 32). */
  maxConnections?: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  random?: () => number;
  /** First backoff step (default 500 ms) and its cap (default 30 s). */
  retryBaseMs?: number;
  retryCapMs?: number;
  /**
   * A Retry-After longer than this is not waited out here (default 60 s): the error goes to the
   * caller, whose own queue backs off, instead of holding a request open for minutes.
   */
  maxRetryAfterMs?: number;
  /**
   * Every attempt: did the homeserver itself answer? False for no answer (network, timeout) and
   * for a gateway's 502-504 without a Matrix errcode (a reverse proxy whose homeserver is down).
   */
  onAttempt?: (answered: boolean) => void;
}

/** A homeserver response as `consume` sees it; the body must be read, dumped or handed on. */
export interface TransportResponse {
  status: number;
  header(name: string): string | undefined;
  /** A Node stream (undici's BodyReadable): iterate it, or `text()`. */
  body: Readable & { text(): Promise<string>; dump(): Promise<void> };
}

const DEFAULT_MAX_CONNECTIONS = 32;
/** Shorter than the idle timeouts of Synapse's and common proxies' keep-alive (60 s+), so a reused socket is rarely one the server already closed. */
const KEEP_ALIVE_MS = 30_000;

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Sends requests with the `as_token`, a per-attempt timeout, retries and metrics. */
export class MatrixTransport {
  readonly baseUrl: string;
  private readonly origin: string;
  /** The base URL's path, for homeservers mounted under a prefix. */
  private readonly basePath: string;
  private readonly dispatcher: Dispatcher;
  /** Only a pool this transport made is closed by it. */
  private readonly ownsDispatcher: boolean;
  private readonly authorization: string;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly now: () => number;
  private readonly random: () => number;
  /** Labelled metric children by method, endpoint template and status (a bounded set). */
  private readonly metricChildren = new Map<string, { requests: { inc(): void }; duration: { observe(value: number): void } | undefined }>();

  constructor(private readonly options: TransportOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    const base = new URL(this.baseUrl);
    this.origin = base.origin;
    this.basePath = base.pathname.replace(/\/+$/, '');
    this.ownsDispatcher = !options.dispatcher;
    // Before the pool's first connection compiles undici's HTTP parser (wasm-baseline.ts).
    if (this.ownsDispatcher) useBaselineWasmCompiler();
    this.dispatcher = options.dispatcher ?? new Pool(this.origin, {
      connections: options.maxConnections ?? DEFAULT_MAX_CONNECTIONS,
      keepAliveTimeout: KEEP_ALIVE_MS,
      // The per-attempt AbortController below is the one timeout; undici's own would race it.
      headersTimeout: 0,
      bodyTimeout: 0,
    });
    this.authorization = `Bearer ${options.asToken}`;
    this.sleep = options.sleep ?? defaultSleep;
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
  }

  /** Sends the request and parses a JSON response body (`{}` when empty). */
  json<T>(spec: RequestSpec): Promise<T> {
    // The body is read whole anyway: the request goes out without a stream (buffered-request.ts).
    return this.attempts(spec, true, async (res) => {
      const text = await res.body.text();
      try {
        return (text ? JSON.parse(text) : {}) as T;
      } catch (err) {
        throw new NetworkError('bad_response', describe(spec), this.baseUrl, err);
      }
    });
  }

  /**
   * Sends the request and hands a successful response to `consume`, still inside the attempt's
   * timeout. Error statuses become `MatrixError`s before `consume` sees them.
   */
  send<T>(spec: RequestSpec, consume: (res: TransportResponse) => Promise<T>): Promise<T> {
    return this.attempts(spec, false, consume);
  }

  private async attempts<T>(spec: RequestSpec, buffered: boolean, consume: (res: TransportResponse) => Promise<T>): Promise<T> {
    const labels = { method: spec.method, endpoint: spec.endpoint };
    const path = this.pathOf(spec);
    const { headers, body } = this.payloadOf(spec);
    for (let attempt = 0; ; attempt++) {
      const started = this.now();
      let failure: MatrixError | NetworkError;
      let retryAfterHeader: string | undefined;
      const timeoutMs = spec.timeoutMs ?? this.options.timeoutMs;
      const request = { origin: this.origin, path, method: spec.method, headers, body };
      let timeout: AttemptTimeout = { aborted: false };
      let timer: NodeJS.Timeout | undefined;
      try {
        let res: TransportResponse;
        if (buffered) {
          const sent = bufferedRequest(this.dispatcher, request, timeoutMs);
          timeout = sent.timeout;
          res = await sent.response;
        } else {
          const controller = new AbortController();
          timeout = controller.signal;
          timer = setTimeout(() => controller.abort(), timeoutMs);
          res = responseOf(await this.dispatcher.request({ ...request, signal: controller.signal }));
        }
        if (res.status >= 200 && res.status < 300) {
          const value = await consume(res).catch((err: unknown) => {
            if (!buffered) discard(res.body);
            throw timeout.aborted || isTransportFailure(err) ? err : new ConsumeError(err);
          });
          this.count(labels, String(res.status), started);
          this.options.onAttempt?.(true);
          return value;
        }
        retryAfterHeader = res.header('retry-after');
        failure = await this.errorOf(spec, res);
        this.count(labels, String(res.status), started);
        this.options.onAttempt?.(!isGatewayFailure(res.status) || failure.errcode !== 'M_UNKNOWN');
      } catch (err) {
        // Failures of `consume` that are not transport failures (a caller's size limit, bad JSON) are final.
        if (err instanceof ConsumeError) throw err.error;
        const timedOut = timeout.aborted;
        failure = new NetworkError(timedOut ? 'timeout' : 'unreachable', describe(spec), this.baseUrl, err);
        this.count(labels, timedOut ? 'timeout' : 'network', started);
        this.options.onAttempt?.(false);
      } finally {
        if (timer) clearTimeout(timer);
      }

      const reason = this.retryReason(spec, failure, attempt);
      if (!reason) throw failure;
      const delayMs = retryDelay(attempt, {
        retryAfterHeader,
        retryAfterMs: failure instanceof MatrixError ? failure.retryAfterMs : undefined,
        baseMs: this.options.retryBaseMs ?? 500,
        capMs: this.options.retryCapMs ?? 30_000,
        random: this.random,
        nowMs: this.now(),
      });
      if (delayMs > (this.options.maxRetryAfterMs ?? 60_000)) throw failure;
      this.options.metrics?.retries.inc({ ...labels, reason });
      this.options.log.debug('Retrying homeserver request', { ...labels, attempt: attempt + 1, delayMs, reason, asUser: spec.asUser });
      await this.sleep(delayMs);
    }
  }

  private retryReason(spec: RequestSpec, failure: MatrixError | NetworkError, attempt: number): string | undefined {
    if (attempt >= this.options.maxRetries) return undefined;
    if (failure instanceof NetworkError) {
      if (spec.retry === 'rateLimitedOnly') return undefined;
      return failure.failure === 'timeout' ? 'timeout' : 'network';
    }
    // The error's code decides, as everywhere: 429 and 5xx are retriable, any other 4xx is not.
    if (!isRetriable(failure)) return undefined;
    if (failure.status === 429) return '429';
    return spec.retry === 'rateLimitedOnly' ? undefined : '5xx';
  }

  /** Closes the default pool's connections (at shutdown); a dispatcher handed in is the caller's. */
  async close(): Promise<void> {
    if (this.ownsDispatcher) await this.dispatcher.close();
  }

  private async errorOf(spec: RequestSpec, res: TransportResponse): Promise<MatrixError> {
    let body: Record<string, unknown> = {};
    const text = await res.body.text();
    try {
      const parsed: unknown = JSON.parse(text);
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) body = parsed as Record<string, unknown>;
    } catch {
      // A proxy's HTML error page: the status alone must do.
    }
    const errcode = typeof body.errcode === 'string' ? body.errcode : 'M_UNKNOWN';
    const message = typeof body.error === 'string' ? body.error : `HTTP ${res.status}`;
    const retryAfterMs = typeof body.retry_after_ms === 'number' ? body.retry_after_ms : undefined;
    return new MatrixError(errcode, res.status, message, describe(spec), retryAfterMs, body);
  }

  private count(labels: { method: string; endpoint: string }, status: string, started: number): void {
    const metrics = this.options.metrics;
    if (!metrics) return;
    // prom-client hashes the label values on every labelled call; its children keep the hash.
    const key = `${labels.method} ${labels.endpoint} ${status}`;
    let children = this.metricChildren.get(key);
    if (!children) {
      children = { requests: metrics.requests.labels({ ...labels, status }), duration: metrics.duration?.labels(labels) };
      this.metricChildren.set(key, children);
    }
    children.requests.inc();
    children.duration?.observe((this.now() - started) / 1000);
  }

  private pathOf(spec: RequestSpec): string {
    return requestPath(this.basePath, spec);
  }

  /** Built once per request, not per attempt: a retry sends the same bytes. */
  private payloadOf(spec: RequestSpec): { headers: Record<string, string>; body?: string | Uint8Array } {
    if (spec.raw) return { headers: { authorization: this.authorization, 'content-type': spec.raw.contentType }, body: spec.raw.data };
    if (spec.json !== undefined) {
      return { headers: { authorization: this.authorization, 'content-type': 'application/json' }, body: JSON.stringify(spec.json) };
    }
    return { headers: { authorization: this.authorization } };
  }
}

/**
 * Drops whatever `consume` left unread, so it holds no connection. An unfinished undici body
 * reports its own destruction as an 'error'; nobody else listens any more, so it is swallowed.
 */
function discard(body: Readable): void {
  body.once('error', () => {});
  body.destroy();
}

function responseOf(raw: Dispatcher.ResponseData): TransportResponse {
  return {
    status: raw.statusCode,
    header(name) {
      const value = raw.headers[name];
      return Array.isArray(value) ? value[0] : value;
    },
    body: raw.body,
  };
}

/** Carries a final (not retried) error out of `consume` through the attempt's catch. */
class ConsumeError {
  constructor(readonly error: unknown) {}
}

/**
 * Failures of the connection rather than of the caller's `consume`: undici's own errors (reset
 * sockets, truncated bodies), system errors (refused, unreachable) and aborts.
 */
function isTransportFailure(err: unknown): boolean {
  if (err instanceof undiciErrors.UndiciError) return true;
  if (!(err instanceof Error)) return false;
  return err.name === 'AbortError' || typeof (err as NodeJS.ErrnoException).syscall === 'string';
}

function describe(spec: RequestSpec): string {
  return `${spec.method} ${spec.endpoint}`;
}

/** 502, 503, 504: what a reverse proxy answers when the homeserver behind it does not. */
function isGatewayFailure(status: number): boolean {
  return status >= 502 && status <= 504;
}
