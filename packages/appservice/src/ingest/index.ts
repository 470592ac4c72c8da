export { Ingestor } from './ingestor';
export { IngestorStoppedError } from './ingestor-api';
export type { AcceptResult, IngestorDeps, IngestMetrics, RoomTaskOptions } from './ingestor-api';
export type { BridgeOutbox, OutboxDelivery, OutboxHandler, OutboxKind, OutboxKindOptions } from './outbox-api';
export { outsideRoomTurn } from './room-turn';
export { createIngestMetrics } from './metrics';
export { MemoryJournal } from './memory-journal';
export type { Timers } from './room-queues';
export type { QueuedItem, DeadLetter, TransactionJournal, JournalItem, OutboxRecord, OutboxEntry, PendingOptions } from './types';
