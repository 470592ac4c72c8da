/**
 * The bridge's listeners, opened once the connector has started: the appservice API (with the
 * connector's routes on it), the connector's own listeners, and the ops listener (/metrics,
 * /health for liveness, /ready for readiness) when metrics are enabled.
 */
import type { Server } from 'node:http';
import type { BridgeConfig } from '../config/types';
import type { Connector } from '../connector';
import type { ReadinessReport } from '../health/readiness';
import type { Logger } from '../log/types';
import type { CoreMetrics } from '../metrics/core-metrics';
import type { NamespaceMatcher } from '../registration/namespaces';
import type { Registration } from '../registration/types';
import { createAppServiceApp, type TransactionSink } from './appservice-app';
import { listen } from './listen';
import { createOpsApp } from './ops-app';
import type { ConnectorRoutes, RouteAddresses } from './routes';

/** Where the started bridge listens (ports are real even when the config said 0). */
export interface BridgeAddresses {
  appservice: { host: string; port: number };
  ops?: { host: string; port: number };
  /** The connector's own listeners (`ctx.routes.listener`), by name. */
  routes?: RouteAddresses;
}

export interface BridgeListenerParts {
  config: BridgeConfig;
  registration: Registration;
  connector: Pick<Connector, 'onUserQuery' | 'onAliasQuery' | 'thirdParty'>;
  matcher: NamespaceMatcher;
  sink: TransactionSink;
  routes: ConnectorRoutes;
  log: Logger;
  metrics: CoreMetrics;
  /** For /health's details: how much work is queued. */
  queueDepth(): number;
  readiness(): ReadinessReport | Promise<ReadinessReport>;
  /** `BridgeOptions.echoAnswerHoldMs`. */
  echoAnswerHoldMs?: number;
}

/** Opens every listener; `servers` are for the caller to close, in any order, at stop. */
export async function openBridgeListeners(parts: BridgeListenerParts): Promise<{ servers: Server[]; addresses: BridgeAddresses }> {
  const { config, connector, matcher, routes, log, metrics } = parts;
  const app = createAppServiceApp({
    hsToken: parts.registration.hsToken,
    ingest: parts.sink,
    onUserQuery: connector.onUserQuery
      ? (userId) => (matcher.isUserInNamespace(userId) ? connector.onUserQuery!(userId) : Promise.resolve(false))
      : undefined,
    onAliasQuery: connector.onAliasQuery
      ? (alias) => (matcher.isAliasInNamespace(alias) ? connector.onAliasQuery!(alias) : Promise.resolve(false))
      : undefined,
    onPing: (txnId) => log.debug('Homeserver pinged the bridge', { txnId }),
    thirdParty: connector.thirdParty,
    maxBodyBytes: config.appservice.maxBodyBytes,
    ...(parts.echoAnswerHoldMs !== undefined ? { echoAnswerHoldMs: parts.echoAnswerHoldMs } : {}),
    log: log.child({ component: 'http' }),
    metrics: metrics.http,
    registrationFile: config.appservice.registration,
    connectorRoutes: routes.appserviceRouter(),
  });
  const appservice = await listen(app, config.appservice.bindAddress, config.appservice.port);
  const servers = [appservice.server];
  const addresses: BridgeAddresses = { appservice: appservice.address };
  const ownListeners = await routes.listen();
  if (Object.keys(ownListeners).length > 0) addresses.routes = ownListeners;
  const routeList = routes.describe();
  if (routeList.length > 0) log.info('Connector routes', { routes: routeList, listeners: addresses.routes });

  if (config.metrics.enabled) {
    const ops = createOpsApp({
      metricsRegistry: metrics.registry,
      // Liveness only: the process answers. What it depends on is /ready's business, or an
      // orchestrator would restart a healthy bridge every time the homeserver restarts.
      health: () => ({ ok: true, details: { queueDepth: parts.queueDepth() } }),
      ready: () => parts.readiness(),
      log,
    });
    const opsServer = await listen(ops, config.metrics.bindAddress, config.metrics.port);
    servers.push(opsServer.server);
    addresses.ops = opsServer.address;
  }
  return { servers, addresses };
}
