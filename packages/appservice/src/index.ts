// The public API of @bridgekit/appservice: a deliberate list, no `export *` of internals.

// Before anything else loads: the bridge's V8 settings (startup/v8-settings.ts).
import './startup/v8-settings-at-load';

// Identifiers and events
export type { UserId, RoomId, EventId, RoomAlias } from './ids';
export { asUserId, asRoomId, asEventId, asRoomAlias, isUserId, isRoomId, localpartOf, serverNameOf } from './ids';
export type {
  MatrixEvent, EphemeralEvent, MessageContent,
  BridgeEvent, BridgeEventKind, EventOfKind, EventBase, Mentions, FormattedBody, MessageBody, MsgType,
  MessageEvent, EditEvent, RedactionEvent, ReactionEvent, Membership, MembershipAction, MembershipEvent,
  RoomStateEvent, EncryptionEvent, TombstoneEvent, RawEvent,
} from './events';
export {
  parseEvent, isMessage, isEdit, isRedaction, isReaction, isMembership, isRoomState, isEncryption, isTombstone, isRaw,
  isTextMessage, isMediaMessage,
} from './events';

// What a bridge author implements, and what they are given
export type { Connector, BridgeContext, MediaAccess, RoomMembers } from './connector';
export type { ConnectorReadiness, ReadinessReport } from './health/readiness';
export type { ReloadOutcome, ReloadReport } from './connector';
export type {
  ThirdPartyProvider, ThirdPartyProtocol, ThirdPartyInstance, ThirdPartyFieldType, ThirdPartyLocation, ThirdPartyUser,
} from './connector';
export type { Intent, Profile, CreateRoomOptions, SendOptions, StateEvent, PresenceState } from './intent/types';
export type {
  BridgeStore, Migration, RemoteRoom, RoomLink, RemoteUser,
  RoomMappingRepository, UserMappingRepository, MessageMappingRepository, MessageLink, MessageLinkInput, KeyValueRepository,
} from './store/types';
export type {
  GhostRepository, GhostLink, PortalRepository, Portal, PortalKey, PortalKind,
} from './store/types';
export type { Logger } from './log/types';
export type { BridgeOutbox, OutboxDelivery, OutboxHandler, OutboxKind, OutboxKindOptions, RoomTaskOptions } from './ingest';
export { outsideRoomTurn } from './ingest';

// HTTP routes on the bridge's listener (ctx.routes)
export { ROUTE_PREFIX, ConnectorRoutes } from './http/routes';
export { createRouteMetrics } from './http/metrics';
export type {
  RouteAuth, RouteBodies, RouteBodyKind, RouteListenerBind, RouteMethod, RouteRegistry, RouteReply, RouteRequest, RouteSpec, ReplyHeaders,
  RouteAddresses, ConnectorRoutesDeps, RouteMetrics,
} from './http/routes';
export { HttpError } from './http/respond';

// Ghosts and portals (track store)
export type { GhostUserIdOptions as ConnectorGhostUserIdOptions } from './connector';
export { createGhosts, createGhostUserIds, profileHash, escapeLocalpart, unescapeLocalpart, buildUserId, isValidLocalpart, InvalidUserIdError, MAX_USER_ID_BYTES, ghostPrefixFrom, prefixOfNamespace } from './ghosts';
export type { Ghosts, GhostIdentity, GhostsOptions, GhostUserIdGrammar, GhostUserIdOptions } from './ghosts';
export { createPortals, bridgeInfoState, BRIDGE_INFO_TYPES } from './portals';
export type { Portals, CreatePortalOptions, BridgeInfo, BridgeInfoSection } from './portals';

// Moderation policy lists (ctx.moderation)
export { PolicyLists, PolicyRuleSet, compileGlob, policyKindOf } from './moderation';
export type { ModerationPolicy, PolicyListsOptions, PolicyRoomAccess, PolicyRule, PolicyEntityKind, PolicyStateEvent } from './moderation';

// Running a bridge
export { Bridge } from './bridge';
export type { BridgeAddresses } from './bridge';
export type { BridgeOptions, BridgeClock } from './bridge-options';
export { runCli } from './cli';
export { packageVersion, CORE_VERSION } from './version';
export type { BridgeApp, CliOptions } from './cli';
/** Loads a bundled program with a per-user V8 code cache (also `@bridgekit/appservice/code-cache`, which loads nothing else). */
export { requireWithCodeCache, codeCacheStartupDone, CODE_CACHE_WRITE_EVENT } from './startup/code-cache';
export type { CodeCacheOptions } from './startup/code-cache';

// Configuration and registration
export type { BridgeConfig } from './config/types';
export { loadConfig, parseConfig, validateSection, checkSection } from './config';
/** Declares the build-time generated validator module for a config schema (used when its schema hash matches). */
export { usePrecompiledValidator } from './config/precompiled';
export type { SectionSchema } from './config';
// Config sections a connector declares once (TypeBox schema → typed, camelCased value).
export { defineConfigSection, secretString, oneOf, mapOf } from './config';
export type { ConfigSection, ConfigSectionSpec, RefineContext, SectionValue, CamelCase, CamelCased } from './config';
export { Type } from '@sinclair/typebox';
export type { Static, TSchema, TObject } from '@sinclair/typebox';
export type { Registration, NamespaceEntry } from './registration/types';
export {
  generateRegistration, loadRegistration, parseRegistration, registrationToYaml, saveRegistration, NamespaceMatcher,
} from './registration';
export type { GenerateRegistrationOptions } from './registration';

// Errors
export {
  BridgeError, ConfigError, isBridgeError, isRetriable, errorMessage, userMessageOf, ERROR_CODES, CHECK_THE_LOG,
  defineErrorCodes, errorCodeInfo, errorCodeTable, registeredErrorCodes,
} from './errors';
export type { BridgeErrorOptions, ConfigProblem, ErrorCode, ErrorCodeInfo } from './errors';
export { MatrixError, NetworkError, isMatrixError, retryDelay } from './csapi';
export type { RetryDelayOptions } from './csapi';

// Lower-level pieces, for tools and tests of connectors
export { openStore, openStoreWithBackup, backupDatabase } from './store';
export type { PreMigrationBackupOptions } from './store';
export { Ingestor, IngestorStoppedError, MemoryJournal } from './ingest';
export type { IngestorDeps, PendingOptions, Timers, TransactionJournal } from './ingest';
/** Whether a pushed transaction may be ingested now, or must wait for a missing transaction ID (`Ingestor.admitTransaction`). */
export type { TransactionAdmission } from './ingest';
export type { OpenedStore, SyncRepositories } from './store';
/** Runs a SQLite store's WAL checkpoints (its only fsyncs) when the store is quiet, not inside a commit (`OpenedStore.checkpointer`). */
export { WalCheckpointer } from './store';
/** What one checkpoint did, and how often and after how much quiet the checkpointer runs. */
export type { CheckpointResult, WalCheckpointerOptions } from './store';
/** SQL on a connector's own tables, alike on SQLite and PostgreSQL (`BridgeStore.tables`). */
export type { StoreTables, SqlValue } from './store/tables';
/** The journal the ingestor takes: synchronous (SQLite) or answering with Promises (PostgreSQL). */
export type { IngestJournal, MaybePromise, AsyncTransactionJournal } from './ingest/types';
export { createLogger } from './log';
export { createMatrixEventDispatcher } from './dispatch/deliver';
export type { MatrixEventDispatcher, MatrixEventDispatcherDeps } from './dispatch/deliver';
export { tellUser } from './dispatch/tell-sender';
export type { NoticeTarget } from './dispatch/tell-sender';

// Types the public API refers to (options, results), exported so they can be named and documented
export type { ClosableLogger, LoggerOptions } from './log/logger';
export type { CoreMetrics } from './metrics/core-metrics';
export type { NetworkFailure } from './csapi/errors';
export type { AppliedMigration } from './store/migrate';
export type { ParseConfigOptions } from './config/load';
export type { RegistrationFileOptions } from './registration/file';
export type { OpenStoreOptions } from './store/open';
