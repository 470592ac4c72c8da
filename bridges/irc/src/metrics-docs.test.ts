// docs/metrics.md is what an admin builds alerts from: every metric the running bridge registers
// must be in it (core and IRC, provisioning on), and nothing it lists may be gone; the example
// alerts and the Grafana dashboard query only metrics that exist.
import { readFileSync } from 'node:fs';
import { freePort } from '@bridgekit/appservice/testing';
import { join } from 'node:path';
import { createMetrics } from '../../../packages/appservice/src/metrics/core-metrics';
import { startHarness, type Harness } from './testing/harness';

const DOC = readFileSync(join(__dirname, '../../../docs/metrics.md'), 'utf8');

let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

describe('docs/metrics.md', () => {
  it('lists every metric the bridge registers, and no metric that no longer exists', async () => {
    h = await startHarness({ top: { provisioning: { enabled: true, secret: 'a-long-provisioning-secret', port: await freePort() } } });
    const core = createMetrics({ version: '0.0.0', coreVersion: '0.0.0' });
    const registered = [...core.registry.getMetricsAsArray(), ...h.tb.bridge.metrics.registry.getMetricsAsArray()]
      .map((metric) => metric.name)
      .filter((name) => name.startsWith('bridgekit_'));
    expect(registered.length).toBeGreaterThan(35);
    const documented = new Set([...DOC.matchAll(/`(bridgekit_[a-z_]+)`/g)].map((m) => m[1]));
    expect(registered.filter((name) => !documented.has(name))).toEqual([]);
    expect([...documented].filter((name) => !registered.includes(name!))).toEqual([]);

    // The example alerts and the dashboard query only metrics that exist (histograms by their series).
    for (const file of ['docs/prometheus-alerts.yml', 'docs/grafana/bridgekit.json']) {
      const text = readFileSync(join(__dirname, '../../..', file), 'utf8');
      if (file.endsWith('.json')) expect(() => JSON.parse(text)).not.toThrow();
      const used = [...text.matchAll(/\b(bridgekit_[a-z_]+)/g)].map((m) => m[1]!.replace(/_(bucket|sum|count)$/, ''));
      expect(used.length).toBeGreaterThan(5);
      expect({ file, unknown: used.filter((name) => !registered.includes(name)) }).toEqual({ file, unknown: [] });
    }
  });
});
