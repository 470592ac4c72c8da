export { Ingestor, IngestorStoppedError } from './ingestor';
export type { AcceptResult, IngestorDeps, IngestMetrics } from './ingestor';
export { createIngestMetrics } from './metrics';
export { MemoryJournal } from './memory-journal';
export type { Timers } from './room-queues';
export type { QueuedItem, DeadLetter, TransactionJournal } from './types';
