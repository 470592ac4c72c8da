// The client-server API client: what the bridge wiring and connectors may use.
export { CsApiClient } from './client';
export type { CsApiClientOptions, As, Versions, DownloadedMedia, MediaStream } from './client';
export { MatrixError, NetworkError, isMatrixError } from './errors';
export type { NetworkFailure } from './errors';
export { retryDelay, parseRetryAfter } from './retry';
export type { RetryDelayOptions } from './retry';
export { createCsApiMetrics } from './metrics';
export type { CsApiMetrics } from './metrics';
