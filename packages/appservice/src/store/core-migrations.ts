import type { Database } from 'better-sqlite3';
import { IDENTITY_MIGRATION } from './identity-migration';
import { MESSAGE_LINKS_MIGRATION } from './message-links-migration';
import type { Migration } from './types';

/** The core's schema history. Never edit a released migration: append a new one. */
export const CORE_MIGRATIONS: Migration[] = [
  {
    version: 1,
    description: 'transaction journal, event queue, room/user/message links, key-value settings',
    up(db) {
      db.exec(`
        CREATE TABLE transactions (
          txn_id TEXT PRIMARY KEY,
          received_at INTEGER NOT NULL
        );
        CREATE INDEX transactions_received_at ON transactions (received_at);

        -- Every event accepted from the homeserver, until handled (done) or given up on (dead).
        -- payload is the event as JSON; it is cleared once done, when only event_id matters (dedupe).
        CREATE TABLE event_queue (
          seq INTEGER PRIMARY KEY AUTOINCREMENT,
          txn_id TEXT NOT NULL,
          kind TEXT NOT NULL CHECK (kind IN ('room', 'ephemeral')),
          event_id TEXT,
          room_id TEXT,
          payload TEXT,
          attempts INTEGER NOT NULL DEFAULT 0,
          last_error TEXT,
          state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done', 'dead')),
          created_at INTEGER NOT NULL,
          updated_at INTEGER NOT NULL
        );
        CREATE UNIQUE INDEX event_queue_event_id ON event_queue (event_id) WHERE event_id IS NOT NULL;
        CREATE INDEX event_queue_state ON event_queue (state, seq);

        CREATE TABLE room_links (
          room_id TEXT NOT NULL,
          network TEXT NOT NULL,
          remote_id TEXT NOT NULL,
          data TEXT NOT NULL DEFAULT '{}',
          created_at INTEGER NOT NULL,
          PRIMARY KEY (room_id, network, remote_id)
        );
        CREATE INDEX room_links_remote ON room_links (network, remote_id);

        CREATE TABLE user_links (
          user_id TEXT NOT NULL,
          network TEXT NOT NULL,
          remote_id TEXT NOT NULL,
          data TEXT NOT NULL DEFAULT '{}',
          created_at INTEGER NOT NULL,
          PRIMARY KEY (user_id, network),
          UNIQUE (network, remote_id)
        );

        CREATE TABLE message_links (
          network TEXT NOT NULL,
          remote_id TEXT NOT NULL,
          event_id TEXT NOT NULL,
          room_id TEXT NOT NULL,
          created_at INTEGER NOT NULL,
          PRIMARY KEY (network, remote_id)
        );
        CREATE INDEX message_links_event ON message_links (event_id, network);
        CREATE INDEX message_links_created_at ON message_links (created_at);

        CREATE TABLE kv (
          key TEXT PRIMARY KEY,
          value TEXT NOT NULL,
          updated_at INTEGER NOT NULL
        );
      `);
    },
    // The same tables; times are BIGINT (milliseconds since the epoch), JSON stays TEXT so both
    // stores hand back exactly the text they were given.
    postgres: `
      CREATE TABLE transactions (txn_id TEXT PRIMARY KEY, received_at BIGINT NOT NULL);
      CREATE INDEX transactions_received_at ON transactions (received_at);
      CREATE TABLE event_queue (
        seq BIGSERIAL PRIMARY KEY,
        txn_id TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('room', 'ephemeral')),
        event_id TEXT,
        room_id TEXT,
        payload TEXT,
        attempts INTEGER NOT NULL DEFAULT 0,
        last_error TEXT,
        state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done', 'dead')),
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL
      );
      CREATE UNIQUE INDEX event_queue_event_id ON event_queue (event_id) WHERE event_id IS NOT NULL;
      CREATE INDEX event_queue_state ON event_queue (state, seq);
      CREATE TABLE room_links (
        room_id TEXT NOT NULL, network TEXT NOT NULL, remote_id TEXT NOT NULL,
        data TEXT NOT NULL DEFAULT '{}', created_at BIGINT NOT NULL,
        PRIMARY KEY (room_id, network, remote_id)
      );
      CREATE INDEX room_links_remote ON room_links (network, remote_id);
      CREATE TABLE user_links (
        user_id TEXT NOT NULL, network TEXT NOT NULL, remote_id TEXT NOT NULL,
        data TEXT NOT NULL DEFAULT '{}', created_at BIGINT NOT NULL,
        PRIMARY KEY (user_id, network), UNIQUE (network, remote_id)
      );
      -- seq keeps insertion order, which SQLite's rowid gives: "the first remote message of an event".
      CREATE TABLE message_links (
        network TEXT NOT NULL, remote_id TEXT NOT NULL, event_id TEXT NOT NULL, room_id TEXT NOT NULL,
        created_at BIGINT NOT NULL, seq BIGSERIAL NOT NULL,
        PRIMARY KEY (network, remote_id)
      );
      CREATE INDEX message_links_event ON message_links (event_id, network);
      CREATE INDEX message_links_created_at ON message_links (created_at);
      CREATE TABLE kv (key TEXT PRIMARY KEY, value TEXT NOT NULL, updated_at BIGINT NOT NULL);
    `,
  },
  {
    version: 2,
    description: 'transactions remember what they held, so a reused transaction ID is not taken for a retry',
    up(db) {
      // NULL for transactions accepted before this version: the journal treats those as unknown.
      db.exec('ALTER TABLE transactions ADD COLUMN fingerprint TEXT');
    },
    postgres: 'ALTER TABLE transactions ADD COLUMN fingerprint TEXT',
  },
  {
    version: 3,
    description: 'the outbox: what a network said, journaled in the event queue before it is delivered to Matrix',
    up: addOutboxToEventQueue,
    // PostgreSQL widens a CHECK in place; its inline one is named <table>_<column>_check.
    postgres: `
      ALTER TABLE event_queue ADD COLUMN outbox_kind TEXT;
      ALTER TABLE event_queue DROP CONSTRAINT event_queue_kind_check;
      ALTER TABLE event_queue ADD CONSTRAINT event_queue_kind_check CHECK (kind IN ('room', 'ephemeral', 'outbox'));
      ALTER TABLE event_queue ADD CONSTRAINT event_queue_outbox_check CHECK ((kind = 'outbox') = (outbox_kind IS NOT NULL));
    `,
  },
  // Ghosts and portals as tables of their own (identity-migration.ts).
  IDENTITY_MIGRATION,
  // Message links with typed columns (message-links-migration.ts).
  MESSAGE_LINKS_MIGRATION,
  {
    version: 6,
    description: 'the event queue remembers which Matrix events a handler already wrote to the network, so a restart does not repeat them',
    // NULL: not written yet (or handled before this version, when nothing was marked).
    up(db) {
      db.exec('ALTER TABLE event_queue ADD COLUMN written_at INTEGER');
    },
    postgres: 'ALTER TABLE event_queue ADD COLUMN written_at BIGINT',
  },
];

/**
 * One queue for both directions, so a room's Matrix events and network messages keep one order
 * across a restart (seq). SQLite cannot widen a CHECK constraint: the table is rebuilt. For an
 * outbox row, txn_id is its idempotency key (the Matrix transaction ID it is sent with), room_id
 * the room key it is ordered under, and outbox_kind the handler that sends it.
 */
function addOutboxToEventQueue(db: Database): void {
  const next = db.prepare<[], { seq: number }>("SELECT seq FROM sqlite_sequence WHERE name = 'event_queue'").get();
  db.exec(`
    CREATE TABLE event_queue_v3 (
      seq INTEGER PRIMARY KEY AUTOINCREMENT,
      txn_id TEXT NOT NULL,
      kind TEXT NOT NULL CHECK (kind IN ('room', 'ephemeral', 'outbox')),
      event_id TEXT,
      room_id TEXT,
      outbox_kind TEXT,
      payload TEXT,
      attempts INTEGER NOT NULL DEFAULT 0,
      last_error TEXT,
      state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done', 'dead')),
      created_at INTEGER NOT NULL,
      updated_at INTEGER NOT NULL,
      CHECK ((kind = 'outbox') = (outbox_kind IS NOT NULL))
    );
    INSERT INTO event_queue_v3 (seq, txn_id, kind, event_id, room_id, payload, attempts, last_error, state, created_at, updated_at)
      SELECT seq, txn_id, kind, event_id, room_id, payload, attempts, last_error, state, created_at, updated_at FROM event_queue;
    DROP TABLE event_queue;
    ALTER TABLE event_queue_v3 RENAME TO event_queue;
    CREATE UNIQUE INDEX event_queue_event_id ON event_queue (event_id) WHERE event_id IS NOT NULL;
    CREATE INDEX event_queue_state ON event_queue (state, seq);
  `);
  // Sequence numbers are never reused, also for rows pruned before the rebuild.
  if (next) {
    const bumped = db.prepare("UPDATE sqlite_sequence SET seq = max(seq, ?) WHERE name = 'event_queue'").run(next.seq);
    if (bumped.changes === 0) db.prepare("INSERT INTO sqlite_sequence (name, seq) VALUES ('event_queue', ?)").run(next.seq);
  }
}
