/**
 * The connector-facing repositories: the SQLite ones, answering with Promises. Connectors are
 * written against these so that another database can stand behind the same interface; inside,
 * SQLite stays synchronous (a resolved Promise costs a microtask, not a thread hop).
 */
import type { EventId, RoomId, UserId } from '../ids';
import type { SqliteKeyValue } from './kv';
import type { SqliteMessageMappings } from './messages';
import type { SqliteRoomMappings } from './rooms';
import type {
  KeyValueRepository, MessageLinkInput, MessageMappingRepository, RemoteRoom, RemoteUser, RoomMappingRepository, UserMappingRepository,
} from './types';
import type { SqliteUserMappings } from './users';

export class AsyncRoomMappings implements RoomMappingRepository {
  constructor(private readonly inner: SqliteRoomMappings) {}
  async link(roomId: RoomId, remote: RemoteRoom) { this.inner.link(roomId, remote); }
  async unlink(roomId: RoomId, network: string, remoteId: string) { return this.inner.unlink(roomId, network, remoteId); }
  async remotesOf(roomId: RoomId) { return this.inner.remotesOf(roomId); }
  async roomsOf(network: string, remoteId: string) { return this.inner.roomsOf(network, remoteId); }
  async list(network?: string) { return this.inner.list(network); }
  async updateData(roomId: RoomId, network: string, remoteId: string, data: Record<string, unknown>) { this.inner.updateData(roomId, network, remoteId, data); }
}

export class AsyncUserMappings implements UserMappingRepository {
  constructor(private readonly inner: SqliteUserMappings) {}
  async set(userId: UserId, remote: RemoteUser) { this.inner.set(userId, remote); }
  async get(userId: UserId, network: string) { return this.inner.get(userId, network); }
  async byRemote(network: string, remoteId: string) { return this.inner.byRemote(network, remoteId); }
  async remove(userId: UserId, network: string) { return this.inner.remove(userId, network); }
  async list(network: string) { return this.inner.list(network); }
}

export class AsyncMessageMappings implements MessageMappingRepository {
  constructor(private readonly inner: SqliteMessageMappings) {}
  /** Committed with the writes near it (deferred-writes.ts): resolves a few milliseconds later, once committed. */
  put(entry: MessageLinkInput) { return this.inner.putDeferred(entry); }
  async eventIdOf(network: string, remoteId: string) { return this.inner.eventIdOf(network, remoteId); }
  async remoteIdOf(eventId: EventId, network: string) { return this.inner.remoteIdOf(eventId, network); }
  async linksOf(eventId: EventId, network: string) { return this.inner.linksOf(eventId, network); }
  async prune(olderThanMs: number) { return this.inner.prune(olderThanMs); }
}

export class AsyncKeyValue implements KeyValueRepository {
  constructor(private readonly inner: SqliteKeyValue) {}
  async get<T>(key: string) { return this.inner.get<T>(key); }
  async set(key: string, value: unknown) { this.inner.set(key, value); }
  async setMany(entries: Iterable<readonly [string, unknown]>) { this.inner.setMany(entries); }
  async delete(key: string) { return this.inner.delete(key); }
  async keys(prefix?: string) { return this.inner.keys(prefix); }
}
