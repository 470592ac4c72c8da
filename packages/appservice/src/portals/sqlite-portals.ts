import type { Database, Statement } from 'better-sqlite3';
import { BridgeError } from '../errors/bridge-error';
import type { RoomId } from '../ids';
import { fromJson, toJson } from '../store/json';
import type { Portal, PortalKey, PortalKind, PortalRepository } from '../store/types';

interface Row {
  room_id: string;
  network: string;
  remote_id: string;
  kind: string;
  metadata: string;
  created_at: number;
  updated_at: number;
}

function toPortal<M extends object>(r: Row): Portal<M> {
  return {
    roomId: r.room_id as RoomId, network: r.network, remoteId: r.remote_id, kind: r.kind,
    metadata: fromJson<M>(r.metadata), createdAt: r.created_at, updatedAt: r.updated_at,
  };
}

const ORDER = 'ORDER BY created_at, room_id, network, remote_id, kind';

/** The portals table, synchronously (better-sqlite3); `AsyncPortals` is what connectors see. */
export class SqlitePortals {
  private readonly upsert: Statement<[string, string, string, string, string, number, number]>;
  private readonly getOne: Statement<[string, string, string, string], Row>;
  private readonly remove: Statement<[string, string, string, string]>;
  private readonly ofRoom: Statement<[string], Row>;
  private readonly ofRemote: Statement<[string, string, string], Row>;
  private readonly all: Statement<[], Row>;
  private readonly ofNetwork: Statement<[string], Row>;
  private readonly ofKind: Statement<[string], Row>;
  private readonly ofNetworkKind: Statement<[string, string], Row>;
  private readonly setMetadata: Statement<[string, number, string, string, string, string]>;
  private readonly unlinkRoomTx: (roomId: RoomId) => Portal[];

  constructor(db: Database, private readonly now: () => number) {
    this.upsert = db.prepare(`INSERT INTO portals (room_id, network, remote_id, kind, metadata, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (room_id, network, remote_id, kind) DO UPDATE SET metadata = excluded.metadata, updated_at = excluded.updated_at`);
    this.getOne = db.prepare('SELECT * FROM portals WHERE room_id = ? AND network = ? AND remote_id = ? AND kind = ?');
    this.remove = db.prepare('DELETE FROM portals WHERE room_id = ? AND network = ? AND remote_id = ? AND kind = ?');
    this.ofRoom = db.prepare(`SELECT * FROM portals WHERE room_id = ? ${ORDER}`);
    this.ofRemote = db.prepare(`SELECT * FROM portals WHERE network = ? AND remote_id = ? AND kind = ? ${ORDER}`);
    this.all = db.prepare(`SELECT * FROM portals ${ORDER}`);
    this.ofNetwork = db.prepare(`SELECT * FROM portals WHERE network = ? ${ORDER}`);
    this.ofKind = db.prepare(`SELECT * FROM portals WHERE kind = ? ${ORDER}`);
    this.ofNetworkKind = db.prepare(`SELECT * FROM portals WHERE network = ? AND kind = ? ${ORDER}`);
    this.setMetadata = db.prepare('UPDATE portals SET metadata = ?, updated_at = ? WHERE room_id = ? AND network = ? AND remote_id = ? AND kind = ?');
    const removeRoom = db.prepare('DELETE FROM portals WHERE room_id = ?');
    this.unlinkRoomTx = db.transaction((roomId: RoomId) => {
      const had = this.ofRoom.all(roomId).map((r) => toPortal<Record<string, unknown>>(r));
      removeRoom.run(roomId);
      return had;
    });
  }

  link<M extends object>(portal: PortalKey & { roomId: RoomId; metadata: M }): Portal<M> {
    const t = this.now();
    this.upsert.run(portal.roomId, portal.network, portal.remoteId, portal.kind, toJson(portal.metadata, 'Portal.metadata'), t, t);
    return toPortal<M>(this.getOne.get(portal.roomId, portal.network, portal.remoteId, portal.kind) as Row);
  }

  unlink(roomId: RoomId, key: PortalKey): boolean {
    return this.remove.run(roomId, key.network, key.remoteId, key.kind).changes > 0;
  }

  unlinkRoom(roomId: RoomId): Portal[] {
    return this.unlinkRoomTx(roomId);
  }

  byRoom(roomId: RoomId): Portal[] {
    return this.ofRoom.all(roomId).map((r) => toPortal<Record<string, unknown>>(r));
  }

  byRemote<M extends object>(key: PortalKey): Array<Portal<M>> {
    return this.ofRemote.all(key.network, key.remoteId, key.kind).map((r) => toPortal<M>(r));
  }

  list<M extends object>(filter: { network?: string; kind?: PortalKind } = {}): Array<Portal<M>> {
    const { network, kind } = filter;
    const rows = network !== undefined && kind !== undefined ? this.ofNetworkKind.all(network, kind)
      : network !== undefined ? this.ofNetwork.all(network)
        : kind !== undefined ? this.ofKind.all(kind) : this.all.all();
    return rows.map((r) => toPortal<M>(r));
  }

  updateMetadata<M extends object>(roomId: RoomId, key: PortalKey, metadata: M): void {
    const { changes } = this.setMetadata.run(toJson(metadata, 'Portal.metadata'), this.now(), roomId, key.network, key.remoteId, key.kind);
    if (changes === 0) {
      throw new BridgeError('STORE_NOT_FOUND', `Room ${roomId} is not a ${key.kind} portal of ${key.network} ${key.remoteId}; link it before updating its metadata`, {
        details: { roomId, ...key },
      });
    }
  }
}

/** The connector-facing face of `SqlitePortals`: the same calls, as Promises. */
export class AsyncPortals implements PortalRepository {
  constructor(private readonly inner: SqlitePortals) {}
  async link<M extends object>(portal: PortalKey & { roomId: RoomId; metadata: M }) { return this.inner.link(portal); }
  async unlink(roomId: RoomId, key: PortalKey) { return this.inner.unlink(roomId, key); }
  async unlinkRoom(roomId: RoomId) { return this.inner.unlinkRoom(roomId); }
  async byRoom(roomId: RoomId) { return this.inner.byRoom(roomId); }
  async byRemote<M extends object = Record<string, unknown>>(key: PortalKey) { return this.inner.byRemote<M>(key); }
  async list<M extends object = Record<string, unknown>>(filter?: { network?: string; kind?: PortalKind }) { return this.inner.list<M>(filter); }
  async updateMetadata<M extends object>(roomId: RoomId, key: PortalKey, metadata: M) { this.inner.updateMetadata(roomId, key, metadata); }
}
