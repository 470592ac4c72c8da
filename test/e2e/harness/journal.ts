/**
 * What the bridge's journal says it read from IRC, looked at while the bridge is not running:
 * how many channel lines for a room were journaled (delivered or not), and the bodies of those
 * still waiting. A crash test compares what arrived in Matrix with this, not with what IRC sent:
 * lines IRC sent that the bridge never read are lost without server history, and counted apart.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';

export interface JournaledLines {
  /** Channel lines for the room in the journal, delivered or still pending. */
  total: number;
  /** The bodies of those not delivered yet, in order. */
  pendingBodies: string[];
}

export function journaledChannelLines(bridgeDir: string, roomId: string): JournaledLines {
  const db = new Database(join(bridgeDir, 'bridge.db'), { fileMustExist: true });
  try {
    const rows = db.prepare<[string], { state: string; payload: string | null }>(
      "SELECT state, payload FROM event_queue WHERE kind = 'outbox' AND outbox_kind = 'irc.channel-line' AND room_id = ? ORDER BY seq",
    ).all(roomId);
    const pendingBodies = rows
      .filter((r) => r.state === 'pending' && r.payload !== null)
      .map((r) => String((JSON.parse(r.payload!) as { content: { body: unknown } }).content.body));
    return { total: rows.length, pendingBodies };
  } finally {
    db.close();
  }
}
