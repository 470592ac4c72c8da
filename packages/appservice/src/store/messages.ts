import type { Database, Statement } from 'better-sqlite3';
import type { EventId, RoomId } from '../ids';
import type { DeferredWrites } from './deferred-writes';
import type { MessageLink, MessageLinkInput } from './types';

/** A `message_links` row as both stores read it. */
export interface MessageLinkRow {
  room_id: string;
  event_id: string;
  network: string;
  remote_id: string | null;
  sender: string | null;
  excerpt: string | null;
  created_at: number | string;
}

/** The columns `linksOf` reads, in `MessageLinkRow`'s shape. */
export const MESSAGE_LINK_COLUMNS = 'room_id, event_id, network, remote_id, sender, excerpt, created_at';

export function toMessageLink(r: MessageLinkRow): MessageLink {
  return {
    roomId: r.room_id as RoomId, eventId: r.event_id as EventId, network: r.network,
    ...(r.remote_id !== null ? { remoteId: r.remote_id } : {}),
    ...(r.sender !== null ? { sender: r.sender } : {}),
    ...(r.excerpt !== null ? { excerpt: r.excerpt } : {}),
    createdAt: Number(r.created_at),
  };
}

type Values = [string, string | null, string, string, string | null, string | null, number];

/** The row's values for `put`, in the column order both stores' statements use. */
export function linkValues(entry: MessageLinkInput, now: number): Values {
  return [entry.network, entry.remoteId ?? null, entry.eventId, entry.roomId, entry.sender ?? null, entry.excerpt ?? null, now];
}

/**
 * Matrix event ↔ remote message. One event may map to several remote messages (a long message
 * split into lines); `remoteIdOf` then gives the first one, which replies and edits refer to.
 */
export class SqliteMessageMappings {
  private readonly upsertNamed: Statement<Values>;
  private readonly upsertUnnamed: Statement<Values>;
  private readonly eventOf: Statement<[string, string], { event_id: string }>;
  private readonly remoteOf: Statement<[string, string], { remote_id: string }>;
  private readonly links: Statement<[string, string], MessageLinkRow>;
  private readonly olderThan: Statement<[number]>;

  /** `deferred`: where `putDeferred` queues its write (deferred-writes.ts); reads commit what is queued first. */
  constructor(db: Database, private readonly now: () => number, private readonly deferred?: DeferredWrites) {
    const insert = 'INSERT INTO message_links (network, remote_id, event_id, room_id, sender, excerpt, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)';
    this.upsertNamed = db.prepare(`${insert}
      ON CONFLICT (network, remote_id) DO UPDATE SET event_id = excluded.event_id, room_id = excluded.room_id, sender = excluded.sender, excerpt = excluded.excerpt`);
    this.upsertUnnamed = db.prepare(`${insert}
      ON CONFLICT (event_id, network) WHERE remote_id IS NULL DO UPDATE SET room_id = excluded.room_id, sender = excluded.sender, excerpt = excluded.excerpt`);
    this.eventOf = db.prepare('SELECT event_id FROM message_links WHERE network = ? AND remote_id = ?');
    this.remoteOf = db.prepare('SELECT remote_id FROM message_links WHERE event_id = ? AND network = ? AND remote_id IS NOT NULL ORDER BY seq LIMIT 1');
    this.links = db.prepare(`SELECT ${MESSAGE_LINK_COLUMNS} FROM message_links WHERE event_id = ? AND network = ? ORDER BY seq`);
    this.olderThan = db.prepare('DELETE FROM message_links WHERE created_at < ?');
  }

  put(entry: MessageLinkInput): void {
    this.deferred?.flush();
    this.upsert(entry, this.now());
  }

  /** `put`, committed with the writes near it; resolves once committed (at once without `deferred`). */
  putDeferred(entry: MessageLinkInput): Promise<void> {
    if (!this.deferred) return Promise.resolve(this.put(entry));
    const at = this.now();
    return this.deferred.defer(() => this.upsert(entry, at));
  }

  private upsert(entry: MessageLinkInput, at: number): void {
    (entry.remoteId === undefined ? this.upsertUnnamed : this.upsertNamed).run(...linkValues(entry, at));
  }

  eventIdOf(network: string, remoteId: string): EventId | undefined {
    this.deferred?.flush();
    return this.eventOf.get(network, remoteId)?.event_id as EventId | undefined;
  }

  remoteIdOf(eventId: EventId, network: string): string | undefined {
    this.deferred?.flush();
    return this.remoteOf.get(eventId, network)?.remote_id;
  }

  linksOf(eventId: EventId, network: string): MessageLink[] {
    this.deferred?.flush();
    return this.links.all(eventId, network).map(toMessageLink);
  }

  prune(olderThanMs: number): number {
    this.deferred?.flush();
    return this.olderThan.run(this.now() - olderThanMs).changes;
  }
}
