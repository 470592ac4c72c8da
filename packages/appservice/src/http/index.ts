export { createAppServiceApp } from './appservice-app';
export type { AppServiceAppDeps, TransactionSink, HttpMetrics } from './appservice-app';
export { createOpsApp } from './ops-app';
export type { OpsAppDeps, HealthReport } from './ops-app';
export { createHttpMetrics } from './metrics';
export { parseTransaction, toMatrixEvent, toEphemeralEvent, BadJsonError } from './wire';
