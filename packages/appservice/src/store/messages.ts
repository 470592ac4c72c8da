import type { Database, Statement } from 'better-sqlite3';
import type { EventId, RoomId } from '../ids';

/**
 * Matrix event ↔ remote message. One event may map to several remote messages (a long message
 * split into lines); `remoteIdOf` then gives the first one, which replies and edits refer to.
 */
export class SqliteMessageMappings {
  private readonly upsert: Statement<[string, string, string, string, number]>;
  private readonly eventOf: Statement<[string, string], { event_id: string }>;
  private readonly remoteOf: Statement<[string, string], { remote_id: string }>;
  private readonly olderThan: Statement<[number]>;

  constructor(db: Database, private readonly now: () => number) {
    this.upsert = db.prepare(`INSERT INTO message_links (network, remote_id, event_id, room_id, created_at) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT (network, remote_id) DO UPDATE SET event_id = excluded.event_id, room_id = excluded.room_id`);
    this.eventOf = db.prepare('SELECT event_id FROM message_links WHERE network = ? AND remote_id = ?');
    this.remoteOf = db.prepare('SELECT remote_id FROM message_links WHERE event_id = ? AND network = ? ORDER BY rowid LIMIT 1');
    this.olderThan = db.prepare('DELETE FROM message_links WHERE created_at < ?');
  }

  put(entry: { roomId: RoomId; eventId: EventId; network: string; remoteId: string }): void {
    this.upsert.run(entry.network, entry.remoteId, entry.eventId, entry.roomId, this.now());
  }

  eventIdOf(network: string, remoteId: string): EventId | undefined {
    return this.eventOf.get(network, remoteId)?.event_id as EventId | undefined;
  }

  remoteIdOf(eventId: EventId, network: string): string | undefined {
    return this.remoteOf.get(eventId, network)?.remote_id;
  }

  prune(olderThanMs: number): number {
    return this.olderThan.run(this.now() - olderThanMs).changes;
  }
}
