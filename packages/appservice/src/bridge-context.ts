/**
 * The `BridgeContext` a connector is started with, assembled from the parts `Bridge.start` opened:
 * one place that says which core part answers each of the context's members.
 */
import type { BridgeConfig } from './config/types';
import type { BridgeContext } from './connector';
import type { CsApiClient } from './csapi/client';
import type { Ghosts } from './ghosts/ghosts';
import { buildUserId } from './ghosts/localpart';
import type { ConnectorRoutes } from './http/routes';
import { asRoomAlias, asUserId } from './ids';
import type { Ingestor } from './ingest/ingestor';
import { currentWrittenMarker } from './ingest/written-mark';
import type { IntentFactory } from './intent/factory';
import type { Logger } from './log/types';
import type { MemberCache } from './members/member-cache';
import type { CoreMetrics } from './metrics/core-metrics';
import { createPortals } from './portals/portals';
import type { NamespaceMatcher } from './registration/namespaces';
import type { Registration } from './registration/types';
import type { BridgeStoreHandle } from './store/bridge-store';

export interface BridgeContextParts {
  config: BridgeConfig;
  registration: Registration;
  /** The connector's section, as loaded at start. */
  section: unknown;
  intents: IntentFactory;
  store: BridgeStoreHandle;
  ingestor: Ingestor;
  client: CsApiClient;
  ghosts: Ghosts;
  routes: ConnectorRoutes;
  members: MemberCache;
  matcher: NamespaceMatcher;
  log: Logger;
  metrics: CoreMetrics;
  addSecret(secret: string): void;
  reloadConfig: BridgeContext['reloadConfig'];
  moderation: BridgeContext['moderation'];
}

export function createBridgeContext(parts: BridgeContextParts): BridgeContext {
  const { config, intents, ingestor, client, matcher } = parts;
  const { store } = parts.store;
  const domain = config.homeserver.domain;
  return {
    intent: (userId) => intents.intent(userId),
    bot: intents.bot,
    store,
    log: parts.log,
    metrics: parts.metrics.registry,
    config,
    section: parts.section,
    registration: parts.registration,
    domain,
    // A localpart the homeserver would refuse fails here, before any request is made with it.
    userId: (localpart) => asUserId(buildUserId(localpart, domain)),
    roomAlias: (localpart) => asRoomAlias(`#${localpart}:${domain}`),
    isBridgeUser: (userId) => matcher.isUserInNamespace(userId),
    isBridgeAlias: (alias) => matcher.isAliasInNamespace(alias),
    inRoomOrder: (roomKey, task, options) => ingestor.inRoomOrder(roomKey, task, options),
    outbox: ingestor.outbox,
    stopping: ingestor.stopping,
    writtenMarker: currentWrittenMarker,
    media: { download: (mxc, opts) => client.downloadMediaStream(mxc, opts) },
    routes: parts.routes,
    members: parts.members,
    addSecret: parts.addSecret,
    reloadConfig: parts.reloadConfig,
    ghosts: parts.ghosts,
    portals: createPortals(store.portals, intents.bot),
    moderation: parts.moderation,
  };
}
