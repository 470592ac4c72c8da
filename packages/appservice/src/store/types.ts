import type { EventId, RoomId, UserId } from '../ids';

/**
 * A numbered, self-describing schema change. Migrations run in `version` order at start-up,
 * each inside a transaction; a bridge adds its own tables by passing its own list with a
 * distinct `scope` (the core's scope is "core").
 */
export interface Migration {
  version: number;
  description: string;
  up(db: import('better-sqlite3').Database): void;
}

/** A room on the remote network, e.g. `{ network: 'libera', remoteId: '#matrix' }`. */
export interface RemoteRoom {
  network: string;
  remoteId: string;
  /** Bridge-specific data (channel key, link origin, ...). JSON-serialisable. */
  data: Record<string, unknown>;
}

export interface RoomLink extends RemoteRoom {
  roomId: RoomId;
  createdAt: number;
}

/** Room ↔ remote room. A Matrix room may be linked to several remote rooms and vice versa. */
export interface RoomMappingRepository {
  link(roomId: RoomId, remote: RemoteRoom): void;
  unlink(roomId: RoomId, network: string, remoteId: string): boolean;
  remotesOf(roomId: RoomId): RoomLink[];
  roomsOf(network: string, remoteId: string): RoomLink[];
  list(network?: string): RoomLink[];
  updateData(roomId: RoomId, network: string, remoteId: string, data: Record<string, unknown>): void;
}

/** The remote identity a Matrix user stands for, with the connector's data about it. */
export interface RemoteUser {
  network: string;
  remoteId: string;
  data: Record<string, unknown>;
}

/** Matrix user ↔ remote identity (a Matrix user's IRC nick, or a ghost's remote ID). */
export interface UserMappingRepository {
  set(userId: UserId, remote: RemoteUser): void;
  get(userId: UserId, network: string): RemoteUser | undefined;
  byRemote(network: string, remoteId: string): UserId | undefined;
  remove(userId: UserId, network: string): boolean;
  list(network: string): Array<RemoteUser & { userId: UserId }>;
}

/** Matrix event ↔ remote message ID, for replies, edits and redactions. */
export interface MessageMappingRepository {
  put(entry: { roomId: RoomId; eventId: EventId; network: string; remoteId: string }): void;
  eventIdOf(network: string, remoteId: string): EventId | undefined;
  remoteIdOf(eventId: EventId, network: string): string | undefined;
  /** Drops entries older than `olderThanMs`; returns how many were removed. */
  prune(olderThanMs: number): number;
}

/** Per-bridge key-value store for small settings; values are JSON. */
export interface KeyValueRepository {
  get<T>(key: string): T | undefined;
  set(key: string, value: unknown): void;
  delete(key: string): boolean;
  keys(prefix?: string): string[];
}

/** What the core's store gives a Connector. Every method is synchronous (better-sqlite3). */
export interface BridgeStore {
  rooms: RoomMappingRepository;
  users: UserMappingRepository;
  messages: MessageMappingRepository;
  kv: KeyValueRepository;
  /** The raw database, for tables a bridge created through its own migrations. */
  db: import('better-sqlite3').Database;
}
