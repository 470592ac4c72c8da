import type { Database, Statement } from 'better-sqlite3';
import { BridgeError } from '../errors/bridge-error';
import type { RoomId } from '../ids';
import { fromJson, toJson } from './json';
import type { RemoteRoom, RoomLink } from './types';

interface Row {
  room_id: string;
  network: string;
  remote_id: string;
  data: string;
  created_at: number;
}

const toLink = (r: Row): RoomLink => ({
  roomId: r.room_id as RoomId,
  network: r.network,
  remoteId: r.remote_id,
  data: fromJson<Record<string, unknown>>(r.data),
  createdAt: r.created_at,
});

export class SqliteRoomMappings {
  private readonly insert: Statement<[string, string, string, string, number]>;
  private readonly remove: Statement<[string, string, string]>;
  private readonly byRoom: Statement<[string], Row>;
  private readonly byRemote: Statement<[string, string], Row>;
  private readonly all: Statement<[], Row>;
  private readonly allOfNetwork: Statement<[string], Row>;
  private readonly setData: Statement<[string, string, string, string]>;

  constructor(db: Database, private readonly now: () => number) {
    // Re-linking an existing pair keeps its creation time and replaces its data.
    this.insert = db.prepare(`INSERT INTO room_links (room_id, network, remote_id, data, created_at) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT (room_id, network, remote_id) DO UPDATE SET data = excluded.data`);
    this.remove = db.prepare('DELETE FROM room_links WHERE room_id = ? AND network = ? AND remote_id = ?');
    this.byRoom = db.prepare('SELECT * FROM room_links WHERE room_id = ? ORDER BY created_at, network, remote_id');
    this.byRemote = db.prepare('SELECT * FROM room_links WHERE network = ? AND remote_id = ? ORDER BY created_at, room_id');
    this.all = db.prepare('SELECT * FROM room_links ORDER BY created_at, room_id, network, remote_id');
    this.allOfNetwork = db.prepare('SELECT * FROM room_links WHERE network = ? ORDER BY created_at, room_id, remote_id');
    this.setData = db.prepare('UPDATE room_links SET data = ? WHERE room_id = ? AND network = ? AND remote_id = ?');
  }

  link(roomId: RoomId, remote: RemoteRoom): void {
    this.insert.run(roomId, remote.network, remote.remoteId, toJson(remote.data, 'RemoteRoom.data'), this.now());
  }

  unlink(roomId: RoomId, network: string, remoteId: string): boolean {
    return this.remove.run(roomId, network, remoteId).changes > 0;
  }

  remotesOf(roomId: RoomId): RoomLink[] {
    return this.byRoom.all(roomId).map(toLink);
  }

  roomsOf(network: string, remoteId: string): RoomLink[] {
    return this.byRemote.all(network, remoteId).map(toLink);
  }

  list(network?: string): RoomLink[] {
    return (network === undefined ? this.all.all() : this.allOfNetwork.all(network)).map(toLink);
  }

  updateData(roomId: RoomId, network: string, remoteId: string, data: Record<string, unknown>): void {
    const { changes } = this.setData.run(toJson(data, 'RemoteRoom.data'), roomId, network, remoteId);
    if (changes === 0) {
      throw new BridgeError('STORE_NOT_FOUND', `Room ${roomId} is not linked to ${network} ${remoteId}; link it before updating its data`, {
        details: { roomId, network, remoteId },
      });
    }
  }
}
