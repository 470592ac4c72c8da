export { ConnectorRoutes, APPSERVICE_LISTENER } from './registry';
export type { ConnectorRoutesDeps, RouteAddresses } from './registry';
export type { RouteMetrics } from './router';
export { ROUTE_PREFIX } from './types';
export type {
  RouteAuth, RouteBodies, RouteBodyKind, RouteListenerBind, RouteMethod, RouteRegistry, RouteReply, RouteRequest, RouteSpec, ReplyHeaders,
} from './types';
