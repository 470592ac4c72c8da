export { openStore } from './open';
export type { OpenStoreOptions, OpenedStore, SyncRepositories } from './open';
export { runMigrations } from './migrate';
export type { MigrationScope, AppliedMigration } from './migrate';
export type {
  BridgeStore, Migration, RemoteRoom, RoomLink, RemoteUser,
  RoomMappingRepository, UserMappingRepository, MessageMappingRepository, MessageLink, MessageLinkInput, KeyValueRepository,
  GhostRepository, GhostLink, PortalRepository, Portal, PortalKey, PortalKind,
} from './types';
export { acquireStoreLock, describeOwner } from './process-lock';
export type { LockOwner, StoreLock, AcquireStoreLockOptions } from './process-lock';
