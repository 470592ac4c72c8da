import type { UserId } from '../ids';
import type { Logger } from '../log/types';
import { MatrixError, NetworkError } from './errors';
import type { CsApiMetrics } from './metrics';
import { isRetriable } from '../errors/bridge-error';
import { retryDelay } from './retry';

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
  fetch?: typeof fetch;
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
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Sends requests with the `as_token`, a per-attempt timeout, retries and metrics. */
export class MatrixTransport {
  readonly baseUrl: string;
  private readonly fetchImpl: typeof fetch;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly now: () => number;
  private readonly random: () => number;

  constructor(private readonly options: TransportOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.fetchImpl = options.fetch ?? ((input, init) => fetch(input, init));
    this.sleep = options.sleep ?? defaultSleep;
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
  }

  /** Sends the request and parses a JSON response body (`{}` when empty). */
  json<T>(spec: RequestSpec): Promise<T> {
    return this.send(spec, async (res) => {
      const text = await res.text();
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
  async send<T>(spec: RequestSpec, consume: (res: Response) => Promise<T>): Promise<T> {
    const labels = { method: spec.method, endpoint: spec.endpoint };
    const url = this.urlOf(spec);
    for (let attempt = 0; ; attempt++) {
      const started = this.now();
      let failure: MatrixError | NetworkError;
      let retryAfterHeader: string | null = null;
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), spec.timeoutMs ?? this.options.timeoutMs);
      try {
        const res = await this.fetchImpl(url, this.initOf(spec, controller.signal));
        if (res.ok) {
          const value = await consume(res).catch((err: unknown) => {
            throw controller.signal.aborted || isTransportFailure(err) ? err : new ConsumeError(err);
          });
          this.count(labels, String(res.status), started);
          return value;
        }
        retryAfterHeader = res.headers.get('retry-after');
        failure = await this.errorOf(spec, res);
        this.count(labels, String(res.status), started);
      } catch (err) {
        // Failures of `consume` that are not transport failures (a caller's size limit, bad JSON) are final.
        if (err instanceof ConsumeError) throw err.error;
        const timedOut = controller.signal.aborted;
        failure = new NetworkError(timedOut ? 'timeout' : 'unreachable', describe(spec), this.baseUrl, err);
        this.count(labels, timedOut ? 'timeout' : 'network', started);
      } finally {
        clearTimeout(timer);
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

  private async errorOf(spec: RequestSpec, res: Response): Promise<MatrixError> {
    let body: Record<string, unknown> = {};
    try {
      const parsed: unknown = JSON.parse(await res.text());
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) body = parsed as Record<string, unknown>;
    } catch {
      // A proxy's HTML error page: the status alone must do.
    }
    const errcode = typeof body.errcode === 'string' ? body.errcode : 'M_UNKNOWN';
    const message = typeof body.error === 'string' ? body.error : res.statusText;
    const retryAfterMs = typeof body.retry_after_ms === 'number' ? body.retry_after_ms : undefined;
    return new MatrixError(errcode, res.status, message, describe(spec), retryAfterMs, body);
  }

  private count(labels: { method: string; endpoint: string }, status: string, started: number): void {
    const metrics = this.options.metrics;
    if (!metrics) return;
    metrics.requests.inc({ ...labels, status });
    metrics.duration?.observe(labels, (this.now() - started) / 1000);
  }

  private urlOf(spec: RequestSpec): string {
    const path = spec.endpoint.replace(/\{(\w+)\}/g, (_, name: string) => {
      const value = spec.params?.[name];
      if (value === undefined) throw new TypeError(`No value for {${name}} in ${spec.endpoint}`);
      return encodeURIComponent(value);
    });
    const search = new URLSearchParams();
    for (const [key, value] of Object.entries(spec.query ?? {})) {
      if (value === undefined) continue;
      for (const v of Array.isArray(value) ? value : [value]) search.append(key, String(v));
    }
    if (spec.asUser) search.set('user_id', spec.asUser);
    const qs = search.toString();
    return `${this.baseUrl}${path}${qs ? `?${qs}` : ''}`;
  }

  private initOf(spec: RequestSpec, signal: AbortSignal): RequestInit {
    const headers: Record<string, string> = { Authorization: `Bearer ${this.options.asToken}` };
    let body: RequestInit['body'];
    if (spec.raw) {
      headers['Content-Type'] = spec.raw.contentType;
      body = spec.raw.data;
    } else if (spec.json !== undefined) {
      headers['Content-Type'] = 'application/json';
      body = JSON.stringify(spec.json);
    }
    return { method: spec.method, headers, body, signal };
  }
}

/** Carries a final (not retried) error out of `consume` through the attempt's catch. */
class ConsumeError {
  constructor(readonly error: unknown) {}
}

/** undici reports refused connections, resets and truncated bodies as TypeErrors. */
function isTransportFailure(err: unknown): boolean {
  return err instanceof TypeError || (err instanceof Error && err.name === 'AbortError');
}

function describe(spec: RequestSpec): string {
  return `${spec.method} ${spec.endpoint}`;
}
