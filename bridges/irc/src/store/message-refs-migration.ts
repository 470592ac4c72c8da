/**
 * The IRC bridge's message links move from string-encoded remote IDs to the typed columns core
 * migration 5 gave the links (which runs before this one), so replies to messages bridged before
 * the upgrade still quote who said what and still thread by msgid:
 *   `ref ["<event>","<nick>","<excerpt>"]`        → the event's link without a remote ID, sender + excerpt;
 *   `msgid <id>` under `<network> msgid` (or, from
 *   an older release, under the network itself)  → remote ID `<id>` under the network, merged into
 *                                                  the event's link when it has one.
 * A `ref` whose JSON cannot be read was never readable by the bridge either: it is dropped.
 * Rows of any other shape are left as they are. It runs in the migration's transaction: all
 * rewritten, or nothing.
 */
import type { Migration } from '@bridgekit/appservice';

type Step = Omit<Migration, 'version'>;

interface Row {
  seq: number;
  network: string;
  remote_id: string;
  event_id: string;
}

const REF = 'ref ';
const MSGID = 'msgid ';
const MSGID_NETWORK = ' msgid';

export const MESSAGE_REFS_TO_COLUMNS: Step = {
  description: 'irc: message links keep the nick, the excerpt and the msgid in typed columns instead of encoded remote IDs',
  up(db) {
    // substr, not LIKE: LIKE ignores case, and a 'REF …' row is not ours.
    const rows = (kind: string) => db.prepare<[number, string], Row>('SELECT seq, network, remote_id, event_id FROM message_links WHERE substr(remote_id, 1, ?) = ? ORDER BY seq').all(kind.length, kind);
    const drop = db.prepare<[number]>('DELETE FROM message_links WHERE seq = ?');
    const unnamed = db.prepare<[string, string], { seq: number }>('SELECT seq FROM message_links WHERE event_id = ? AND network = ? AND remote_id IS NULL');
    const toUnnamed = db.prepare<[string, string, number]>('UPDATE message_links SET remote_id = NULL, sender = ?, excerpt = ? WHERE seq = ?');
    for (const row of rows(REF)) {
      const ref = parseRef(row.remote_id.slice(REF.length));
      // One link per event and network: a second ref (a second channel on the network) says the same.
      if (!ref || unnamed.get(row.event_id, row.network)) drop.run(row.seq);
      else toUnnamed.run(ref.nick, ref.excerpt, row.seq);
    }
    const linked = db.prepare<[string, string], { seq: number }>('SELECT seq FROM message_links WHERE network = ? AND remote_id = ?');
    const name = db.prepare<[string, string, number]>('UPDATE message_links SET network = ?, remote_id = ? WHERE seq = ?');
    for (const row of rows(MSGID)) {
      const network = row.network.endsWith(MSGID_NETWORK) ? row.network.slice(0, -MSGID_NETWORK.length) : row.network;
      const msgid = row.remote_id.slice(MSGID.length);
      if (linked.get(network, msgid)) {
        drop.run(row.seq);
        continue;
      }
      const link = unnamed.get(row.event_id, network);
      if (link) {
        // The event's ref link keeps its place (it was written first) and gains the msgid.
        name.run(network, msgid, link.seq);
        drop.run(row.seq);
      } else {
        name.run(network, msgid, row.seq);
      }
    }
  },
  // The same steps in SQL. A ref's JSON was written by JSON.stringify, so it parses.
  postgres: `
    DELETE FROM message_links a USING message_links b
      WHERE left(a.remote_id, 4) = 'ref ' AND left(b.remote_id, 4) = 'ref '
        AND a.event_id = b.event_id AND a.network = b.network AND a.seq > b.seq;
    UPDATE message_links
      SET sender = substr(remote_id, 5)::jsonb ->> 1, excerpt = substr(remote_id, 5)::jsonb ->> 2, remote_id = NULL
      WHERE left(remote_id, 4) = 'ref ';
    DELETE FROM message_links a USING message_links b
      WHERE right(a.network, 6) = ' msgid' AND left(a.remote_id, 6) = 'msgid '
        AND b.network = left(a.network, -6) AND (b.remote_id = a.remote_id OR b.remote_id = substr(a.remote_id, 7));
    DELETE FROM message_links a USING message_links b
      WHERE left(a.remote_id, 6) = 'msgid ' AND b.network = a.network AND b.remote_id = substr(a.remote_id, 7);
    UPDATE message_links SET network = left(network, -6)
      WHERE right(network, 6) = ' msgid' AND left(remote_id, 6) = 'msgid ';
    UPDATE message_links r SET remote_id = substr(m.remote_id, 7) FROM message_links m
      WHERE left(m.remote_id, 6) = 'msgid ' AND m.event_id = r.event_id AND m.network = r.network AND r.remote_id IS NULL;
    DELETE FROM message_links m USING message_links r
      WHERE left(m.remote_id, 6) = 'msgid ' AND r.network = m.network AND r.remote_id = substr(m.remote_id, 7);
    UPDATE message_links SET remote_id = substr(remote_id, 7) WHERE left(remote_id, 6) = 'msgid ';
  `,
};

function parseRef(json: string): { nick: string; excerpt: string } | undefined {
  try {
    const value: unknown = JSON.parse(json);
    if (!Array.isArray(value)) return undefined;
    const [, nick, excerpt] = value as unknown[];
    return typeof nick === 'string' && typeof excerpt === 'string' ? { nick, excerpt } : undefined;
  } catch {
    return undefined;
  }
}

export function messageRefMigrations(firstVersion: number): Migration[] {
  return [{ ...MESSAGE_REFS_TO_COLUMNS, version: firstVersion }];
}
