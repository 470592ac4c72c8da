import type { IncomingMessage, ServerResponse } from 'node:http';
import express, { type Express, type NextFunction, type Request, type Response, type Router } from 'express';
import type { Counter } from 'prom-client';
import type { ThirdPartyProvider } from '../connector';
import type { EphemeralEvent, MatrixEvent } from '../events';
import type { TransactionAdmission } from '../ingest/txn-gaps';
import { asRoomAlias, asUserId, type RoomAlias, type UserId } from '../ids';
import type { Logger } from '../log/types';
import { hsTokenAuth } from './auth';
import { AuthRefusalReporter } from './auth-refusals';
import { errorHandler } from './error-handler';
import { parseParam, sendError } from './respond';
import { endpoint, param } from './routing';
import { ROUTE_PREFIX } from './routes/types';
import { thirdPartyRoutes } from './thirdparty';
import { acceptPushed, transactionFastPath } from './transaction-route';
import { BadJsonError } from './wire';

/** Where accepted transactions go (the `Ingestor`). Synchronous on purpose: see `createAppServiceApp`. */
export interface TransactionSink {
  /** Answers once persisted: at once (SQLite) or with a Promise (a database server). */
  acceptTransaction(txnId: string, events: MatrixEvent[], ephemeral: EphemeralEvent[]): SinkAcceptResult | Promise<SinkAcceptResult>;
  /** True while queued items are still being handled: what they send to the homeserver comes back as echoes. */
  expectsEchoes?(): boolean;
  /** Asked first: a refused push is answered 503 and not accepted (a gap in the IDs, `Ingestor.admitTransaction`). */
  admitTransaction?(txnId: string): TransactionAdmission;
  /** Told when a push could not be stored and was answered 500: the homeserver will recover (`Ingestor.homeserverRecovering`). */
  homeserverRecovering?(): void;
}

/** What the sink says of an accepted transaction: `echoes`, the bridge's own events among them, when it counts them. */
export interface SinkAcceptResult {
  duplicate: boolean;
  echoes?: number;
}

export interface HttpMetrics {
  /** route: a fixed route name (`transactions`, `users`, ..., `unknown`), never a raw path. */
  requests: Counter<'route' | 'status'>;
  skippedEvents?: Counter;
  /** Requests refused for a missing or wrong hs_token. reason: `missing_token` | `wrong_token`. */
  authRefusals?: Counter<'reason'>;
}

export interface AppServiceAppDeps {
  hsToken: string;
  ingest: TransactionSink;
  /** The homeserver asks about an unknown user in the namespace: create it and return true, or false for 404. */
  onUserQuery?(userId: UserId): Promise<boolean>;
  onAliasQuery?(alias: RoomAlias): Promise<boolean>;
  /** The homeserver called `/ping`, in answer to the bridge's own ping request. */
  onPing?(transactionId: string | undefined): void;
  thirdParty?: ThirdPartyProvider;
  /** Largest accepted request body, in bytes. */
  maxBodyBytes: number;
  /**
   * How long the 200 of a transaction holding only echoes waits while the sink expects echoes (default
   * `ECHO_ANSWER_HOLD_MS`; 0 answers at once): see transaction-route.ts.
   */
  echoAnswerHoldMs?: number;
  log: Logger;
  metrics?: HttpMetrics;
  /** The bridge's registration file, named when the admin is told how to fix a wrong hs_token. */
  registrationFile?: string;
  /** Milliseconds since the epoch; injected in tests. */
  now?: () => number;
  /** The connector's routes (`ConnectorRoutes.appserviceRouter()`), served below `ROUTE_PREFIX`. */
  connectorRoutes?: Router;
}

/**
 * The application-service API (homeserver → bridge) under `/_matrix/app/v1`, the legacy
 * unprefixed paths and `/_matrix/app/unstable`. Returns an app that is not listening.
 *
 * The transaction route (transaction-route.ts) does nothing asynchronous between parsing the
 * body and handing the events to the sink, so events of one room cannot overtake each other.
 * The 200 goes out only after the sink persisted them (on the next event-loop turn, behind the
 * handlers' first steps); a 500 (so the homeserver retries) only when it could not.
 */
export function createAppServiceApp(deps: AppServiceAppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.use(countRequests(deps.metrics));

  // Auth runs before the body is read: an unauthenticated sender cannot make the bridge parse megabytes.
  const refusals = new AuthRefusalReporter({ log: deps.log, metric: deps.metrics?.authRefusals, now: deps.now, registrationFile: deps.registrationFile });
  const auth = hsTokenAuth(deps.hsToken, (refusal) => refusals.refused(refusal));
  const json = express.json({ limit: deps.maxBodyBytes, type: () => true, strict: true });
  const router = express.Router();

  endpoint(router, '/transactions/:txnId', 'transactions', {
    put: [auth, json, (req: Request, res: Response) => {
      acceptPushed(deps, param(req, 'txnId'), req.body, (status, body) => res.status(status).json(body));
    }],
  });

  endpoint(router, '/users/:userId', 'users', {
    get: [auth, async (req: Request, res: Response) => {
      const userId = parseParam(asUserId, param(req, 'userId'), 'userId');
      if (deps.onUserQuery && (await deps.onUserQuery(userId))) res.status(200).json({});
      else sendError(res, 404, 'M_NOT_FOUND', `The bridge does not provide ${userId}`);
    }],
  });

  endpoint(router, '/rooms/:roomAlias', 'rooms', {
    get: [auth, async (req: Request, res: Response) => {
      const alias = parseParam(asRoomAlias, param(req, 'roomAlias'), 'roomAlias');
      if (deps.onAliasQuery && (await deps.onAliasQuery(alias))) res.status(200).json({});
      else sendError(res, 404, 'M_NOT_FOUND', `The bridge does not provide ${alias}`);
    }],
  });

  endpoint(router, '/ping', 'ping', {
    post: [auth, json, (req: Request, res: Response) => {
      const body = req.body as Record<string, unknown> | undefined;
      // Synapse relays the ID the bridge sent, and sends `null` when the bridge sent none.
      const raw = body?.transaction_id;
      if (raw !== undefined && raw !== null && typeof raw !== 'string') throw new BadJsonError('transaction_id', 'expected a string or null');
      deps.onPing?.(raw ?? undefined);
      res.status(200).json({});
    }],
  });

  thirdPartyRoutes(router, auth, deps.thirdParty);

  // Connector routes have their own auth, body rules and answers; nothing of the AS API runs for them.
  if (deps.connectorRoutes) app.use(ROUTE_PREFIX, deps.connectorRoutes);

  for (const prefix of ['/_matrix/app/v1', '/_matrix/app/unstable', '/']) app.use(prefix, router);
  app.use((req: Request, res: Response) => {
    sendError(res, 404, 'M_UNRECOGNIZED', `Unrecognized request: ${req.method} ${req.path}`);
  });
  app.use(errorHandler(deps.log));
  // An ordinary transaction push is served before Express sees it (transaction-route.ts): even
  // reaching a first middleware costs Express more than the rest of an echo's handling. The app
  // function calls `app.handle` for every request, whoever listens (`app.listen`, a test server).
  const fast = transactionFastPath(deps);
  const handled = app as unknown as { handle: ExpressHandle };
  const viaExpress = handled.handle.bind(app);
  handled.handle = (req, res, done) => fast(req, res, () => viaExpress(req, res, done));
  return app;
}

/** Express's own entry point (untyped in @types/express): the app function calls it per request. */
type ExpressHandle = (req: IncomingMessage, res: ServerResponse, done?: (err?: unknown) => void) => void;

function countRequests(metrics: HttpMetrics | undefined) {
  return (_req: Request, res: Response, next: NextFunction): void => {
    if (metrics) {
      res.on('finish', () => metrics.requests.inc({ route: String(res.locals.route ?? 'unknown'), status: String(res.statusCode) }));
    }
    next();
  };
}
