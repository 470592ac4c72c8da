import type { EventId, RoomId, UserId } from '../ids';

/**
 * A numbered, self-describing schema change. Migrations run in `version` order at start-up,
 * each inside a transaction; a bridge adds its own tables by passing its own list with a
 * distinct `scope` (the core's scope is "core").
 *
 * Each database gets the change in its own dialect: `up` for SQLite, `postgres` (plain SQL, run
 * in one transaction) for PostgreSQL. A migration without `postgres` cannot run there: a
 * PostgreSQL store refuses to open before changing anything, naming the migration.
 */
export interface Migration {
  version: number;
  description: string;
  up(db: import('better-sqlite3').Database): void;
  /** The same change as PostgreSQL SQL; `''` for a migration with nothing to do there. */
  postgres?: string;
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

/**
 * Room ↔ remote room, with free-form data. Prefer `PortalRepository` (a kind and typed metadata
 * as columns, indexed both ways); this generic table stays for links that are neither.
 */
export interface RoomMappingRepository {
  link(roomId: RoomId, remote: RemoteRoom): Promise<void>;
  unlink(roomId: RoomId, network: string, remoteId: string): Promise<boolean>;
  remotesOf(roomId: RoomId): Promise<RoomLink[]>;
  roomsOf(network: string, remoteId: string): Promise<RoomLink[]>;
  list(network?: string): Promise<RoomLink[]>;
  updateData(roomId: RoomId, network: string, remoteId: string, data: Record<string, unknown>): Promise<void>;
}

/** The remote identity a Matrix user stands for, with the connector's data about it. */
export interface RemoteUser {
  network: string;
  remoteId: string;
  data: Record<string, unknown>;
}

/** Matrix user ↔ remote identity (a Matrix user's remote account). Ghosts live in `GhostRepository`. */
export interface UserMappingRepository {
  set(userId: UserId, remote: RemoteUser): Promise<void>;
  get(userId: UserId, network: string): Promise<RemoteUser | undefined>;
  byRemote(network: string, remoteId: string): Promise<UserId | undefined>;
  remove(userId: UserId, network: string): Promise<boolean>;
  list(network: string): Promise<Array<RemoteUser & { userId: UserId }>>;
}

/** A Matrix event's link to a message on a remote network, with what a bridge keeps about it. */
export interface MessageLink {
  roomId: RoomId;
  eventId: EventId;
  network: string;
  /** The network's ID for the message; absent where the network gives it none (IRC without msgid). */
  remoteId?: string;
  /** Who sent it on the network (a nick, a remote user ID). */
  sender?: string;
  /** Its start as plain text, for quoting it in a reply on a network without replies. */
  excerpt?: string;
  createdAt: number;
}

/** What `put` stores: a link, its time set by the store. */
export type MessageLinkInput = Omit<MessageLink, 'createdAt'>;

/** Matrix event ↔ remote message, for replies, edits and redactions. */
export interface MessageMappingRepository {
  /**
   * Stores a link. A remote ID already linked is moved to this event; an event has at most one
   * link without a remote ID per network, so writing it again (a retry) updates it.
   */
  put(entry: MessageLinkInput): Promise<void>;
  eventIdOf(network: string, remoteId: string): Promise<EventId | undefined>;
  /** The event's first remote message with an ID on the network (replies and edits point at it). */
  remoteIdOf(eventId: EventId, network: string): Promise<string | undefined>;
  /** The event's links on the network, in the order they were first written (an indexed lookup). */
  linksOf(eventId: EventId, network: string): Promise<MessageLink[]>;
  /** Drops entries older than `olderThanMs`; returns how many were removed. */
  prune(olderThanMs: number): Promise<number>;
}

/** Per-bridge key-value store for small settings; values are JSON. */
export interface KeyValueRepository {
  get<T>(key: string): Promise<T | undefined>;
  set(key: string, value: unknown): Promise<void>;
  /** Sets several keys in one database transaction (all or none); a key given twice keeps its last value. */
  setMany(entries: Iterable<readonly [string, unknown]>): Promise<void>;
  delete(key: string): Promise<boolean>;
  keys(prefix?: string): Promise<string[]>;
}

/**
 * What the core's store gives a Connector. Every method returns a Promise, so another database
 * (PostgreSQL) can stand behind the same interface; the SQLite store does its work synchronously
 * inside and resolves at once, so awaiting it never lets other work in between the read and
 * the caller's next step except other microtasks.
 */
export interface BridgeStore {
  rooms: RoomMappingRepository;
  users: UserMappingRepository;
  messages: MessageMappingRepository;
  kv: KeyValueRepository;
  ghosts: GhostRepository;
  portals: PortalRepository;
  /**
   * SQL on the tables a connector created through its own migrations (`Connector.migrations`,
   * with `postgres` SQL each), answering alike on SQLite and PostgreSQL.
   */
  tables: import('./tables').StoreTables;
  /**
   * The raw SQLite database; absent on PostgreSQL. The SQLite-only escape hatch: a bridge using
   * it cannot run on another store; prefer the repositories and `tables`.
   */
  db?: import('better-sqlite3').Database;
}

/** A ghost's link: which remote identity a ghost user speaks for now. One each way. */
export interface GhostLink {
  userId: UserId;
  network: string;
  remoteId: string;
  /** The connector's own data about this link (JSON). */
  metadata: Record<string, unknown>;
  createdAt: number;
  updatedAt: number;
}

/**
 * Ghost user ↔ remote identity. A remote identity has at most one ghost and a ghost speaks for
 * at most one remote identity: linking takes the identity away from another ghost, and replaces
 * the ghost's previous one (a rename on the remote side).
 */
export interface GhostRepository {
  get(network: string, remoteId: string): Promise<GhostLink | undefined>;
  byUserId(userId: UserId): Promise<GhostLink | undefined>;
  link(userId: UserId, remote: { network: string; remoteId: string; metadata?: Record<string, unknown> }): Promise<GhostLink>;
  unlink(userId: UserId): Promise<boolean>;
  list(network: string): Promise<GhostLink[]>;
  /**
   * The ghost of `(network, remoteId)`: the linked one, else the first of `candidate(1)`,
   * `candidate(2)`, ... no other identity holds, linked now. Atomic: two callers never get one ghost.
   */
  resolve(network: string, remoteId: string, candidate: (variant: number) => UserId): Promise<GhostLink>;
  /** What the last profile written for this ghost hashed to (undefined: never written). */
  profileHashOf(userId: UserId): Promise<string | undefined>;
  setProfileHash(userId: UserId, hash: string): Promise<void>;
}

/** What a portal is: 'channel' and 'dm' are the usual ones; a connector may use its own. */
export type PortalKind = 'channel' | 'dm' | (string & {});

/** One remote room, as a portal's key. */
export interface PortalKey {
  network: string;
  remoteId: string;
  kind: PortalKind;
}

/** A Matrix room linked to a remote room, with its kind and the connector's typed metadata. */
export interface Portal<M extends object = Record<string, unknown>> extends PortalKey {
  roomId: RoomId;
  metadata: M;
  createdAt: number;
  updatedAt: number;
}

/**
 * Room ↔ remote room, indexed both ways. One remote room may have several rooms (and a room
 * several remote rooms); `M` is the metadata's type, chosen by the caller per kind.
 */
export interface PortalRepository {
  /** Creates or replaces (keeping `createdAt`) the link. */
  link<M extends object>(portal: PortalKey & { roomId: RoomId; metadata: M }): Promise<Portal<M>>;
  unlink(roomId: RoomId, key: PortalKey): Promise<boolean>;
  /** Unlinks every remote room of `roomId`; returns what was linked. */
  unlinkRoom(roomId: RoomId): Promise<Portal[]>;
  byRoom(roomId: RoomId): Promise<Portal[]>;
  byRemote<M extends object = Record<string, unknown>>(key: PortalKey): Promise<Array<Portal<M>>>;
  list<M extends object = Record<string, unknown>>(filter?: { network?: string; kind?: PortalKind }): Promise<Array<Portal<M>>>;
  updateMetadata<M extends object>(roomId: RoomId, key: PortalKey, metadata: M): Promise<void>;
}
