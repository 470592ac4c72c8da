import { Counter } from 'prom-client';
import { createMetrics, eventTypeLabel } from './core-metrics';

describe('createMetrics', () => {
  it('exposes the core metrics and the process metrics on its own registry', async () => {
    const m = createMetrics();
    m.transactionsReceived.inc({ outcome: 'accepted' });
    m.transactionsReceived.inc({ outcome: 'duplicate' }, 2);
    m.eventsReceived.inc({ type: eventTypeLabel('m.room.message') });
    m.eventsFailed.inc({ type: 'm.room.message' });
    m.eventsDeadLettered.inc({ type: 'other' });
    m.handlerDuration.observe({ kind: 'room', outcome: 'ok' }, 0.2);
    m.queueDepth.set(7);
    m.roomsActive.set(3);
    m.csapiRequests.inc({ method: 'PUT', endpoint: '/rooms/{roomId}/send/{type}/{txnId}', status: '429' });
    m.csapiRetries.inc({ endpoint: '/rooms/{roomId}/send/{type}/{txnId}', reason: 'rate_limited' });
    m.cacheSize.set({ cache: 'intent_joined' }, 42);

    const text = await m.registry.metrics();
    for (const line of [
      'bridgekit_transactions_received_total{outcome="accepted"} 1',
      'bridgekit_transactions_received_total{outcome="duplicate"} 2',
      'bridgekit_events_received_total{type="m.room.message"} 1',
      'bridgekit_events_failed_total{type="m.room.message"} 1',
      'bridgekit_events_dead_lettered_total{type="other"} 1',
      'bridgekit_handler_duration_seconds_bucket{le="0.25",kind="room",outcome="ok"} 1',
      'bridgekit_handler_duration_seconds_bucket{le="0.1",kind="room",outcome="ok"} 0',
      'bridgekit_queue_depth 7',
      'bridgekit_queue_rooms_active 3',
      'bridgekit_csapi_requests_total{method="PUT",endpoint="/rooms/{roomId}/send/{type}/{txnId}",status="429"} 1',
      'bridgekit_csapi_retries_total{endpoint="/rooms/{roomId}/send/{type}/{txnId}",reason="rate_limited"} 1',
      'bridgekit_cache_size{cache="intent_joined"} 42',
    ]) {
      expect(text).toContain(line);
    }
    expect(text).toContain('process_cpu_user_seconds_total');
    expect(text).toContain('nodejs_heap_size_total_bytes');
  });

  it('gives each bridge its own registry, so two instances do not clash', async () => {
    const a = createMetrics();
    const b = createMetrics();
    a.queueDepth.set(1);
    b.queueDepth.set(2);
    expect(await a.registry.getSingleMetricAsString('bridgekit_queue_depth')).toMatch(/bridgekit_queue_depth 1$/);
    expect(await b.registry.getSingleMetricAsString('bridgekit_queue_depth')).toMatch(/bridgekit_queue_depth 2$/);
  });

  it('lets a connector register its own metrics on the registry', async () => {
    const m = createMetrics();
    new Counter({ name: 'irc_lines_sent_total', help: 'lines', registers: [m.registry] }).inc();
    expect(await m.registry.metrics()).toContain('irc_lines_sent_total 1');
  });
});

describe('eventTypeLabel', () => {
  it('keeps the spec types and folds anything else into "other"', () => {
    expect(eventTypeLabel('m.room.member')).toBe('m.room.member');
    expect(eventTypeLabel('m.typing')).toBe('m.typing');
    expect(eventTypeLabel('com.example.custom')).toBe('other');
    expect(eventTypeLabel('m.room.message.evil-unique-123')).toBe('other');
  });
});
