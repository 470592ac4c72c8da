import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * The core's metrics, each a named field so the module that observes a thing increments it
 * directly. Label values must come from small fixed sets (see the comments): a label per room,
 * user or raw event type would grow without bound.
 */
export interface CoreMetrics {
  /** The bridge's own registry (served on /metrics); connectors register their metrics here. */
  readonly registry: Registry;
  /** Transactions pushed by the homeserver. outcome: accepted | duplicate | rejected. */
  readonly transactionsReceived: Counter<'outcome'>;
  /** Events accepted into the queue. type: `eventTypeLabel(event.type)`. */
  readonly eventsReceived: Counter<'type'>;
  /** Handler attempts that threw (each retry counts). type: `eventTypeLabel(...)`. */
  readonly eventsFailed: Counter<'type'>;
  /** Events given up on after the last attempt. type: `eventTypeLabel(...)`. */
  readonly eventsDeadLettered: Counter<'type'>;
  /** Time a handler took. kind: room | ephemeral | query; outcome: ok | error. */
  readonly handlerDuration: Histogram<'kind' | 'outcome'>;
  /** Events queued or running, over all rooms. */
  readonly queueDepth: Gauge;
  /** Rooms with at least one queued or running event. */
  readonly roomsActive: Gauge;
  /**
   * Client-server API requests by result. endpoint: the path template (`/rooms/{roomId}/send/{type}/{txnId}`),
   * never the concrete path; status: the HTTP status as text, or `network_error` / `timeout`.
   */
  readonly csapiRequests: Counter<'method' | 'endpoint' | 'status'>;
  /** Client-server API retries. reason: rate_limited | server_error | network_error | timeout. */
  readonly csapiRetries: Counter<'endpoint' | 'reason'>;
  /** Entries in each bounded cache. cache: a fixed name such as `intent_joined`, `profile`. */
  readonly cacheSize: Gauge<'cache'>;
}

/** Creates a fresh registry with Node's process metrics and the core's metrics on it. */
export function createMetrics(): CoreMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    registry,
    transactionsReceived: new Counter({
      name: 'bridgekit_transactions_received_total',
      help: 'Transactions pushed by the homeserver, by outcome (accepted, duplicate, rejected)',
      labelNames: ['outcome'] as const,
      registers,
    }),
    eventsReceived: new Counter({
      name: 'bridgekit_events_received_total',
      help: 'Events accepted from transactions, by event type',
      labelNames: ['type'] as const,
      registers,
    }),
    eventsFailed: new Counter({
      name: 'bridgekit_events_failed_total',
      help: 'Handler attempts that failed (each retry counts), by event type',
      labelNames: ['type'] as const,
      registers,
    }),
    eventsDeadLettered: new Counter({
      name: 'bridgekit_events_dead_lettered_total',
      help: 'Events given up on after their last attempt, by event type',
      labelNames: ['type'] as const,
      registers,
    }),
    handlerDuration: new Histogram({
      name: 'bridgekit_handler_duration_seconds',
      help: 'Time connector handlers took, by kind (room, ephemeral, query) and outcome (ok, error)',
      labelNames: ['kind', 'outcome'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    }),
    queueDepth: new Gauge({
      name: 'bridgekit_queue_depth',
      help: 'Events queued or being handled, over all rooms',
      registers,
    }),
    roomsActive: new Gauge({
      name: 'bridgekit_queue_rooms_active',
      help: 'Rooms with at least one event queued or being handled',
      registers,
    }),
    csapiRequests: new Counter({
      name: 'bridgekit_csapi_requests_total',
      help: 'Client-server API requests, by method, endpoint template and status (incl. 429, network_error, timeout)',
      labelNames: ['method', 'endpoint', 'status'] as const,
      registers,
    }),
    csapiRetries: new Counter({
      name: 'bridgekit_csapi_retries_total',
      help: 'Client-server API requests retried, by endpoint template and reason',
      labelNames: ['endpoint', 'reason'] as const,
      registers,
    }),
    cacheSize: new Gauge({
      name: 'bridgekit_cache_size',
      help: 'Entries held in each bounded in-memory cache',
      labelNames: ['cache'] as const,
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
