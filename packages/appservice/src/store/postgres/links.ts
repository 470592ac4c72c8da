/** Rooms, users, messages and kv on PostgreSQL: the same behaviour as their SQLite twins. */
import type { Pool } from 'pg';
import { BridgeError } from '../../errors/bridge-error';
import type { EventId, RoomId, UserId } from '../../ids';
import { fromJson, kvRows, toJson } from '../json';
import type {
  KeyValueRepository, MessageLink, MessageLinkInput, MessageMappingRepository, RemoteRoom, RemoteUser, RoomLink, RoomMappingRepository, UserMappingRepository,
} from '../types';
import { linkValues, MESSAGE_LINK_COLUMNS, toMessageLink, type MessageLinkRow } from '../messages';
import type { PostgresDeferredWrites } from './deferred';
import { inTransaction } from './sql';

interface RoomRow { room_id: string; network: string; remote_id: string; data: string; created_at: number }
const toRoomLink = (r: RoomRow): RoomLink => ({
  roomId: r.room_id as RoomId, network: r.network, remoteId: r.remote_id, data: fromJson<Record<string, unknown>>(r.data), createdAt: r.created_at,
});

export class PostgresRoomMappings implements RoomMappingRepository {
  constructor(private readonly pool: Pool, private readonly now: () => number) {}

  async link(roomId: RoomId, remote: RemoteRoom): Promise<void> {
    await this.pool.query(`INSERT INTO room_links (room_id, network, remote_id, data, created_at) VALUES ($1, $2, $3, $4, $5)
      ON CONFLICT (room_id, network, remote_id) DO UPDATE SET data = excluded.data`,
    [roomId, remote.network, remote.remoteId, toJson(remote.data, 'RemoteRoom.data'), this.now()]);
  }

  async unlink(roomId: RoomId, network: string, remoteId: string): Promise<boolean> {
    const { rowCount } = await this.pool.query('DELETE FROM room_links WHERE room_id = $1 AND network = $2 AND remote_id = $3', [roomId, network, remoteId]);
    return (rowCount ?? 0) > 0;
  }

  async remotesOf(roomId: RoomId): Promise<RoomLink[]> {
    const { rows } = await this.pool.query<RoomRow>('SELECT * FROM room_links WHERE room_id = $1 ORDER BY created_at, network, remote_id', [roomId]);
    return rows.map(toRoomLink);
  }

  async roomsOf(network: string, remoteId: string): Promise<RoomLink[]> {
    const { rows } = await this.pool.query<RoomRow>('SELECT * FROM room_links WHERE network = $1 AND remote_id = $2 ORDER BY created_at, room_id COLLATE "C"', [network, remoteId]);
    return rows.map(toRoomLink);
  }

  async list(network?: string): Promise<RoomLink[]> {
    const { rows } = network === undefined
      ? await this.pool.query<RoomRow>('SELECT * FROM room_links ORDER BY created_at, room_id, network, remote_id')
      : await this.pool.query<RoomRow>('SELECT * FROM room_links WHERE network = $1 ORDER BY created_at, room_id, remote_id', [network]);
    return rows.map(toRoomLink);
  }

  async updateData(roomId: RoomId, network: string, remoteId: string, data: Record<string, unknown>): Promise<void> {
    const { rowCount } = await this.pool.query('UPDATE room_links SET data = $1 WHERE room_id = $2 AND network = $3 AND remote_id = $4',
      [toJson(data, 'RemoteRoom.data'), roomId, network, remoteId]);
    if (!rowCount) {
      throw new BridgeError('STORE_NOT_FOUND', `Room ${roomId} is not linked to ${network} ${remoteId}; link it before updating its data`, {
        details: { roomId, network, remoteId },
      });
    }
  }
}

interface UserRow { user_id: string; network: string; remote_id: string; data: string }
const toRemoteUser = (r: UserRow): RemoteUser => ({ network: r.network, remoteId: r.remote_id, data: fromJson<Record<string, unknown>>(r.data) });

/** A remote identity belongs to at most one Matrix user per network; setting it takes it over. */
export class PostgresUserMappings implements UserMappingRepository {
  constructor(private readonly pool: Pool, private readonly now: () => number) {}

  async set(userId: UserId, remote: RemoteUser): Promise<void> {
    await inTransaction(this.pool, async (c) => {
      await c.query('DELETE FROM user_links WHERE network = $1 AND remote_id = $2 AND user_id <> $3', [remote.network, remote.remoteId, userId]);
      await c.query(`INSERT INTO user_links (user_id, network, remote_id, data, created_at) VALUES ($1, $2, $3, $4, $5)
        ON CONFLICT (user_id, network) DO UPDATE SET remote_id = excluded.remote_id, data = excluded.data`,
      [userId, remote.network, remote.remoteId, toJson(remote.data, 'RemoteUser.data'), this.now()]);
    });
  }

  async get(userId: UserId, network: string): Promise<RemoteUser | undefined> {
    const { rows } = await this.pool.query<UserRow>('SELECT * FROM user_links WHERE user_id = $1 AND network = $2', [userId, network]);
    return rows[0] && toRemoteUser(rows[0]);
  }

  async byRemote(network: string, remoteId: string): Promise<UserId | undefined> {
    const { rows } = await this.pool.query<{ user_id: string }>('SELECT user_id FROM user_links WHERE network = $1 AND remote_id = $2', [network, remoteId]);
    return rows[0]?.user_id as UserId | undefined;
  }

  async remove(userId: UserId, network: string): Promise<boolean> {
    const { rowCount } = await this.pool.query('DELETE FROM user_links WHERE user_id = $1 AND network = $2', [userId, network]);
    return (rowCount ?? 0) > 0;
  }

  async list(network: string): Promise<Array<RemoteUser & { userId: UserId }>> {
    const { rows } = await this.pool.query<UserRow>('SELECT * FROM user_links WHERE network = $1 ORDER BY user_id COLLATE "C"', [network]);
    return rows.map((r) => ({ userId: r.user_id as UserId, ...toRemoteUser(r) }));
  }
}

export class PostgresMessageMappings implements MessageMappingRepository {
  /**
   * `deferred`: where `put` queues its write, to share a commit with the writes near it
   * (deferred-writes.ts); it resolves once committed. Reads commit what is queued first.
   */
  constructor(private readonly pool: Pool, private readonly now: () => number, private readonly deferred?: PostgresDeferredWrites) {}

  /** Commits what is queued, when anything is (or a commit is under way), before a read. */
  private settle(): Promise<void> | undefined {
    return this.deferred?.busy ? Promise.resolve(this.deferred.flush()) : undefined;
  }

  async put(entry: MessageLinkInput): Promise<void> {
    if (this.deferred) return this.deferred.defer({ kind: 'link', entry, at: this.now() });
    const insert = 'INSERT INTO message_links (network, remote_id, event_id, room_id, sender, excerpt, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)';
    await this.pool.query(entry.remoteId === undefined
      ? `${insert} ON CONFLICT (event_id, network) WHERE remote_id IS NULL DO UPDATE SET room_id = excluded.room_id, sender = excluded.sender, excerpt = excluded.excerpt`
      : `${insert} ON CONFLICT (network, remote_id) DO UPDATE SET event_id = excluded.event_id, room_id = excluded.room_id, sender = excluded.sender, excerpt = excluded.excerpt`,
    linkValues(entry, this.now()));
  }

  async eventIdOf(network: string, remoteId: string): Promise<EventId | undefined> {
    await this.settle();
    const { rows } = await this.pool.query<{ event_id: string }>('SELECT event_id FROM message_links WHERE network = $1 AND remote_id = $2', [network, remoteId]);
    return rows[0]?.event_id as EventId | undefined;
  }

  async remoteIdOf(eventId: EventId, network: string): Promise<string | undefined> {
    await this.settle();
    const { rows } = await this.pool.query<{ remote_id: string }>(
      'SELECT remote_id FROM message_links WHERE event_id = $1 AND network = $2 AND remote_id IS NOT NULL ORDER BY seq LIMIT 1', [eventId, network]);
    return rows[0]?.remote_id;
  }

  async linksOf(eventId: EventId, network: string): Promise<MessageLink[]> {
    await this.settle();
    const { rows } = await this.pool.query<MessageLinkRow>(
      `SELECT ${MESSAGE_LINK_COLUMNS} FROM message_links WHERE event_id = $1 AND network = $2 ORDER BY seq`, [eventId, network]);
    return rows.map(toMessageLink);
  }

  async prune(olderThanMs: number): Promise<number> {
    await this.settle();
    const { rowCount } = await this.pool.query('DELETE FROM message_links WHERE created_at < $1', [this.now() - olderThanMs]);
    return rowCount ?? 0;
  }
}

export class PostgresKeyValue implements KeyValueRepository {
  constructor(private readonly pool: Pool, private readonly now: () => number) {}

  async get<T>(key: string): Promise<T | undefined> {
    const { rows } = await this.pool.query<{ value: string }>('SELECT value FROM kv WHERE key = $1', [key]);
    return rows[0] ? fromJson<T>(rows[0].value) : undefined;
  }

  async set(key: string, value: unknown): Promise<void> {
    if (value === undefined) throw new TypeError(`kv.set("${key}", undefined): use kv.delete() to remove a key`);
    await this.pool.query(`INSERT INTO kv (key, value, updated_at) VALUES ($1, $2, $3)
      ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`, [key, toJson(value, `kv value of "${key}"`), this.now()]);
  }

  async setMany(entries: Iterable<readonly [string, unknown]>): Promise<void> {
    const rows = kvRows(entries);
    if (rows.length === 0) return;
    // One statement is one transaction; keys are distinct (kvRows keeps the last of each).
    await this.pool.query(`INSERT INTO kv (key, value, updated_at) SELECT k, v, $3 FROM unnest($1::text[], $2::text[]) AS t(k, v)
      ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`, [rows.map((r) => r[0]), rows.map((r) => r[1]), this.now()]);
  }

  async delete(key: string): Promise<boolean> {
    const { rowCount } = await this.pool.query('DELETE FROM kv WHERE key = $1', [key]);
    return (rowCount ?? 0) > 0;
  }

  async keys(prefix = ''): Promise<string[]> {
    // left() instead of LIKE: keys may contain % and _. COLLATE "C": byte order, as SQLite sorts.
    const { rows } = await this.pool.query<{ key: string }>('SELECT key FROM kv WHERE left(key, length($1)) = $1 ORDER BY key COLLATE "C"', [prefix]);
    return rows.map((r) => r.key);
  }
}
