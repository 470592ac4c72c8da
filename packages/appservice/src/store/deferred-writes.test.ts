import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { MatrixEvent } from '../events/matrix-event';
import { asEventId, asRoomId, asUserId } from '../ids';
import { DeferredWrites } from './deferred-writes';
import { openStore } from './open';

let dir: string;
beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'deferred-writes-')); });
afterEach(() => { rmSync(dir, { recursive: true, force: true }); });

/** A second connection: what another reader (or the bridge after a crash) would find committed. */
const committedCount = (path: string, sql: string) => {
  const reader = new Database(path, { readonly: true });
  try {
    return (reader.prepare(sql).get() as { n: number }).n;
  } finally {
    reader.close();
  }
};

describe('DeferredWrites', () => {
  it('commits queued writes together once flushed, each caller told of its own failure', async () => {
    const db = new Database(join(dir, 'a.db'));
    db.pragma('journal_mode = WAL');
    db.exec('CREATE TABLE t (v INTEGER UNIQUE)');
    const writes = new DeferredWrites(db, { maxDelayMs: 60_000 });
    const insert = db.prepare('INSERT INTO t (v) VALUES (?)');
    const first = writes.defer(() => { insert.run(1); });
    const duplicate = writes.defer(() => { insert.run(1); });
    const third = writes.defer(() => { insert.run(3); });
    expect(writes.size).toBe(3);
    expect(committedCount(join(dir, 'a.db'), 'SELECT count(*) AS n FROM t')).toBe(0);
    writes.flush();
    await expect(first).resolves.toBeUndefined();
    await expect(duplicate).rejects.toMatchObject({ message: expect.stringMatching(/UNIQUE/) });
    await expect(third).resolves.toBeUndefined();
    expect(committedCount(join(dir, 'a.db'), 'SELECT count(*) AS n FROM t')).toBe(2);
    db.close();
  });

  it('commits by itself after its delay, and at once when the queue is full', async () => {
    const db = new Database(join(dir, 'b.db'));
    db.exec('CREATE TABLE t (v INTEGER)');
    const insert = db.prepare('INSERT INTO t (v) VALUES (?)');
    const soon = new DeferredWrites(db, { maxDelayMs: 1 });
    await soon.defer(() => { insert.run(1); });
    expect(soon.size).toBe(0);
    const full = new DeferredWrites(db, { maxDelayMs: 60_000, maxQueued: 2 });
    full.deferQuietly(() => { insert.run(2); }, () => {});
    expect(full.size).toBe(1);
    full.deferQuietly(() => { insert.run(3); }, () => {});
    expect(full.size).toBe(0);
    expect(db.prepare('SELECT count(*) AS n FROM t').get()).toEqual({ n: 3 });
    db.close();
  });
});

describe('the store with deferred writes', () => {
  it('shows a message link, a completed item and an echo-only transaction to reads before their commit, and commits them at close', async () => {
    const path = join(dir, 'bridge.db');
    const store = openStore(path, { lock: false });
    const roomId = asRoomId('!r:hs.test');
    const stored = store.messages.put({ roomId, eventId: asEventId('$e1'), network: 'irc', remoteId: 'm1', sender: 'nick', excerpt: 'hi' });
    const [seq] = store.journal.appendOutbox([{ roomKey: roomId, outboxKind: 'line', txnId: 't1', payload: { n: 1 } }]);
    store.journal.complete(seq!, true);
    expect(committedCount(path, 'SELECT count(*) AS n FROM message_links')).toBe(0);
    await expect(store.messages.eventIdOf('irc', 'm1')).resolves.toBe('$e1');
    await expect(stored).resolves.toBeUndefined();
    expect(store.journal.pending()).toEqual([]);
    // A seq the journal never issued still throws at the call.
    expect(() => store.journal.complete(9_999, true)).toThrow(/does not exist/);
    store.journal.recordEchoOnly?.('41');
    expect(committedCount(path, "SELECT count(*) AS n FROM transactions WHERE txn_id = '41'")).toBe(0);
    expect(store.journal.lastTransactionId?.()).toBe('41');
    store.messages.put({ roomId, eventId: asEventId('$e2'), network: 'irc', remoteId: 'm2' }).catch(() => undefined);
    store.close();
    expect(committedCount(path, 'SELECT count(*) AS n FROM message_links')).toBe(2);
    expect(committedCount(path, "SELECT count(*) AS n FROM event_queue WHERE state = 'done'")).toBe(1);
  });

  it('commits a Matrix event marked done at once, after what was queued: a rerun after a crash could repeat its line on IRC', () => {
    const path = join(dir, 'bridge.db');
    const store = openStore(path, { lock: false });
    const roomId = asRoomId('!r:hs.test');
    const event: MatrixEvent = { eventId: asEventId('$m1'), roomId, type: 'm.room.message', sender: asUserId('@alice:hs.test'), content: { body: 'hi' }, originServerTs: 1 };
    store.journal.accept('7', [event], []);
    const matrixSeq = store.journal.pending().find((item) => item.kind === 'room')!.seq;
    const [outboxSeq] = store.journal.appendOutbox([{ roomKey: roomId, outboxKind: 'line', txnId: 't1', payload: { n: 1 } }]);
    store.journal.complete(outboxSeq!, true);
    expect(committedCount(path, "SELECT count(*) AS n FROM event_queue WHERE state = 'done'")).toBe(0);
    store.journal.complete(matrixSeq);
    expect(committedCount(path, "SELECT count(*) AS n FROM event_queue WHERE state = 'done'")).toBe(2);
    store.close();
  });
});
