import { join } from 'node:path';
import type { EphemeralEvent, MatrixEvent } from '../events';
import { asEventId, asRoomId, asUserId } from '../ids';
import { BridgeError } from '../errors/bridge-error';
import { openStore } from './open';
import { manualClock, useTempDir } from './testing/fixtures';

const room = asRoomId('!room:example.org');
function ev(id: string, roomId = room): MatrixEvent {
  return { eventId: asEventId(`$${id}`), roomId, sender: asUserId('@alice:example.org'), type: 'm.room.message', content: { msgtype: 'm.text', body: id }, originServerTs: 1 };
}
const typing: EphemeralEvent = { type: 'm.typing', roomId: room, content: { user_ids: ['@alice:example.org'] } };

describe('SqliteTransactionJournal', () => {
  const dir = useTempDir();
  const dbPath = () => join(dir(), 'bridge.db');

  it('queues the events of a transaction in order and reports them', () => {
    const store = openStore(dbPath());
    const { duplicate, queued } = store.journal.accept('t1', [ev('a'), ev('b')], [typing]);
    expect(duplicate).toBe(false);
    expect(queued.map((q) => q.kind)).toEqual(['room', 'room', 'ephemeral']);
    expect(queued[0].seq).toBeLessThan(queued[1].seq);
    expect(queued[1].seq).toBeLessThan(queued[2].seq);
    expect(store.journal.pending()).toEqual(queued);
    store.close();
  });

  it('ignores a transaction it accepted before (same ID, same events), also after a reopen', () => {
    let store = openStore(dbPath());
    store.journal.accept('t1', [ev('a')], [typing]);
    expect(store.journal.accept('t1', [ev('a')], [typing])).toEqual({ duplicate: true, queued: [] });
    store.close();
    store = openStore(dbPath());
    expect(store.journal.accept('t1', [ev('a')], [typing])).toEqual({ duplicate: true, queued: [] });
    expect(store.journal.pending().map((q) => q.kind)).toEqual(['room', 'ephemeral']);
    store.close();
  });

  it('takes other events under a known ID as a new transaction (Synapse on SQLite counts from 1 again after a restart)', () => {
    let store = openStore(dbPath());
    store.journal.accept('1', [ev('a')], []);
    store.close();
    store = openStore(dbPath());
    const reused = store.journal.accept('1', [ev('b')], [typing]);
    expect(reused).toMatchObject({ duplicate: false, reusedId: true });
    expect(reused.queued.map((q) => q.kind)).toEqual(['room', 'ephemeral']);
    // The record now stands for the newer transaction: its retry is the duplicate.
    expect(store.journal.accept('1', [ev('b')], [typing])).toEqual({ duplicate: true, queued: [] });
    // A retry of the older one (its events already known) is a duplicate: nothing new in it.
    expect(store.journal.accept('1', [ev('a')], [])).toEqual({ duplicate: true, queued: [] });
    // Synapse's retry of a stored transaction carries no ephemeral events: still a duplicate.
    expect(store.journal.accept('1', [ev('b')], [])).toEqual({ duplicate: true, queued: [] });
    expect(store.journal.pending().map((q) => (q.kind === 'room' ? q.event.eventId : q.kind))).toEqual(['$a', '$b', 'ephemeral']);
    store.close();
  });

  it('treats a transaction recorded before fingerprints existed as unknown: its room events still dedupe by ID', () => {
    let store = openStore(dbPath());
    store.journal.accept('t1', [ev('a')], []);
    store.db.prepare('UPDATE transactions SET fingerprint = NULL').run();
    store.close();
    store = openStore(dbPath());
    expect(store.journal.accept('t1', [ev('a')], [])).toEqual({ duplicate: true, queued: [] });
    expect(store.journal.accept('t1', [ev('c')], []).queued.map((q) => q.kind === 'room' && q.event.eventId)).toEqual(['$c']);
    store.close();
  });

  it('skips an event_id already seen in another transaction, pending or done, and within one transaction', () => {
    const store = openStore(dbPath());
    const first = store.journal.accept('t1', [ev('a'), ev('b')], []);
    store.journal.complete(first.queued[0].seq);
    const second = store.journal.accept('t2', [ev('a'), ev('b'), ev('c'), ev('c')], []);
    expect(second.duplicate).toBe(false);
    expect(second.queued.map((q) => q.kind === 'room' && q.event.eventId)).toEqual(['$c']);
    expect(store.journal.pending().map((q) => q.kind === 'room' && q.event.eventId)).toEqual(['$b', '$c']);
    store.close();
  });

  it('returns pending items in acceptance order after a reopen, with their events intact', () => {
    let store = openStore(dbPath());
    store.journal.accept('t1', [ev('a', asRoomId('!r1:x')), ev('b', asRoomId('!r2:x'))], []);
    store.journal.accept('t2', [ev('c', asRoomId('!r1:x'))], [typing]);
    const [a] = store.journal.pending();
    store.journal.complete(a.seq);
    const b = store.journal.pending()[0];
    expect(store.journal.recordFailure(b.seq, 'IRC not connected')).toBe(1);
    expect(store.journal.recordFailure(b.seq, 'IRC not connected')).toBe(2);
    store.close();

    store = openStore(dbPath());
    const pending = store.journal.pending();
    expect(pending.map((q) => (q.kind === 'room' ? q.event.eventId : q.event.type))).toEqual(['$b', '$c', 'm.typing']);
    expect(pending[0].attempts).toBe(2);
    expect(pending[0]).toEqual({ seq: b.seq, kind: 'room', event: ev('b', asRoomId('!r2:x')), attempts: 2 });
    expect(pending[2]).toEqual(expect.objectContaining({ kind: 'ephemeral', event: typing, attempts: 0 }));
    store.close();
  });

  it('keeps dead letters out of pending(), with their error, newest first', () => {
    const clock = manualClock();
    let store = openStore(dbPath(), { clock: clock.now });
    const { queued } = store.journal.accept('t1', [ev('a'), ev('b')], [typing]);
    store.journal.recordFailure(queued[0].seq, 'first try');
    clock.advance(5);
    store.journal.deadLetter(queued[0].seq, 'gave up: channel is +m');
    store.journal.deadLetter(queued[2].seq, 'x'.repeat(10_000));
    store.close();

    store = openStore(dbPath(), { clock: clock.now });
    expect(store.journal.pending().map((q) => q.seq)).toEqual([queued[1].seq]);
    const dead = store.journal.deadLetters();
    expect(dead).toHaveLength(2);
    expect(dead[1]).toEqual({
      seq: queued[0].seq, txnId: 't1', kind: 'room', eventId: '$a', roomId: room, error: 'gave up: channel is +m', attempts: 1, failedAt: clock.now(),
    });
    expect(dead[0]).not.toHaveProperty('eventId');
    expect(dead[0].error.length).toBeLessThanOrEqual(4000);
    expect(store.journal.deadLetters(1)).toHaveLength(1);
    // A dead event is still known: the homeserver resending it does not queue it again.
    expect(store.journal.accept('t2', [ev('a')], []).queued).toEqual([]);
    store.close();
  });

  it('prunes old transaction IDs and done events, keeping pending and dead ones', () => {
    const clock = manualClock();
    const store = openStore(dbPath(), { clock: clock.now });
    const old = store.journal.accept('old', [ev('a'), ev('b'), ev('c')], []).queued;
    store.journal.complete(old[0].seq);
    store.journal.deadLetter(old[1].seq, 'dead');
    clock.advance(3_600_000);
    store.journal.accept('new', [ev('d')], []);
    expect(store.journal.prune(60_000)).toBe(2); // txn "old" + done $a
    expect(store.journal.pending().map((q) => q.kind === 'room' && q.event.eventId)).toEqual(['$c', '$d']);
    expect(store.journal.deadLetters()).toHaveLength(1);
    expect(store.journal.accept('old', [ev('a')], []).duplicate).toBe(false); // both forgotten
    expect(store.journal.accept('new', [ev('d')], []).duplicate).toBe(true);
    // Dead letters go only once they are a month older than the retention asked for.
    clock.advance(31 * 24 * 3_600_000);
    expect(store.journal.prune(60_000)).toBeGreaterThanOrEqual(1);
    expect(store.journal.deadLetters()).toHaveLength(0);
    store.close();
  });

  it('refuses to act on a seq it never issued', () => {
    const store = openStore(dbPath());
    expect(() => store.journal.complete(999)).toThrow(BridgeError);
    expect(() => store.journal.recordFailure(999, 'x')).toThrow(/Queue item 999 does not exist/);
    expect(() => store.journal.deadLetter(999, 'x')).toThrow(BridgeError);
    store.close();
  });

  it('accepts atomically: a failure mid-transaction queues nothing and does not record the txnId', () => {
    const store = openStore(dbPath());
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const bad = { ...ev('b'), content: cyclic };
    expect(() => store.journal.accept('t1', [ev('a'), bad], [])).toThrow();
    expect(store.journal.pending()).toEqual([]);
    expect(store.journal.accept('t1', [ev('a')], []).duplicate).toBe(false);
    store.close();
  });
});
