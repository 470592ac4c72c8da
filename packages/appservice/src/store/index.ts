export { openStore, openStoreWithBackup } from './open';
export { backupDatabase, backupBeforeMigrating, preMigrationBackupPath, prunePreMigrationBackups } from './backup';
export type { PreMigrationBackupOptions } from './backup';
export type { OpenStoreOptions, OpenedStore, SyncRepositories } from './open';
export { runMigrations, planMigrations } from './migrate';
export type { MigrationScope, AppliedMigration, MigrationPlan, ScopeVersions } from './migrate';
export type {
  BridgeStore, Migration, RemoteRoom, RoomLink, RemoteUser,
  RoomMappingRepository, UserMappingRepository, MessageMappingRepository, MessageLink, MessageLinkInput, KeyValueRepository,
  GhostRepository, GhostLink, PortalRepository, Portal, PortalKey, PortalKind,
} from './types';
export { acquireStoreLock, describeOwner } from './process-lock';
export type { LockOwner, StoreLock, AcquireStoreLockOptions } from './process-lock';
export { WalCheckpointer } from './wal-checkpointer';
export type { CheckpointResult, WalCheckpointerOptions } from './wal-checkpointer';
