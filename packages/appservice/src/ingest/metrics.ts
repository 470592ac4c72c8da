import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { IngestMetrics } from './ingestor-api';

/** Creates and registers the ingestion metrics in `registry`. */
export function createIngestMetrics(registry: Registry): IngestMetrics {
  return {
    events: new Counter({
      name: 'bridgekit_ingest_events_total',
      help: 'Queued items by kind (room, ephemeral, outbox, task) and outcome (handled, echo, retried, dead_lettered, failed, not_repeated)',
      labelNames: ['kind', 'outcome'] as const,
      registers: [registry],
    }),
    transactions: new Counter({
      name: 'bridgekit_ingest_transactions_total',
      help: 'Transactions pushed by the homeserver, by result (accepted, duplicate)',
      labelNames: ['result'] as const,
      registers: [registry],
    }),
    transactionGaps: new Counter({
      name: 'bridgekit_ingest_transaction_gaps_total',
      help: 'Pushes whose transaction ID skipped ahead, by outcome (refused = answered 503 so the homeserver resends the missing one first, healed = it did, accepted = taken with the gap)',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    queueDepth: new Gauge({
      name: 'bridgekit_ingest_queue_depth',
      help: 'Items queued or running over all room queues',
      registers: [registry],
    }),
    activeRooms: new Gauge({
      name: 'bridgekit_ingest_active_rooms',
      help: 'Room queues with at least one item queued or running',
      registers: [registry],
    }),
    slowHandlers: new Counter({
      name: 'bridgekit_ingest_slow_handlers_total',
      help: 'Handlers that ran longer than ingest.slowHandlerMs',
      labelNames: ['kind'] as const,
      registers: [registry],
    }),
    handlerDuration: new Histogram({
      name: 'bridgekit_ingest_handler_duration_seconds',
      help: 'Duration of one handler attempt',
      labelNames: ['kind'] as const,
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30],
      registers: [registry],
    }),
  };
}
