import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import { createCsApiMetrics, type CsApiMetrics } from '../csapi/metrics';
import { createHttpMetrics, createRouteMetrics } from '../http/metrics';
import type { RouteMetrics } from '../http/routes/router';
import type { HttpMetrics } from '../http/appservice-app';
import type { IngestMetrics } from '../ingest/ingestor-api';
import { createIngestMetrics } from '../ingest/metrics';

/**
 * All of the core's metrics on one registry per bridge (served on /metrics). Each module owns
 * the definition of its own metrics (csapi/, ingest/, http/); this file only gathers them, plus
 * the few that belong to no single module. Label values come from small fixed sets: a label per
 * room, user or raw event type would grow without bound.
 */
export interface CoreMetrics {
  /** The bridge's own registry; connectors register their metrics here. */
  readonly registry: Registry;
  readonly csapi: CsApiMetrics;
  readonly ingest: IngestMetrics;
  readonly http: HttpMetrics;
  /** The connector's own HTTP routes (`ctx.routes`). */
  readonly routes: RouteMetrics;
  /** Events pushed by the homeserver, by type: `eventTypeLabel(event.type)`. */
  readonly eventsReceived: Counter<'type'>;
  /** Entries held in each bounded cache. cache: a fixed name such as `memberships`. */
  readonly cacheSize: Gauge<'cache'>;
  /** Display-name lookups in the member cache. result: hit | miss (a state request). */
  readonly memberLookups: Counter<'result'>;
  /** Events of a kind the connector has no capability for. outcome: told | quiet | failed. */
  readonly unsupportedEvents: Counter<'kind' | 'outcome'>;
  /** 1 while the homeserver answers the bridge's requests, 0 after one went unanswered (health/homeserver-status.ts). */
  readonly homeserverReachable: Gauge;
  /** When the homeserver last pushed a (new) transaction, in seconds since the epoch. */
  readonly lastTransaction: Gauge;
}

/** What the build-info metric says about the running program. */
export interface BuildInfo {
  /** The bridge program's version (its package.json). */
  version: string;
  coreVersion: string;
}

/** Creates a fresh registry with Node's process metrics and the core's metrics on it. */
export function createMetrics(build?: BuildInfo): CoreMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  if (build) {
    // The usual Prometheus idiom: a constant 1 whose labels carry the versions, so a dashboard
    // can show which build runs and an alert can join on it after an upgrade.
    new Gauge({
      name: 'bridgekit_build_info',
      help: 'Always 1; the labels name the running bridge version and core library version',
      labelNames: ['version', 'core_version'] as const,
      registers,
    }).set({ version: build.version, core_version: build.coreVersion }, 1);
  }
  return {
    registry,
    csapi: createCsApiMetrics(registry),
    ingest: createIngestMetrics(registry),
    http: createHttpMetrics(registry),
    routes: createRouteMetrics(registry),
    eventsReceived: new Counter({
      name: 'bridgekit_events_received_total',
      help: 'Events pushed by the homeserver, by event type',
      labelNames: ['type'] as const,
      registers,
    }),
    cacheSize: new Gauge({
      name: 'bridgekit_cache_size',
      help: 'Entries held in each bounded in-memory cache',
      labelNames: ['cache'] as const,
      registers,
    }),
    homeserverReachable: new Gauge({
      name: 'bridgekit_homeserver_reachable',
      help: '1 while the homeserver answers the bridge\'s requests, 0 after a request got no answer (network error, timeout, 502-504)',
      registers,
    }),
    lastTransaction: new Gauge({
      name: 'bridgekit_last_transaction_timestamp_seconds',
      help: 'When the homeserver last pushed a new transaction to the bridge (Unix time in seconds; 0 = none since start)',
      registers,
    }),
    memberLookups: new Counter({
      name: 'bridgekit_member_lookups_total',
      help: 'Display-name lookups in the member cache, by result (hit, miss = one state request)',
      labelNames: ['result'] as const,
      registers,
    }),
    unsupportedEvents: new Counter({
      name: 'bridgekit_events_unsupported_total',
      help: 'Events of a kind the connector does not bridge, by kind and outcome (told = the sender was told, quiet = told recently, failed)',
      labelNames: ['kind', 'outcome'] as const,
      registers,
    }),
  };
}

// Event types are chosen by senders, so any string can arrive: label the spec's types by name
// and everything else as "other" to keep the number of series fixed.
const KNOWN_EVENT_TYPES = new Set([
  'm.room.message', 'm.room.member', 'm.room.redaction', 'm.reaction', 'm.sticker', 'm.room.encrypted',
  'm.room.name', 'm.room.topic', 'm.room.avatar', 'm.room.create', 'm.room.power_levels', 'm.room.join_rules',
  'm.room.history_visibility', 'm.room.guest_access', 'm.room.canonical_alias', 'm.room.encryption',
  'm.room.pinned_events', 'm.room.server_acl', 'm.room.tombstone', 'm.room.third_party_invite',
  'm.typing', 'm.receipt', 'm.presence',
]);

/** The label to use for an event type: itself for the spec's common types, else "other". */
export function eventTypeLabel(type: string): string {
  return KNOWN_EVENT_TYPES.has(type) ? type : 'other';
}
