import type { Migration } from './types';

/** The same on both databases: a unique remote ID per network, at most one unnamed link per event and network, and the event's links in order. */
const LINK_INDEXES = `
  CREATE UNIQUE INDEX message_links_remote ON message_links (network, remote_id);
  CREATE UNIQUE INDEX message_links_unnamed ON message_links (event_id, network) WHERE remote_id IS NULL;
  CREATE INDEX message_links_event ON message_links (event_id, network, seq);
`;

/**
 * Core migration 5: a message link names what a bridge keeps about a bridged message in typed
 * columns instead of encoding it into the remote ID:
 *   - `remote_id` may be empty: a network that gives its messages no ID (IRC without msgid)
 *     still links the event, looked up from the event's side only;
 *   - `sender` (who sent it on the network) and `excerpt` (its start as plain text), for a
 *     reply on a network without replies that quotes who said what.
 * `seq` keeps insertion order on both databases ("an event's first remote message"). Indexes:
 * one per way of looking a link up, a unique one per remote ID, and one that lets an event have
 * at most one link without a remote ID per network (writing it again updates it). Existing rows
 * keep their remote IDs; a connector that encoded data into them rewrites its own rows in its
 * own migration, which runs after this one.
 */
export const MESSAGE_LINKS_MIGRATION: Migration = {
  version: 5,
  description: 'message links: an optional remote ID, the sender and an excerpt as columns, insertion order as seq',
  up(db) {
    // SQLite cannot drop a NOT NULL or a primary key in place: the table is rebuilt, rowid order kept as seq.
    db.exec(`
      CREATE TABLE message_links_v5 (
        seq INTEGER PRIMARY KEY,
        network TEXT NOT NULL,
        remote_id TEXT,
        event_id TEXT NOT NULL,
        room_id TEXT NOT NULL,
        sender TEXT,
        excerpt TEXT,
        created_at INTEGER NOT NULL
      );
      INSERT INTO message_links_v5 (seq, network, remote_id, event_id, room_id, created_at)
        SELECT rowid, network, remote_id, event_id, room_id, created_at FROM message_links ORDER BY rowid;
      DROP TABLE message_links;
      ALTER TABLE message_links_v5 RENAME TO message_links;
      CREATE INDEX message_links_created_at ON message_links (created_at);
      ${LINK_INDEXES}
    `);
  },
  postgres: `
    ALTER TABLE message_links DROP CONSTRAINT message_links_pkey;
    ALTER TABLE message_links ALTER COLUMN remote_id DROP NOT NULL;
    ALTER TABLE message_links ADD COLUMN sender TEXT;
    ALTER TABLE message_links ADD COLUMN excerpt TEXT;
    ALTER TABLE message_links ADD PRIMARY KEY (seq);
    DROP INDEX message_links_event;
    ${LINK_INDEXES}
  `,
};
