import { Counter, Histogram, type Registry } from 'prom-client';

/**
 * The counters the client-server API client updates. Labels use the endpoint *template*
 * (`/_matrix/client/v3/rooms/{roomId}/send/{eventType}/{txnId}`), never the raw path, so the
 * number of series stays bounded.
 */
export interface CsApiMetrics {
  /** status: the HTTP status, or `network` / `timeout` when there was none. */
  requests: Counter<'method' | 'endpoint' | 'status'>;
  /** reason: `429`, `5xx`, `network` or `timeout`. */
  retries: Counter<'method' | 'endpoint' | 'reason'>;
  duration?: Histogram<'method' | 'endpoint'>;
}

/** Creates and registers the client's metrics in `registry`. */
export function createCsApiMetrics(registry: Registry): CsApiMetrics {
  return {
    requests: new Counter({
      name: 'bridgekit_csapi_requests_total',
      help: 'Client-server API requests to the homeserver, by endpoint template and status',
      labelNames: ['method', 'endpoint', 'status'] as const,
      registers: [registry],
    }),
    retries: new Counter({
      name: 'bridgekit_csapi_retries_total',
      help: 'Client-server API requests retried, by endpoint template and reason',
      labelNames: ['method', 'endpoint', 'reason'] as const,
      registers: [registry],
    }),
    duration: new Histogram({
      name: 'bridgekit_csapi_request_duration_seconds',
      help: 'Client-server API request duration per attempt, by endpoint template',
      labelNames: ['method', 'endpoint'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
  };
}
