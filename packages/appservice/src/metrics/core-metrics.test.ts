import { Counter } from 'prom-client';
import { createMetrics, eventTypeLabel } from './core-metrics';

describe('createMetrics', () => {
  it('exposes the core metrics, the modules\' metrics and the process metrics on one registry', async () => {
    const m = createMetrics();
    m.eventsReceived.inc({ type: eventTypeLabel('m.room.message') });
    m.ingest.queueDepth.set(7);
    m.csapi.requests.inc({ method: 'PUT', endpoint: '/rooms/{roomId}/send/{type}/{txnId}', status: '429' });
    m.cacheSize.set({ cache: 'memberships' }, 42);

    const text = await m.registry.metrics();
    for (const line of [
      'bridgekit_events_received_total{type="m.room.message"} 1',
      'bridgekit_ingest_queue_depth 7',
      'bridgekit_csapi_requests_total{method="PUT",endpoint="/rooms/{roomId}/send/{type}/{txnId}",status="429"} 1',
      'bridgekit_cache_size{cache="memberships"} 42',
    ]) {
      expect(text).toContain(line);
    }
    expect(text).toContain('bridgekit_appservice_api_requests_total');
    expect(text).toContain('process_cpu_user_seconds_total');
    expect(text).toContain('nodejs_heap_size_total_bytes');
  });

  it('gives each bridge its own registry, so two instances do not clash', async () => {
    const a = createMetrics();
    const b = createMetrics();
    a.ingest.queueDepth.set(1);
    b.ingest.queueDepth.set(2);
    expect(await a.registry.getSingleMetricAsString('bridgekit_ingest_queue_depth')).toMatch(/bridgekit_ingest_queue_depth 1$/);
    expect(await b.registry.getSingleMetricAsString('bridgekit_ingest_queue_depth')).toMatch(/bridgekit_ingest_queue_depth 2$/);
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
