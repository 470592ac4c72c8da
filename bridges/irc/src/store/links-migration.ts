/**
 * The IRC bridge's records move out of the core's generic link tables into the core's portals
 * and ghosts (core migration 4), so an existing deployment keeps its portals, private chats and
 * ghost bindings on upgrade:
 *   room_links, data.kind 'channel'  → portals kind 'channel' (same remote ID, data minus `kind`);
 *   room_links `pm <user> <nick>`    → portals kind 'dm', remote ID = the casefolded nick;
 *   user_links `ghost <nick>`        → ghosts, remote ID = the casefolded nick.
 * Rows of any other shape are left where they are: they are not the bridge's to reinterpret.
 * It runs in the core's migration transaction: all moved, or nothing.
 */
import type { Migration } from '@bridgekit/appservice';

type Step = Omit<Migration, 'version'>;

interface LinkRow {
  room_id: string;
  network: string;
  remote_id: string;
  data: string;
  created_at: number;
}

interface UserRow {
  user_id: string;
  network: string;
  remote_id: string;
  data: string;
  created_at: number;
}

export const LINKS_TO_PORTALS: Step = {
  description: 'irc: channel portals, private chats and ghost bindings move from the generic link tables to portals and ghosts',
  up(db) {
    const addPortal = db.prepare('INSERT OR IGNORE INTO portals (room_id, network, remote_id, kind, metadata, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)');
    const dropLink = db.prepare('DELETE FROM room_links WHERE room_id = ? AND network = ? AND remote_id = ?');
    for (const row of db.prepare('SELECT room_id, network, remote_id, data, created_at FROM room_links').all() as LinkRow[]) {
      const portal = portalOf(row);
      if (!portal) continue;
      addPortal.run(row.room_id, row.network, portal.remoteId, portal.kind, JSON.stringify(portal.metadata), row.created_at, row.created_at);
      dropLink.run(row.room_id, row.network, row.remote_id);
    }
    const addGhost = db.prepare('INSERT OR REPLACE INTO ghosts (user_id, network, remote_id, metadata, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)');
    const dropUser = db.prepare('DELETE FROM user_links WHERE user_id = ? AND network = ?');
    for (const row of db.prepare("SELECT user_id, network, remote_id, data, created_at FROM user_links WHERE substr(remote_id, 1, 6) = 'ghost '").all() as UserRow[]) {
      const data = parse(row.data);
      if (typeof data?.nick !== 'string') continue;
      const metadata = { nick: data.nick, ...(typeof data.from === 'string' ? { from: data.from } : {}) };
      addGhost.run(row.user_id, row.network, row.remote_id.slice('ghost '.length), JSON.stringify(metadata), row.created_at, row.created_at);
      dropUser.run(row.user_id, row.network);
    }
  },
  // Nothing to move on PostgreSQL: a PostgreSQL store is born after this release (empty, or
  // copied by migrate-store from an SQLite store this migration has already run on).
  postgres: '',
};

function portalOf(row: LinkRow): { kind: string; remoteId: string; metadata: Record<string, unknown> } | undefined {
  const data = parse(row.data);
  if (data?.kind === 'channel' && typeof data.channel === 'string') {
    const { kind: _kind, ...metadata } = data;
    return { kind: 'channel', remoteId: row.remote_id, metadata };
  }
  // `pm <matrix user> <casefolded nick>`: neither part has spaces.
  const parts = row.remote_id.split(' ');
  if (data?.kind === 'pm' && parts.length === 3 && parts[0] === 'pm' && typeof data.userId === 'string' && typeof data.nick === 'string') {
    const metadata = { userId: data.userId, nick: data.nick, ...(typeof data.ghost === 'string' ? { ghost: data.ghost } : {}) };
    return { kind: 'dm', remoteId: parts[2] as string, metadata };
  }
  return undefined;
}

function parse(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === 'object' && !Array.isArray(value) ? value as Record<string, unknown> : undefined;
  } catch {
    return undefined;
  }
}

/** The IRC connector's own migrations after the account ones, numbered from `firstVersion`. */
export function linkMigrations(firstVersion: number): Migration[] {
  return [{ ...LINKS_TO_PORTALS, version: firstVersion }];
}
