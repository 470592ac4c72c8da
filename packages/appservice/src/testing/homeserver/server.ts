/**
 * The in-process homeserver: a loopback `node:http` server answering the client-server API the
 * way Synapse answers an appservice (the `as_token`, `?user_id=` masquerading, errcodes), and
 * recording every request. Faults can be queued to make the next requests fail.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RoomAlias, RoomId, UserId } from '../../ids';
import { NamespaceMatcher } from '../../registration/namespaces';
import type { Registration } from '../../registration/types';
import { ENDPOINTS, resolveAlias, type EndpointContext, type EndpointRequest } from './endpoints';
import { HomeserverModel } from './model';
import { HomeserverRefusal } from './rooms';
import { plainRequest } from '../http-client';

/** One request the bridge made, as the homeserver received it and answered it. */
export interface RecordedRequest {
  method: string;
  /** The path with its segments decoded, without the query. */
  path: string;
  /** The endpoint's short name (`send`, `state`, `join`, `register`, …), or `unknown`. */
  endpoint: string;
  /** Decoded path parameters, e.g. `[roomId, eventType, txnId]` for `send`. */
  params: string[];
  query: Record<string, string>;
  /** Who the request acted as: `?user_id=` or the bot. */
  user: UserId;
  /** The JSON body (`{}` for none or for raw uploads). */
  body: Record<string, unknown>;
  status: number;
  /** The JSON the homeserver answered (absent for media and network faults). */
  response?: Record<string, unknown>;
  /** The errcode answered, for refusals. */
  errcode?: string;
  /** Set when the request failed because of an injected fault. */
  fault?: Fault;
}

/**
 * What an injected fault does to a request: a rate limit, a server error, a refusal with a
 * Matrix errcode (e.g. 413 `M_TOO_LARGE`), a dropped connection, or `lostResponse` — the
 * homeserver does the request, then the connection drops before the answer (the case a retry
 * with the same transaction ID must not duplicate).
 */
export type Fault =
  | { status: 429; retryAfterMs?: number }
  | { status: 500 | 502 | 503 | 504 }
  | { status: 400 | 403 | 404 | 413; errcode: string; error?: string }
  | { network: true }
  | { lostResponse: true };

/** Which requests a fault applies to; all given fields must match. */
export interface FaultMatch {
  method?: string;
  /** The endpoint's short name, as in `RecordedRequest.endpoint`. */
  endpoint?: string;
  path?: string | RegExp;
  /** Any other test of the request, e.g. of its body. */
  when?(request: RecordedRequest): boolean;
}

interface QueuedFault {
  fault: Fault;
  remaining: number;
  match: FaultMatch;
}

/** What the homeserver is built from: the bridge's registration, its server name, its clock. */
export interface HomeserverOptions {
  registration: Registration;
  domain: string;
  now?: () => number;
}

/** The appservice's address, once the bridge listens: for alias queries and pings. */
export interface AppserviceTarget {
  url: string;
  hsToken: string;
}

/** The in-process homeserver `createTestBridge` runs; see the file's head for what it implements. */
export class FakeHomeserver {
  readonly model: HomeserverModel;
  readonly requests: RecordedRequest[] = [];
  appservice?: AppserviceTarget;
  private readonly server: Server;
  private readonly namespaces: NamespaceMatcher;
  private readonly faults: QueuedFault[] = [];
  private inFlight = 0;

  constructor(private readonly opts: HomeserverOptions) {
    this.model = new HomeserverModel(opts.domain, undefined, opts.now);
    this.namespaces = new NamespaceMatcher(opts.registration, opts.domain);
    this.model.addUser(this.namespaces.botUserId as UserId);
    this.server = createServer((req, res) => void this.serve(req, res));
  }

  /** Requests received and not yet answered. */
  get busy(): boolean {
    return this.inFlight > 0;
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /**
   * The room an alias points to, as a client's lookup resolves it: an unknown alias in the
   * bridge's namespace is asked of the bridge first. Rejects with `HomeserverRefusal` (M_NOT_FOUND).
   */
  resolveAlias(alias: RoomAlias): Promise<RoomId> {
    return resolveAlias(this.context(), alias);
  }

  /** The next `count` requests matching `match` fail with `fault`; `Infinity` is an outage until `clearFaults()`. */
  failNext(count: number, fault: Fault, match: FaultMatch = {}): void {
    this.faults.push({ fault, remaining: count, match });
  }

  /** Forgets every queued fault. */
  clearFaults(): void {
    this.faults.length = 0;
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.inFlight++;
    try {
      await this.answer(req, res);
    } finally {
      this.inFlight--;
    }
  }

  private async answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://homeserver');
    const raw = await readBody(req);
    const method = req.method ?? 'GET';
    const endpoint = ENDPOINTS.find((e) => e.method === method && e.pattern.test(url.pathname));
    const params = endpoint ? [...endpoint.pattern.exec(url.pathname)!.slice(1)].map((p) => (p === undefined ? p : decodeURIComponent(p))) as string[] : [];
    const contentType = req.headers['content-type'] ?? '';
    const body = contentType.startsWith('application/json') ? parseJson(raw) : {};
    const record: RecordedRequest = {
      method, path: url.pathname.split('/').map(safeDecode).join('/'), endpoint: endpoint?.name ?? 'unknown', params,
      query: Object.fromEntries(url.searchParams), user: (url.searchParams.get('user_id') ?? this.namespaces.botUserId) as UserId,
      body: body ?? {}, status: 0,
    };
    this.requests.push(record);

    const fault = this.takeFault(record);
    if (fault) {
      record.fault = fault;
      if ('network' in fault) {
        record.status = 0;
        req.socket.destroy();
        return;
      }
      if ('lostResponse' in fault) return this.handleThenDrop(req, record, endpoint, url, body, raw, contentType);
      if ('errcode' in fault) return this.reply(res, record, fault.status, { errcode: fault.errcode, error: fault.error ?? fault.errcode });
      const retry = fault.status === 429 ? { retry_after_ms: fault.retryAfterMs ?? 0 } : {};
      const errcode = fault.status === 429 ? 'M_LIMIT_EXCEEDED' : 'M_UNKNOWN';
      return this.reply(res, record, fault.status, { errcode, error: fault.status === 429 ? 'Too Many Requests' : 'Internal server error', ...retry });
    }
    try {
      if (!this.authorised(req)) throw new HomeserverRefusal(401, 'M_UNKNOWN_TOKEN', 'Invalid access token passed.');
      if (body === undefined) throw new HomeserverRefusal(400, 'M_NOT_JSON', 'Content not JSON.');
      this.checkMasquerade(record.user, record.endpoint);
      if (!endpoint) throw new HomeserverRefusal(404, 'M_UNRECOGNIZED', 'Unrecognized request');
      const request: EndpointRequest = { user: record.user, params, query: url.searchParams, body: body ?? {}, raw, contentType };
      const result = await endpoint.handle(this.context(), request);
      if ('media' in result && typeof result.media === 'object') {
        const media = result.media as { data: Buffer; contentType: string };
        record.status = 200;
        res.writeHead(200, { 'content-type': media.contentType, 'content-length': media.data.length });
        res.end(media.data);
        return;
      }
      if ('list' in result && Array.isArray(result.list)) {
        // A JSON array (the whole state of a room): recorded as `{ list }`, sent as the array.
        record.status = 200;
        record.response = { list: result.list };
        const text = JSON.stringify(result.list);
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
        res.end(text);
        return;
      }
      this.reply(res, record, 200, result);
    } catch (err) {
      if (!(err instanceof HomeserverRefusal)) throw err;
      this.reply(res, record, err.status, { errcode: err.errcode, error: err.message });
    }
  }

  /** Does the request as usual, then drops the connection instead of answering. */
  private async handleThenDrop(req: IncomingMessage, record: RecordedRequest, endpoint: (typeof ENDPOINTS)[number] | undefined, url: URL, body: Record<string, unknown> | undefined, raw: Buffer, contentType: string): Promise<void> {
    try {
      // Only what the homeserver would have done: refused requests change nothing.
      const allowed = this.authorised(req) && (this.checkMasquerade(record.user, record.endpoint), true);
      if (allowed && endpoint && body !== undefined) {
        const done = await endpoint.handle(this.context(), { user: record.user, params: record.params, query: url.searchParams, body, raw, contentType });
        // What the homeserver did, though the bridge never heard it.
        if (!('media' in done)) record.response = done;
      }
    } catch (err) {
      if (!(err instanceof HomeserverRefusal)) throw err;
    }
    record.status = 0;
    req.socket.destroy();
  }

  private authorised(req: IncomingMessage): boolean {
    return req.headers.authorization === `Bearer ${this.opts.registration.asToken}`;
  }

  /** Synapse's rules for `?user_id=`: only users in the namespace, and only once registered. */
  private checkMasquerade(user: UserId, endpoint: string): void {
    if (!this.namespaces.isUserInNamespace(user)) {
      throw new HomeserverRefusal(403, 'M_FORBIDDEN', `Application service cannot masquerade as this user (${user}).`);
    }
    if (endpoint !== 'register' && !this.model.users.has(user)) {
      throw new HomeserverRefusal(403, 'M_FORBIDDEN', `Application service has not registered this user (${user})`);
    }
  }

  private takeFault(record: RecordedRequest): Fault | undefined {
    const queued = this.faults.find((f) => matches(f.match, record));
    if (!queued) return undefined;
    if (--queued.remaining <= 0) this.faults.splice(this.faults.indexOf(queued), 1);
    return queued.fault;
  }

  private reply(res: ServerResponse, record: RecordedRequest, status: number, body: Record<string, unknown>): void {
    record.status = status;
    record.response = body;
    if (typeof body.errcode === 'string' && status >= 400) record.errcode = body.errcode;
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  }

  private context(): EndpointContext {
    return {
      model: this.model,
      registrationId: this.opts.registration.id,
      isNamespacedAlias: (alias) => this.namespaces.isAliasInNamespace(alias),
      isNamespacedUser: (userId) => this.namespaces.isUserInNamespace(userId) && !this.namespaces.isBot(userId),
      queryAlias: async (alias) => {
        const res = await this.callAppservice('GET', `/_matrix/app/v1/rooms/${encodeURIComponent(alias)}`);
        return res?.ok ?? false;
      },
      pingAppservice: async (transactionId) => {
        const res = await this.callAppservice('POST', '/_matrix/app/v1/ping', transactionId ? { transaction_id: transactionId } : {});
        if (!res?.ok) throw new Error(`the appservice answered ${res?.status ?? 'nothing'}`);
      },
    };
  }

  private async callAppservice(method: string, path: string, body?: unknown): Promise<{ ok: boolean; status: number } | undefined> {
    if (!this.appservice) return undefined;
    const res = await plainRequest(`${this.appservice.url}${path}`, method, {
      authorization: `Bearer ${this.appservice.hsToken}`, 'content-type': 'application/json',
    }, body === undefined ? undefined : JSON.stringify(body));
    return { ok: res.status >= 200 && res.status < 300, status: res.status };
  }
}

function matches(match: FaultMatch, record: RecordedRequest): boolean {
  if (match.method && match.method !== record.method) return false;
  if (match.endpoint && match.endpoint !== record.endpoint) return false;
  if (match.path instanceof RegExp && !match.path.test(record.path)) return false;
  if (typeof match.path === 'string' && record.path !== match.path) return false;
  return match.when?.(record) ?? true;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** `{}` for an empty body, undefined for text that is not a JSON object. */
function parseJson(raw: Buffer): Record<string, unknown> | undefined {
  if (raw.length === 0) return {};
  try {
    const value: unknown = JSON.parse(raw.toString('utf8'));
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
