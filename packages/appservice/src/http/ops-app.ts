import express, { type Express, type Request, type Response } from 'express';
import type { Registry } from 'prom-client';
import type { ReadinessReport } from '../health/readiness';
import type { Logger } from '../log/types';
import { sendError } from './respond';

export interface HealthReport {
  ok: boolean;
  /** Per-component state, e.g. `{ store: 'ok', homeserver: 'unreachable' }`. */
  details: Record<string, unknown>;
}

export interface OpsAppDeps {
  metricsRegistry: Registry;
  /** Liveness: the process answers. 503 only when this says so (or throws). */
  health(): HealthReport | Promise<HealthReport>;
  /** Readiness: able to bridge now (store, homeserver, connector). Without it, /ready is 404. */
  ready?(): ReadinessReport | Promise<ReadinessReport>;
  log?: Logger;
}

/**
 * `/metrics` (Prometheus text), `/health` (liveness: restart me if this fails) and `/ready`
 * (readiness: 200, or 503 with JSON naming each part that is not ready): a separate app so
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

  const ready = deps.ready;
  if (ready) {
    app.get('/ready', async (_req: Request, res: Response) => {
      let report: ReadinessReport;
      try {
        report = await ready();
      } catch (err) {
        const error = err instanceof Error ? err.message : String(err);
        deps.log?.error('Readiness check failed', { error });
        report = { ok: false, notReady: ['bridge'], details: { error } };
      }
      res.status(report.ok ? 200 : 503).json(report);
    });
  }

  app.use((req: Request, res: Response) => sendError(res, 404, 'M_UNRECOGNIZED', `Unrecognized request: ${req.method} ${req.path}`));
  return app;
}
