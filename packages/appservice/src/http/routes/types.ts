/**
 * The public shape of connector routes: HTTP endpoints a connector adds to the bridge's own
 * listener (`ctx.routes`), e.g. a webhook, a media proxy or a provisioning API.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';

/**
 * Every connector route lives below this path on the appservice listener. The homeserver's
 * side (`/_matrix/...` and the legacy unprefixed AS paths) never starts with it, so a
 * connector route can never shadow the AS API. Separate listeners use the same prefix, so a
 * route keeps its URL when an admin moves it to its own port.
 */
export const ROUTE_PREFIX = '/_bridgekit';

/** The HTTP methods a connector route may answer (`GET` answers `HEAD` too). */
export type RouteMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/**
 * How the request body is read. `json`: any JSON value (`application/json` or `+json`);
 * `form`: `application/x-www-form-urlencoded`, one string per field (the first when repeated);
 * `raw`: the bytes, whatever the content type; `none`: not read. A route may accept several
 * (`['json', 'form']`): the request's Content-Type picks one, and `request.bodyKind` says which.
 */
export type RouteBodyKind = 'json' | 'form' | 'raw' | 'none';

/** What the handler gets as `body` for each kind. */
export interface RouteBodies {
  json: unknown;
  form: Record<string, string>;
  raw: Buffer;
  none: undefined;
}

/**
 * `{ bearer }`: the caller must send `Authorization: Bearer <secret>`; missing → 401
 * `M_MISSING_TOKEN`, wrong → 403 `M_UNKNOWN_TOKEN`, compared in constant time. A function is
 * read on every request (a rotated secret applies at once). `hint` names where the admin set
 * the secret (e.g. `irc.provisioning.secret`) in the 403's message. `'none'`: anyone may call
 * (a link that carries its own signature, a webhook URL that is the secret itself).
 */
export type RouteAuth = { bearer: string | (() => string); hint?: string } | 'none';

interface RouteRequestBase {
  /** GET routes also answer HEAD; then `method` is `HEAD` and a body sent back is dropped. */
  readonly method: RouteMethod | 'HEAD';
  /** The path as requested, prefix included. */
  readonly path: string;
  /** Path parameters by name, decoded; a `*rest` wildcard gives its segments joined by `/`. */
  readonly params: Readonly<Record<string, string>>;
  /** Query parameters, one string each (the first when repeated). */
  readonly query: Readonly<Record<string, string>>;
  /** Lower-cased header names, as Node gives them. */
  readonly headers: Readonly<IncomingHttpHeaders>;
  /** The caller's address (behind a reverse proxy: the proxy's). */
  readonly remoteAddress: string | undefined;
  /** Aborted when the caller goes away or the bridge stops waiting for the request at shutdown. */
  readonly signal: AbortSignal;
}

/** The request a handler sees; `bodyKind` tells the accepted body kinds apart. */
export type RouteRequest<K extends RouteBodyKind = RouteBodyKind> = K extends RouteBodyKind
  ? RouteRequestBase & { readonly bodyKind: K; readonly body: RouteBodies[K] }
  : never;

/** Extra response headers of a route's reply. */
export type ReplyHeaders = Readonly<Record<string, string | number>>;

/**
 * What a handler answers. `status` defaults to 200. `json` and `text` set their Content-Type;
 * `stream` sends a download with its `contentType` (and `contentLength` when known): the stream
 * is destroyed if the caller goes away, and for HEAD it is never read. A reply with none of them
 * is an empty body (`{ status: 204 }`). `headers` are sent as given and override the defaults.
 */
export type RouteReply =
  | { status?: number; headers?: ReplyHeaders; json: unknown }
  | { status?: number; headers?: ReplyHeaders; text: string }
  | { status?: number; headers?: ReplyHeaders; stream: Readable; contentType: string; contentLength?: number }
  | { status: number; headers?: ReplyHeaders };

/**
 * One route. The handler may throw: an `HttpError` answers its status with `{errcode, error}`;
 * a `BridgeError` answers its `httpStatus` with `{errcode: code, error: userMessage}` (its
 * message and details go to the log); anything else is a 500 whose body says only to look at
 * the log.
 */
export interface RouteSpec<K extends RouteBodyKind = RouteBodyKind> {
  method: RouteMethod;
  /**
   * Below `ROUTE_PREFIX`, in Express 5 syntax: `/hooks/:hookId`, `/media/v1/*rest`,
   * `/files/:id{/:name}` (optional part). The first segment must not start with `_` (kept
   * for the core).
   */
  path: string;
  auth: RouteAuth;
  body: K | readonly K[];
  /** Largest body read, in bytes (413 beyond); default 64 KiB. */
  maxBytes?: number;
  /** A listener declared with `ctx.routes.listener(name, …)`; default: the appservice listener. */
  listener?: string;
  handler(request: RouteRequest<K>): Promise<RouteReply> | RouteReply;
}

/** Where a separate listener binds. Port 0 picks a free port (tests). */
export interface RouteListenerBind {
  bindAddress: string;
  port: number;
}

/**
 * `ctx.routes`: add HTTP routes during `Connector.start()`; the core opens them with its
 * listener, counts them in `bridgekit_connector_route_requests_total`, and at shutdown answers
 * new requests 503 and lets running ones finish (bounded) before it drains queued events.
 */
export interface RouteRegistry {
  /** Throws when called after `start()` returned, for a duplicate method + path, or a bad path. */
  add<K extends RouteBodyKind>(route: RouteSpec<K>): void;
  /**
   * Declares a listener of the connector's own (its own bind address and port, e.g. to keep an
   * API off the interface the homeserver reaches). Routes name it in `listener`.
   */
  listener(name: string, bind: RouteListenerBind): void;
}
