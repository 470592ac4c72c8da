import { IDENTITY_MIGRATION } from './identity-migration';
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
  // Version 3 belongs to the outbox track (the journal's network -> Matrix items). This no-op
  // keeps the numbering valid on this branch only: at merge, the outbox's migration 3 replaces it.
  {
    version: 3,
    description: 'reserved for the outbox (replaced at merge)',
    up() { /* the outbox migration goes here */ },
    postgres: '',
  },
  // Track store: ghosts and portals (identity-migration.ts).
  IDENTITY_MIGRATION,
];
