export { createMetrics, eventTypeLabel } from './core-metrics';
export type { CoreMetrics } from './core-metrics';
