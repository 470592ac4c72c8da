export { createAppServiceApp } from './appservice-app';
export type { AppServiceAppDeps, TransactionSink, SinkAcceptResult, HttpMetrics } from './appservice-app';
export { ECHO_ANSWER_HOLD_MS } from './transaction-route';
export { createOpsApp } from './ops-app';
export type { OpsAppDeps, HealthReport } from './ops-app';
export { createHttpMetrics } from './metrics';
export { parseTransaction, toMatrixEvent, toEphemeralEvent, BadJsonError } from './wire';
