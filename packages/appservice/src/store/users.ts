import type { Database, Statement } from 'better-sqlite3';
import type { UserId } from '../ids';
import { fromJson, toJson } from './json';
import type { RemoteUser } from './types';

interface Row {
  user_id: string;
  network: string;
  remote_id: string;
  data: string;
}

const toRemote = (r: Row): RemoteUser => ({ network: r.network, remoteId: r.remote_id, data: fromJson<Record<string, unknown>>(r.data) });

/**
 * A remote identity belongs to at most one Matrix user per network: setting it for a user takes
 * it away from whoever had it (a nick handed over), instead of failing on the unique index.
 */
export class SqliteUserMappings {
  private readonly releaseRemote: Statement<[string, string, string]>;
  private readonly upsert: Statement<[string, string, string, string, number]>;
  private readonly getOne: Statement<[string, string], Row>;
  private readonly byRemoteId: Statement<[string, string], { user_id: string }>;
  private readonly remove_: Statement<[string, string]>;
  private readonly listNetwork: Statement<[string], Row>;
  private readonly setTx: (userId: UserId, remote: RemoteUser) => void;

  constructor(db: Database, now: () => number) {
    this.releaseRemote = db.prepare('DELETE FROM user_links WHERE network = ? AND remote_id = ? AND user_id <> ?');
    this.upsert = db.prepare(`INSERT INTO user_links (user_id, network, remote_id, data, created_at) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT (user_id, network) DO UPDATE SET remote_id = excluded.remote_id, data = excluded.data`);
    this.getOne = db.prepare('SELECT * FROM user_links WHERE user_id = ? AND network = ?');
    this.byRemoteId = db.prepare('SELECT user_id FROM user_links WHERE network = ? AND remote_id = ?');
    this.remove_ = db.prepare('DELETE FROM user_links WHERE user_id = ? AND network = ?');
    this.listNetwork = db.prepare('SELECT * FROM user_links WHERE network = ? ORDER BY user_id');
    this.setTx = db.transaction((userId: UserId, remote: RemoteUser) => {
      this.releaseRemote.run(remote.network, remote.remoteId, userId);
      this.upsert.run(userId, remote.network, remote.remoteId, toJson(remote.data, 'RemoteUser.data'), now());
    });
  }

  set(userId: UserId, remote: RemoteUser): void {
    this.setTx(userId, remote);
  }

  get(userId: UserId, network: string): RemoteUser | undefined {
    const row = this.getOne.get(userId, network);
    return row ? toRemote(row) : undefined;
  }

  byRemote(network: string, remoteId: string): UserId | undefined {
    return this.byRemoteId.get(network, remoteId)?.user_id as UserId | undefined;
  }

  remove(userId: UserId, network: string): boolean {
    return this.remove_.run(userId, network).changes > 0;
  }

  list(network: string): Array<RemoteUser & { userId: UserId }> {
    return this.listNetwork.all(network).map((r) => ({ userId: r.user_id as UserId, ...toRemote(r) }));
  }
}
