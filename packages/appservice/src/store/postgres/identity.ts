/** Ghosts and portals on PostgreSQL: the same behaviour as `SqliteGhosts` and `SqlitePortals`. */
import type { Pool, PoolClient } from 'pg';
import { BridgeError } from '../../errors/bridge-error';
import type { RoomId, UserId } from '../../ids';
import { fromJson, toJson } from '../json';
import type { GhostLink, GhostRepository, Portal, PortalKey, PortalKind, PortalRepository } from '../types';
import { inTransaction, lockTable } from './sql';

interface GhostRow { user_id: string; network: string; remote_id: string; metadata: string; created_at: number; updated_at: number }
const toGhost = (r: GhostRow): GhostLink => ({
  userId: r.user_id as UserId, network: r.network, remoteId: r.remote_id,
  metadata: fromJson<Record<string, unknown>>(r.metadata), createdAt: r.created_at, updatedAt: r.updated_at,
});

/** How many variants `resolve` tries before concluding something is wrong with `candidate`. */
const MAX_VARIANTS = 10_000;
const VARIANT_BATCH = 100;

// A ghost re-linked (a rename) keeps its creation time and the hash of the profile it has.
const UPSERT_GHOST = `INSERT INTO ghosts (user_id, network, remote_id, metadata, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5)
  ON CONFLICT (user_id) DO UPDATE SET network = excluded.network, remote_id = excluded.remote_id,
    metadata = excluded.metadata, updated_at = excluded.updated_at RETURNING *`;

/** Ghost writes take a transaction-wide lock: "one ghost per identity" holds across processes' connections. */
export class PostgresGhosts implements GhostRepository {
  constructor(private readonly pool: Pool, private readonly now: () => number) {}

  async get(network: string, remoteId: string): Promise<GhostLink | undefined> {
    const { rows } = await this.pool.query<GhostRow>('SELECT * FROM ghosts WHERE network = $1 AND remote_id = $2', [network, remoteId]);
    return rows[0] && toGhost(rows[0]);
  }

  async byUserId(userId: UserId): Promise<GhostLink | undefined> {
    const { rows } = await this.pool.query<GhostRow>('SELECT * FROM ghosts WHERE user_id = $1', [userId]);
    return rows[0] && toGhost(rows[0]);
  }

  async link(userId: UserId, remote: { network: string; remoteId: string; metadata?: Record<string, unknown> }): Promise<GhostLink> {
    const metadata = toJson(remote.metadata ?? {}, 'GhostLink.metadata');
    return inTransaction(this.pool, async (c) => {
      await lockTable(c, 'ghosts');
      // The identity belongs to this ghost now: whoever had it (a stale link) loses it.
      await c.query('DELETE FROM ghosts WHERE network = $1 AND remote_id = $2 AND user_id <> $3', [remote.network, remote.remoteId, userId]);
      return this.upsert(c, userId, remote.network, remote.remoteId, metadata);
    });
  }

  async unlink(userId: UserId): Promise<boolean> {
    const { rowCount } = await this.pool.query('DELETE FROM ghosts WHERE user_id = $1', [userId]);
    return (rowCount ?? 0) > 0;
  }

  async list(network: string): Promise<GhostLink[]> {
    const { rows } = await this.pool.query<GhostRow>('SELECT * FROM ghosts WHERE network = $1 ORDER BY user_id COLLATE "C"', [network]);
    return rows.map(toGhost);
  }

  async resolve(network: string, remoteId: string, candidate: (variant: number) => UserId): Promise<GhostLink> {
    return inTransaction(this.pool, async (c) => {
      await lockTable(c, 'ghosts');
      const linked = await c.query<GhostRow>('SELECT * FROM ghosts WHERE network = $1 AND remote_id = $2', [network, remoteId]);
      if (linked.rows[0]) return toGhost(linked.rows[0]);
      // Candidates are checked a batch per round trip: a popular name costs one query, not one per variant.
      for (let first = 1; first <= MAX_VARIANTS; first += VARIANT_BATCH) {
        const batch = Array.from({ length: Math.min(VARIANT_BATCH, MAX_VARIANTS - first + 1) }, (_, i) => candidate(first + i));
        const { rows } = await c.query<{ user_id: string }>('SELECT user_id FROM ghosts WHERE user_id = ANY($1::text[])', [batch]);
        const taken = new Set(rows.map((r) => r.user_id));
        const free = batch.find((userId) => !taken.has(userId));
        if (free !== undefined) return this.upsert(c, free, network, remoteId, '{}');
      }
      throw new Error(`No free ghost for ${network} ${JSON.stringify(remoteId)} among ${MAX_VARIANTS} variants: the candidate function repeats itself`);
    });
  }

  async profileHashOf(userId: UserId): Promise<string | undefined> {
    const { rows } = await this.pool.query<{ profile_hash: string | null }>('SELECT profile_hash FROM ghosts WHERE user_id = $1', [userId]);
    return rows[0]?.profile_hash ?? undefined;
  }

  async setProfileHash(userId: UserId, hash: string): Promise<void> {
    await this.pool.query('UPDATE ghosts SET profile_hash = $1, updated_at = $2 WHERE user_id = $3', [hash, this.now(), userId]);
  }

  private async upsert(c: PoolClient, userId: UserId, network: string, remoteId: string, metadata: string): Promise<GhostLink> {
    const { rows } = await c.query<GhostRow>(UPSERT_GHOST, [userId, network, remoteId, metadata, this.now()]);
    return toGhost(rows[0]);
  }
}

interface PortalRow { room_id: string; network: string; remote_id: string; kind: string; metadata: string; created_at: number; updated_at: number }
function toPortal<M extends object>(r: PortalRow): Portal<M> {
  return {
    roomId: r.room_id as RoomId, network: r.network, remoteId: r.remote_id, kind: r.kind,
    metadata: fromJson<M>(r.metadata), createdAt: r.created_at, updatedAt: r.updated_at,
  };
}

// COLLATE "C": byte order, as SQLite sorts text, whatever the database's locale.
const ORDER = 'ORDER BY created_at, room_id COLLATE "C", network COLLATE "C", remote_id COLLATE "C", kind COLLATE "C"';

export class PostgresPortals implements PortalRepository {
  constructor(private readonly pool: Pool, private readonly now: () => number) {}

  async link<M extends object>(portal: PortalKey & { roomId: RoomId; metadata: M }): Promise<Portal<M>> {
    const { rows } = await this.pool.query<PortalRow>(`INSERT INTO portals (room_id, network, remote_id, kind, metadata, created_at, updated_at)
      VALUES ($1, $2, $3, $4, $5, $6, $6)
      ON CONFLICT (room_id, network, remote_id, kind) DO UPDATE SET metadata = excluded.metadata, updated_at = excluded.updated_at RETURNING *`,
    [portal.roomId, portal.network, portal.remoteId, portal.kind, toJson(portal.metadata, 'Portal.metadata'), this.now()]);
    return toPortal<M>(rows[0]);
  }

  async unlink(roomId: RoomId, key: PortalKey): Promise<boolean> {
    const { rowCount } = await this.pool.query('DELETE FROM portals WHERE room_id = $1 AND network = $2 AND remote_id = $3 AND kind = $4',
      [roomId, key.network, key.remoteId, key.kind]);
    return (rowCount ?? 0) > 0;
  }

  async unlinkRoom(roomId: RoomId): Promise<Portal[]> {
    return inTransaction(this.pool, async (c) => {
      const { rows } = await c.query<PortalRow>(`SELECT * FROM portals WHERE room_id = $1 ${ORDER}`, [roomId]);
      await c.query('DELETE FROM portals WHERE room_id = $1', [roomId]);
      return rows.map((r) => toPortal<Record<string, unknown>>(r));
    });
  }

  async byRoom(roomId: RoomId): Promise<Portal[]> {
    const { rows } = await this.pool.query<PortalRow>(`SELECT * FROM portals WHERE room_id = $1 ${ORDER}`, [roomId]);
    return rows.map((r) => toPortal<Record<string, unknown>>(r));
  }

  async byRemote<M extends object = Record<string, unknown>>(key: PortalKey): Promise<Array<Portal<M>>> {
    const { rows } = await this.pool.query<PortalRow>(`SELECT * FROM portals WHERE network = $1 AND remote_id = $2 AND kind = $3 ${ORDER}`,
      [key.network, key.remoteId, key.kind]);
    return rows.map((r) => toPortal<M>(r));
  }

  async list<M extends object = Record<string, unknown>>(filter: { network?: string; kind?: PortalKind } = {}): Promise<Array<Portal<M>>> {
    // NULL filters match everything: one statement instead of four.
    const { rows } = await this.pool.query<PortalRow>(`SELECT * FROM portals
      WHERE ($1::text IS NULL OR network = $1) AND ($2::text IS NULL OR kind = $2) ${ORDER}`, [filter.network ?? null, filter.kind ?? null]);
    return rows.map((r) => toPortal<M>(r));
  }

  async updateMetadata<M extends object>(roomId: RoomId, key: PortalKey, metadata: M): Promise<void> {
    const { rowCount } = await this.pool.query('UPDATE portals SET metadata = $1, updated_at = $2 WHERE room_id = $3 AND network = $4 AND remote_id = $5 AND kind = $6',
      [toJson(metadata, 'Portal.metadata'), this.now(), roomId, key.network, key.remoteId, key.kind]);
    if (!rowCount) {
      throw new BridgeError('STORE_NOT_FOUND', `Room ${roomId} is not a ${key.kind} portal of ${key.network} ${key.remoteId}; link it before updating its metadata`, {
        details: { roomId, ...key },
      });
    }
  }
}
