import { Counter, type Registry } from 'prom-client';
import type { HttpMetrics } from './appservice-app';
import type { RouteMetrics } from './routes/router';

/** Creates and registers the appservice API's counters in `registry`. */
export function createHttpMetrics(registry: Registry): HttpMetrics {
  return {
    requests: new Counter({
      name: 'bridgekit_appservice_api_requests_total',
      help: 'Requests from the homeserver to the appservice API, by route name and status',
      labelNames: ['route', 'status'] as const,
      registers: [registry],
    }),
    skippedEvents: new Counter({
      name: 'bridgekit_appservice_skipped_events_total',
      help: 'Events skipped because they were not of the spec\'s shape (the rest of their transaction was accepted)',
      registers: [registry],
    }),
    authRefusals: new Counter({
      name: 'bridgekit_appservice_auth_refusals_total',
      help: 'Requests to the appservice API refused for a missing or wrong hs_token, by reason',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
  };
}

/** Creates and registers the counter of connector route requests in `registry`. */
export function createRouteMetrics(registry: Registry): RouteMetrics {
  return {
    requests: new Counter({
      name: 'bridgekit_connector_route_requests_total',
      help: 'Requests to the connector\'s HTTP routes, by method, route pattern and status (aborted: the caller went away)',
      labelNames: ['method', 'route', 'status'] as const,
      registers: [registry],
    }),
  };
}
