import type { Database, Statement } from 'better-sqlite3';
import type { UserId } from '../ids';
import { fromJson, toJson } from '../store/json';
import type { GhostLink, GhostRepository } from '../store/types';

interface Row {
  user_id: string;
  network: string;
  remote_id: string;
  metadata: string;
  created_at: number;
  updated_at: number;
}

const toLink = (r: Row): GhostLink => ({
  userId: r.user_id as UserId, network: r.network, remoteId: r.remote_id,
  metadata: fromJson<Record<string, unknown>>(r.metadata), createdAt: r.created_at, updatedAt: r.updated_at,
});

/** How many variants `resolve` tries before concluding something is wrong with `candidate`. */
const MAX_VARIANTS = 10_000;

/**
 * The ghosts table, synchronously (better-sqlite3); `AsyncGhosts` is what connectors see.
 * Each write is one transaction, so "one ghost per identity, one identity per ghost" holds
 * however calls interleave.
 */
export class SqliteGhosts {
  private readonly byRemote: Statement<[string, string], Row>;
  private readonly byUser: Statement<[string], Row>;
  private readonly releaseRemote: Statement<[string, string, string]>;
  private readonly upsert: Statement<[string, string, string, string, number, number]>;
  private readonly remove: Statement<[string]>;
  private readonly ofNetwork: Statement<[string], Row>;
  private readonly hashOf: Statement<[string], { profile_hash: string | null }>;
  private readonly setHash: Statement<[string, number, string]>;
  private readonly linkTx: (userId: UserId, network: string, remoteId: string, metadata: string) => GhostLink;
  private readonly resolveTx: (network: string, remoteId: string, candidate: (variant: number) => UserId) => GhostLink;

  constructor(db: Database, private readonly now: () => number) {
    this.byRemote = db.prepare('SELECT * FROM ghosts WHERE network = ? AND remote_id = ?');
    this.byUser = db.prepare('SELECT * FROM ghosts WHERE user_id = ?');
    this.releaseRemote = db.prepare('DELETE FROM ghosts WHERE network = ? AND remote_id = ? AND user_id <> ?');
    // A ghost re-linked (a rename) keeps its creation time and the hash of the profile it has.
    this.upsert = db.prepare(`INSERT INTO ghosts (user_id, network, remote_id, metadata, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)
      ON CONFLICT (user_id) DO UPDATE SET network = excluded.network, remote_id = excluded.remote_id,
        metadata = excluded.metadata, updated_at = excluded.updated_at`);
    this.remove = db.prepare('DELETE FROM ghosts WHERE user_id = ?');
    this.ofNetwork = db.prepare('SELECT * FROM ghosts WHERE network = ? ORDER BY user_id');
    this.hashOf = db.prepare('SELECT profile_hash FROM ghosts WHERE user_id = ?');
    this.setHash = db.prepare('UPDATE ghosts SET profile_hash = ?, updated_at = ? WHERE user_id = ?');
    this.linkTx = db.transaction((userId: UserId, network: string, remoteId: string, metadata: string) => {
      // The identity belongs to this ghost now: whoever had it (a stale link) loses it.
      this.releaseRemote.run(network, remoteId, userId);
      const t = this.now();
      this.upsert.run(userId, network, remoteId, metadata, t, t);
      return toLink(this.byUser.get(userId) as Row);
    });
    this.resolveTx = db.transaction((network: string, remoteId: string, candidate: (variant: number) => UserId) => {
      const linked = this.byRemote.get(network, remoteId);
      if (linked) return toLink(linked);
      for (let variant = 1; variant <= MAX_VARIANTS; variant++) {
        const userId = candidate(variant);
        if (this.byUser.get(userId)) continue;
        const t = this.now();
        this.upsert.run(userId, network, remoteId, '{}', t, t);
        return toLink(this.byUser.get(userId) as Row);
      }
      throw new Error(`No free ghost for ${network} ${JSON.stringify(remoteId)} among ${MAX_VARIANTS} variants: the candidate function repeats itself`);
    });
  }

  get(network: string, remoteId: string): GhostLink | undefined {
    const row = this.byRemote.get(network, remoteId);
    return row && toLink(row);
  }

  byUserId(userId: UserId): GhostLink | undefined {
    const row = this.byUser.get(userId);
    return row && toLink(row);
  }

  link(userId: UserId, remote: { network: string; remoteId: string; metadata?: Record<string, unknown> }): GhostLink {
    return this.linkTx(userId, remote.network, remote.remoteId, toJson(remote.metadata ?? {}, 'GhostLink.metadata'));
  }

  unlink(userId: UserId): boolean {
    return this.remove.run(userId).changes > 0;
  }

  list(network: string): GhostLink[] {
    return this.ofNetwork.all(network).map(toLink);
  }

  resolve(network: string, remoteId: string, candidate: (variant: number) => UserId): GhostLink {
    return this.resolveTx(network, remoteId, candidate);
  }

  profileHashOf(userId: UserId): string | undefined {
    return this.hashOf.get(userId)?.profile_hash ?? undefined;
  }

  setProfileHash(userId: UserId, hash: string): void {
    this.setHash.run(hash, this.now(), userId);
  }
}

/** The connector-facing face of `SqliteGhosts`: the same calls, as Promises. */
export class AsyncGhosts implements GhostRepository {
  constructor(private readonly inner: SqliteGhosts) {}
  async get(network: string, remoteId: string) { return this.inner.get(network, remoteId); }
  async byUserId(userId: UserId) { return this.inner.byUserId(userId); }
  async link(userId: UserId, remote: { network: string; remoteId: string; metadata?: Record<string, unknown> }) { return this.inner.link(userId, remote); }
  async unlink(userId: UserId) { return this.inner.unlink(userId); }
  async list(network: string) { return this.inner.list(network); }
  async resolve(network: string, remoteId: string, candidate: (variant: number) => UserId) { return this.inner.resolve(network, remoteId, candidate); }
  async profileHashOf(userId: UserId) { return this.inner.profileHashOf(userId); }
  async setProfileHash(userId: UserId, hash: string) { this.inner.setProfileHash(userId, hash); }
}
