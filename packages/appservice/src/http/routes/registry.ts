import type { Server } from 'node:http';
import express, { type Express, type Request, type Response, type Router } from 'express';
import type { Logger } from '../../log/types';
import { closeServer, listen } from '../listen';
import { sendError } from '../respond';
import { RouteGate } from './gate';
import { createRoutesRouter, type RouteMetrics, type StoredRoute } from './router';
import { ROUTE_PREFIX, type RouteBodyKind, type RouteListenerBind, type RouteRegistry, type RouteSpec } from './types';

/** The listener the homeserver talks to; routes without `listener` go there. */
export const APPSERVICE_LISTENER = 'appservice';
const DEFAULT_MAX_BYTES = 64 * 1024;
const METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']);
const BODY_KINDS = new Set(['json', 'form', 'raw', 'none']);
const LISTENER_NAME = /^[a-z][a-z0-9-]{0,31}$/;

/** What the route registry logs to and counts in. */
export interface ConnectorRoutesDeps {
  log: Logger;
  metrics?: RouteMetrics;
}

/** Where each listener with connector routes is bound (ports are real even when 0 was asked). */
export type RouteAddresses = Record<string, { host: string; port: number }>;

/**
 * The core's side of `ctx.routes`: collects a connector's routes while it starts, refuses them
 * once the listener is open (a route added later would silently never be served), builds the
 * router the appservice app mounts at `ROUTE_PREFIX`, opens the connector's own listeners, and
 * closes everything in order at shutdown. Also usable on its own in a connector's tests.
 */
export class ConnectorRoutes implements RouteRegistry {
  private readonly routes = new Map<string, StoredRoute[]>();
  private readonly binds = new Map<string, RouteListenerBind>();
  private readonly keys = new Set<string>();
  private readonly gate = new RouteGate();
  private readonly servers: Server[] = [];
  private sealed = false;

  constructor(private readonly deps: ConnectorRoutesDeps) {}

  add<K extends RouteBodyKind>(spec: RouteSpec<K>): void {
    const where = `${spec.method} ${spec.path}`;
    this.refuseWhenSealed(`add the route ${where}`);
    const listener = spec.listener ?? APPSERVICE_LISTENER;
    if (!METHODS.has(spec.method)) throw new TypeError(`Route ${where}: method must be one of ${[...METHODS].join(', ')}`);
    checkPath(spec.path);
    if (listener !== APPSERVICE_LISTENER && !this.binds.has(listener)) {
      throw new Error(`Route ${where}: declare the listener "${listener}" with ctx.routes.listener() first`);
    }
    const bodyKinds = (typeof spec.body === 'string' ? [spec.body] : [...spec.body]) as RouteBodyKind[];
    if (bodyKinds.length === 0 || bodyKinds.some((kind) => !BODY_KINDS.has(kind))) {
      throw new TypeError(`Route ${where}: body must be 'json', 'form', 'raw', 'none' or a list of them`);
    }
    if (spec.auth !== 'none' && (spec.auth === null || typeof spec.auth !== 'object' || (typeof spec.auth.bearer !== 'function' && !spec.auth.bearer))) {
      throw new TypeError(`Route ${where}: auth must be 'none' or { bearer: <a non-empty secret or a function returning it> }`);
    }
    const maxBytes = spec.maxBytes ?? DEFAULT_MAX_BYTES;
    if (!Number.isSafeInteger(maxBytes) || maxBytes < 1) throw new TypeError(`Route ${where}: maxBytes must be a positive whole number`);
    const key = `${listener} ${spec.method} ${spec.path}`;
    if (this.keys.has(key)) throw new Error(`Route ${where} is already added`);
    this.keys.add(key);
    const stored: StoredRoute = { method: spec.method, path: spec.path, auth: spec.auth, bodyKinds, maxBytes, handler: spec.handler as StoredRoute['handler'] };
    this.routes.set(listener, [...(this.routes.get(listener) ?? []), stored]);
  }

  listener(name: string, bind: RouteListenerBind): void {
    this.refuseWhenSealed(`declare the listener "${name}"`);
    if (!LISTENER_NAME.test(name) || name === APPSERVICE_LISTENER) {
      throw new TypeError(`Listener name "${name}": use lower-case letters, digits and dashes, and not "${APPSERVICE_LISTENER}"`);
    }
    const known = this.binds.get(name);
    if (known && (known.bindAddress !== bind.bindAddress || known.port !== bind.port)) {
      throw new Error(`The listener "${name}" is already declared with another address`);
    }
    this.binds.set(name, { bindAddress: bind.bindAddress, port: bind.port });
  }

  /** No more routes or listeners: the bridge is about to open its listener. */
  seal(): void {
    this.sealed = true;
  }

  /** Every route as `METHOD /_bridgekit/path [listener]`, for the start-up log line. */
  describe(): string[] {
    return [...this.routes].flatMap(([listener, routes]) => routes.map((r) => `${r.method} ${ROUTE_PREFIX}${r.path}${listener === APPSERVICE_LISTENER ? '' : ` (${listener})`}`));
  }

  /** The router the appservice app mounts at `ROUTE_PREFIX`, or undefined when no route uses that listener. */
  appserviceRouter(): Router | undefined {
    const routes = this.routes.get(APPSERVICE_LISTENER);
    return routes ? this.router(routes) : undefined;
  }

  /**
   * Opens the connector's own listeners. `appservice` also serves the appservice listener's
   * routes on a listener of their own: for a connector's tests, where no AS API runs.
   */
  async listen(options: { appservice?: RouteListenerBind } = {}): Promise<RouteAddresses> {
    this.seal();
    const binds = new Map(this.binds);
    if (options.appservice) binds.set(APPSERVICE_LISTENER, options.appservice);
    const addresses: RouteAddresses = {};
    for (const [name, bind] of binds) {
      const opened = await listen(this.app(this.routes.get(name) ?? []), bind.bindAddress, bind.port).catch((err: Error) => {
        throw new Error(`The connector's "${name}" listener cannot start: ${err.message}`, { cause: err });
      });
      this.servers.push(opened.server);
      addresses[name] = opened.address;
    }
    return addresses;
  }

  /** Shutdown, first step: from now on every request gets 503 (requests already running go on). */
  stopAdmitting(): void {
    this.gate.close();
  }

  /**
   * Shutdown, second step: waits up to `graceMs` for running requests, then tells the rest
   * their caller is gone (their `signal` aborts) and closes the connector's own listeners.
   */
  async close(graceMs: number): Promise<void> {
    this.stopAdmitting();
    // The bound's timer starts before the listeners' own (same duration: Node fires them in
    // order), so a request the listeners' cut ends is still counted, logged and aborted here.
    const settled = settlesWithin(this.gate.idle(), graceMs);
    const closing = Promise.all(this.servers.splice(0).map((server) => closeServer(server, graceMs)));
    const finished = await settled;
    if (!finished) {
      this.deps.log.warn('Cut off connector route requests still running at shutdown', { requests: this.gate.inFlight, graceMs });
      this.gate.abortAll('The bridge is shutting down');
    }
    await closing;
  }

  private router(routes: readonly StoredRoute[]): Router {
    return createRoutesRouter(routes, { gate: this.gate, log: this.deps.log, metrics: this.deps.metrics });
  }

  private app(routes: readonly StoredRoute[]): Express {
    const app = express();
    app.disable('x-powered-by');
    app.set('query parser', 'simple');
    app.use(ROUTE_PREFIX, this.router(routes));
    app.use((req: Request, res: Response) => {
      sendError(res, 404, 'M_UNRECOGNIZED', `Unrecognized request: ${req.method} ${req.path}`);
    });
    return app;
  }

  private refuseWhenSealed(what: string): void {
    if (this.sealed) throw new Error(`Cannot ${what}: routes are added in Connector.start(), before the listener opens`);
  }
}

/** Refuses a path Express cannot compile, or one in the part of the prefix the core keeps. */
function checkPath(path: string): void {
  if (typeof path !== 'string' || !path.startsWith('/') || /[?#\s]/.test(path)) {
    throw new TypeError(`Route path ${JSON.stringify(path)}: must start with "/" and hold no "?", "#" or spaces`);
  }
  if (/^\/[_{]/.test(path)) throw new TypeError(`Route path ${path}: paths whose first segment starts with "_" are kept for the core`);
  try {
    express.Router().route(path);
  } catch (err) {
    throw new TypeError(`Route path ${path}: ${(err as Error).message}`);
  }
}

async function settlesWithin(work: Promise<void>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => { timer = setTimeout(() => resolve(false), ms); });
  try {
    return await Promise.race([work.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
