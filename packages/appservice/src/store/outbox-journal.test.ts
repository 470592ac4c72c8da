import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { MatrixEvent } from '../events';
import { asEventId, asRoomId, asUserId } from '../ids';
import { CORE_MIGRATIONS } from './core-migrations';
import { runMigrations } from './migrate';
import { openStore } from './open';
import { useTempDir } from './testing/fixtures';

const room = asRoomId('!room:example.org');
function ev(id: string): MatrixEvent {
  return { eventId: asEventId(`$${id}`), roomId: room, sender: asUserId('@alice:example.org'), type: 'm.room.message', content: { body: id }, originServerTs: 1 };
}
const line = (txnId: string, payload: unknown) => ({ roomKey: room, outboxKind: 'irc.line', txnId, payload });

describe('the outbox in the SQLite journal', () => {
  const dir = useTempDir();
  const dbPath = () => join(dir(), 'bridge.db');

  it('keeps outbox items in one sequence with Matrix events, across a reopen, until done', () => {
    let store = openStore(dbPath());
    store.journal.accept('t1', [ev('a')], []);
    const [seq1, seq2] = store.journal.appendOutbox([line('k.1', { text: 'one' }), line('k.2', { text: 'two', n: [1, 2] })]);
    store.journal.accept('t2', [ev('b')], []);
    store.close();
    store = openStore(dbPath());
    const pending = store.journal.pending();
    expect(pending.map((p) => (p.kind === 'outbox' ? p.txnId : p.kind === 'room' ? p.event.eventId : 'eph'))).toEqual(['$a', 'k.1', 'k.2', '$b']);
    expect(pending[2]).toEqual({ seq: seq2, kind: 'outbox', roomKey: room, outboxKind: 'irc.line', txnId: 'k.2', payload: { text: 'two', n: [1, 2] }, attempts: 0 });
    store.journal.complete(seq1!);
    expect(store.journal.recordFailure(seq2!, 'homeserver down')).toBe(1);
    store.journal.deadLetter(seq2!, 'gave up');
    expect(store.journal.pending().map((p) => p.kind)).toEqual(['room', 'room']);
    expect(store.journal.deadLetters()).toEqual([expect.objectContaining({ seq: seq2, kind: 'outbox', txnId: 'k.2', roomId: room, error: 'gave up', attempts: 1 })]);
    store.close();
  });

  it('stores the payload text the outbox serialised, and reads it back as that payload', () => {
    const store = openStore(dbPath());
    const payload = { text: 'héllo \u0000 "quoted"', n: [1, 2] };
    // Another text than stringify would give for `payload`: proves the journal wrote the one handed over, not its own.
    const [seq] = store.journal.appendOutbox([{ ...line('k.1', payload), payloadJson: '{"n":[1,2],"text":"héllo \\u0000 \\"quoted\\""}' }]);
    expect(store.db.prepare('SELECT payload FROM event_queue WHERE seq = ?').pluck().get(seq)).toBe('{"n":[1,2],"text":"héllo \\u0000 \\"quoted\\""}');
    expect(store.journal.outboxPayload(seq!)).toEqual({ payload });
    // Without the text, the payload is serialised as before.
    const [other] = store.journal.appendOutbox([line('k.2', payload)]);
    expect(store.db.prepare('SELECT payload FROM event_queue WHERE seq = ?').pluck().get(other)).toBe(JSON.stringify(payload));
    store.close();
  });

  it('knows the items it appended exist, but not those rolled back with a caller\'s transaction, nor completed and pruned ones', () => {
    const store = openStore(dbPath());
    let rolledBack = 0;
    expect(() => store.db.transaction(() => {
      rolledBack = store.journal.appendOutbox([line('k.0', 'gone')])[0]!;
      throw new Error('the caller rolls back');
    })()).toThrow('the caller rolls back');
    expect(() => store.journal.complete(rolledBack, true)).toThrow(/does not exist/);
    const [seq] = store.journal.appendOutbox([line('k.1', 'one')]);
    store.journal.complete(seq!, true);
    store.journal.pending(); // commits the deferred done-mark
    expect(store.journal.prune(-60_000)).toBeGreaterThanOrEqual(1);
    expect(() => store.journal.complete(seq!, true)).toThrow(/does not exist/);
    store.close();
  });

  it('writes a batch all or nothing: a payload that is not JSON fails the whole batch', () => {
    const store = openStore(dbPath());
    expect(() => store.journal.appendOutbox([line('k.1', 'fine'), line('k.2', undefined)])).toThrow('JSON');
    expect(store.journal.pending()).toEqual([]);
    store.close();
  });

  it('migrates a version-2 database: its queued events stay pending, and sequence numbers are never reused', () => {
    const db = new Database(dbPath());
    runMigrations(db, [{ scope: 'core', migrations: CORE_MIGRATIONS.slice(0, 2) }]);
    const insert = db.prepare("INSERT INTO event_queue (txn_id, kind, event_id, room_id, payload, state, created_at, updated_at) VALUES (?, 'room', ?, ?, ?, ?, 1, 1)");
    insert.run('t1', '$old', room, JSON.stringify(ev('old')), 'pending');
    insert.run('t1', '$done', room, null, 'done');
    db.prepare("DELETE FROM event_queue WHERE event_id = '$done'").run(); // pruned: its seq (2) must not come back
    db.close();

    const store = openStore(dbPath());
    expect(store.migrationsApplied.map((m) => m.version)).toEqual(CORE_MIGRATIONS.slice(2).map((m) => m.version));
    const [seq] = store.journal.appendOutbox([line('k.1', 'new')]);
    expect(seq).toBe(3);
    expect(store.journal.pending().map((p) => p.seq)).toEqual([1, 3]);
    expect(() => store.db.prepare("INSERT INTO event_queue (txn_id, kind, created_at, updated_at) VALUES ('x', 'outbox', 1, 1)").run()).toThrow(/CHECK/);
    store.close();
  });
});
