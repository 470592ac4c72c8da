import express, { type Express, type Request, type Response } from 'express';
import type { Registry } from 'prom-client';
import type { Logger } from '../log/types';
import { sendError } from './respond';

export interface HealthReport {
  ok: boolean;
  /** Per-component state, e.g. `{ store: 'ok', homeserver: 'unreachable' }`. */
  details: Record<string, unknown>;
}

export interface OpsAppDeps {
  metricsRegistry: Registry;
  health(): HealthReport | Promise<HealthReport>;
  log?: Logger;
}

/**
 * `/metrics` (Prometheus text) and `/health` (200 or 503 with JSON details): a separate app so
 * operators can bind it to a private interface. Returns an app that is not listening.
 */
export function createOpsApp(deps: OpsAppDeps): Express {
  const app = express();
  app.disable('x-powered-by');

  app.get('/metrics', async (_req: Request, res: Response) => {
    const text = await deps.metricsRegistry.metrics();
    res.status(200).type(deps.metricsRegistry.contentType).send(text);
  });

  app.get('/health', async (_req: Request, res: Response) => {
    let report: HealthReport;
    try {
      report = await deps.health();
    } catch (err) {
      const error = err instanceof Error ? err.message : String(err);
      deps.log?.error('Health check failed', { error });
      report = { ok: false, details: { error } };
    }
    res.status(report.ok ? 200 : 503).json(report);
  });

  app.use((req: Request, res: Response) => sendError(res, 404, 'M_UNRECOGNIZED', `Unrecognized request: ${req.method} ${req.path}`));
  return app;
}
