import type { Migration } from './types';

/**
 * Core migration 4: ghosts and portals as tables of their own, with the kind and the metadata
 * as columns and an index for each way they are looked up. The generic `room_links` and
 * `user_links` stay for links that are neither; a connector moves its own rows over in its own
 * migration (it alone knows which of its rows are portals or ghosts), which runs after this one.
 */
export const IDENTITY_MIGRATION: Migration = {
  version: 4,
  description: 'ghosts (ghost user <-> remote identity, last profile written) and portals (room <-> remote room, kind, metadata)',
  up(db) {
    db.exec(`
      CREATE TABLE ghosts (
        user_id TEXT PRIMARY KEY,
        network TEXT NOT NULL,
        remote_id TEXT NOT NULL,
        metadata TEXT NOT NULL DEFAULT '{}',
        -- sha256 of the last profile written to the homeserver: unchanged profiles cost no request, even after a restart.
        profile_hash TEXT,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      );
      CREATE UNIQUE INDEX ghosts_remote ON ghosts (network, remote_id);

      CREATE TABLE portals (
        room_id TEXT NOT NULL,
        network TEXT NOT NULL,
        remote_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        metadata TEXT NOT NULL DEFAULT '{}',
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (room_id, network, remote_id, kind)
      );
      CREATE INDEX portals_remote ON portals (network, remote_id, kind);
      CREATE INDEX portals_kind ON portals (network, kind, created_at);
    `);
  },
  postgres: `
    CREATE TABLE ghosts (
      user_id TEXT PRIMARY KEY, network TEXT NOT NULL, remote_id TEXT NOT NULL,
      metadata TEXT NOT NULL DEFAULT '{}', profile_hash TEXT,
      created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL
    );
    CREATE UNIQUE INDEX ghosts_remote ON ghosts (network, remote_id);
    CREATE TABLE portals (
      room_id TEXT NOT NULL, network TEXT NOT NULL, remote_id TEXT NOT NULL, kind TEXT NOT NULL,
      metadata TEXT NOT NULL DEFAULT '{}', created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL,
      PRIMARY KEY (room_id, network, remote_id, kind)
    );
    CREATE INDEX portals_remote ON portals (network, remote_id, kind);
    CREATE INDEX portals_kind ON portals (network, kind, created_at);
  `,
};
