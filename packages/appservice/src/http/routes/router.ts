import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import type { Counter } from 'prom-client';
import type { Logger } from '../../log/types';
import { bearerAuth } from '../auth';
import { refusalFor } from '../error-handler';
import { sendError } from '../respond';
import { param } from '../routing';
import { bodyReader } from './body';
import type { RouteGate } from './gate';
import { sendFailure, sendReply } from './reply';
import type { RouteAuth, RouteBodyKind, RouteMethod, RouteRequest, RouteSpec } from './types';

/** The counter of connector route requests, by method, declared route and status. */
export interface RouteMetrics {
  /** method: the request's (bounded to the known set); route: the declared pattern or `unmatched`. */
  requests: Counter<'method' | 'route' | 'status'>;
}

/** A route as the registry keeps it: defaults applied, body kinds as a list. */
export interface StoredRoute {
  method: RouteMethod;
  path: string;
  auth: RouteAuth;
  bodyKinds: readonly RouteBodyKind[];
  maxBytes: number;
  handler: RouteSpec['handler'];
}

export interface RoutesRouterDeps {
  gate: RouteGate;
  log: Logger;
  metrics?: RouteMetrics;
}

const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/**
 * One listener's connector routes as an Express router, to be mounted at `ROUTE_PREFIX`. Per
 * request: count → gate (503 at shutdown) → match → auth → body → handler → reply. A path
 * that matches with another method is a 405 naming the allowed ones; no match is a 404.
 */
export function createRoutesRouter(routes: readonly StoredRoute[], deps: RoutesRouterDeps): Router {
  const router = express.Router({ caseSensitive: true });
  router.use(countRequests(deps.metrics));
  router.use(deps.gate.admit);

  const byPath = new Map<string, StoredRoute[]>();
  for (const route of routes) byPath.set(route.path, [...(byPath.get(route.path) ?? []), route]);
  for (const [path, sameRoutes] of byPath) {
    const expressRoute = router.route(path);
    expressRoute.all((_req: Request, res: Response, next: NextFunction) => {
      res.locals.connectorRoute = path;
      next();
    });
    for (const route of sameRoutes) {
      const method = route.method.toLowerCase() as Lowercase<RouteMethod>;
      expressRoute[method](...authFor(route.auth), bodyReader(route.bodyKinds, route.maxBytes, deps.log), runHandler(route, deps.log));
    }
    const allowed: string[] = sameRoutes.map((r) => r.method);
    if (allowed.includes('GET')) allowed.push('HEAD');
    expressRoute.all((req: Request, res: Response) => {
      res.setHeader('Allow', allowed.join(', '));
      sendError(res, 405, 'M_UNRECOGNIZED', `${req.method} is not supported here; use ${allowed.join(' or ')}`);
    });
  }

  router.use((req: Request, res: Response) => {
    sendError(res, 404, 'M_UNRECOGNIZED', `Unrecognized request: ${req.method} ${req.originalUrl.split('?')[0]}`);
  });
  // Errors from Express itself, e.g. a path parameter with a malformed percent-escape.
  router.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const refusal = refusalFor(err, req);
    if (refusal) sendError(res, refusal.status, refusal.errcode, refusal.message);
    else sendFailure(res, err, deps.log);
  });
  return router;
}

function authFor(auth: RouteAuth) {
  if (auth === 'none') return [];
  const { bearer, hint } = auth;
  return [bearerAuth({
    token: typeof bearer === 'function' ? bearer : () => bearer,
    acceptQueryToken: false,
    missing: { errcode: 'M_MISSING_TOKEN', message: 'Send the secret as "Authorization: Bearer <secret>".' },
    wrong: { errcode: 'M_UNKNOWN_TOKEN', message: hint ? `Wrong secret: use ${hint} from the bridge config.` : 'Wrong secret.' },
  })];
}

function runHandler(route: StoredRoute, log: Logger) {
  return async (req: Request, res: Response): Promise<void> => {
    const request = {
      method: req.method as RouteMethod | 'HEAD',
      path: req.originalUrl.split('?')[0] ?? '',
      params: paramsOf(req),
      query: queryOf(req),
      headers: req.headers,
      remoteAddress: req.socket.remoteAddress,
      signal: res.locals.signal as AbortSignal,
      bodyKind: res.locals.bodyKind as RouteBodyKind,
      body: res.locals.body as unknown,
    } as RouteRequest;
    try {
      sendReply(req, res, await route.handler(request), log);
    } catch (err) {
      sendFailure(res, err, log);
    }
  };
}

function paramsOf(req: Request): Record<string, string> {
  const params: Record<string, string> = {};
  for (const name of Object.keys(req.params)) params[name] = param(req, name);
  return params;
}

function queryOf(req: Request): Record<string, string> {
  const query: Record<string, string> = {};
  for (const [key, value] of Object.entries(req.query)) {
    const first = Array.isArray(value) ? value[0] : value;
    if (typeof first === 'string') query[key] = first;
  }
  return query;
}

function countRequests(metrics: RouteMetrics | undefined) {
  return (req: Request, res: Response, next: NextFunction): void => {
    // The AS API's own counter labels these by one fixed name; the detail is in this counter.
    res.locals.route = 'connector';
    if (metrics) {
      res.once('close', () => {
        metrics.requests.inc({
          method: KNOWN_METHODS.has(req.method) ? req.method : 'OTHER',
          route: String(res.locals.connectorRoute ?? 'unmatched'),
          status: res.writableFinished ? String(res.statusCode) : 'aborted',
        });
      });
    }
    next();
  };
}
