import type { EphemeralEvent, MatrixEvent } from '../events';
import { asEventId, asRoomId, asUserId } from '../ids';
import { BridgeError } from '../errors/bridge-error';
import { storeBackends, type OpenedForTest } from './testing/backends';
import { manualClock } from './testing/fixtures';

const room = asRoomId('!room:example.org');
function ev(id: string, roomId = room): MatrixEvent {
  return { eventId: asEventId(`$${id}`), roomId, sender: asUserId('@alice:example.org'), type: 'm.room.message', content: { msgtype: 'm.text', body: id }, originServerTs: 1 };
}
const typing: EphemeralEvent = { type: 'm.typing', roomId: room, content: { user_ids: ['@alice:example.org'] } };

const backends = storeBackends();

describe.each(backends)('the transaction journal on $name', (backend) => {
  let current: OpenedForTest | undefined;
  const openStore = async (opts: { clock?: () => number } = {}) => { await current?.close(); current = await backend.open(opts); return current; };
  afterEach(async () => { await current?.close(); current = undefined; });

  it('queues the events of a transaction in order and reports them', async () => {
    const store = await openStore();
    const { duplicate, queued } = await store.journal.accept('t1', [ev('a'), ev('b')], [typing]);
    expect(duplicate).toBe(false);
    expect(queued.map((q) => q.kind)).toEqual(['room', 'room', 'ephemeral']);
    expect(queued[0].seq).toBeLessThan(queued[1].seq);
    expect(queued[1].seq).toBeLessThan(queued[2].seq);
    expect(await store.journal.pending()).toEqual(queued);
  });

  it('reads back the transaction recorded last, across a reopen and a counter that starts again', async () => {
    const clock = manualClock();
    let store = await openStore({ clock: clock.now });
    expect(await store.journal.lastTransactionId?.()).toBeUndefined();
    // Same millisecond: the higher number is the later one (text order would put 99 after 100).
    await store.journal.accept('99', [ev('a')], []);
    await store.journal.accept('100', [ev('b')], []);
    store = await openStore({ clock: clock.now });
    expect(await store.journal.lastTransactionId?.()).toBe('100');
    clock.advance(1);
    await store.journal.accept('1', [ev('c')], []);
    expect(await store.journal.lastTransactionId?.()).toBe('1');
  });

  it('ignores a transaction it accepted before (same ID, same events), also after a reopen', async () => {
    let store = await openStore();
    await store.journal.accept('t1', [ev('a')], [typing]);
    expect(await store.journal.accept('t1', [ev('a')], [typing])).toEqual({ duplicate: true, queued: [] });

    store = await openStore();
    expect(await store.journal.accept('t1', [ev('a')], [typing])).toEqual({ duplicate: true, queued: [] });
    expect((await store.journal.pending()).map((q) => q.kind)).toEqual(['room', 'ephemeral']);
  });

  it('takes other events under a known ID as a new transaction (Synapse on SQLite counts from 1 again after a restart)', async () => {
    let store = await openStore();
    await store.journal.accept('1', [ev('a')], []);

    store = await openStore();
    const reused = await store.journal.accept('1', [ev('b')], [typing]);
    expect(reused).toMatchObject({ duplicate: false, reusedId: true });
    expect(reused.queued.map((q) => q.kind)).toEqual(['room', 'ephemeral']);
    // The record now stands for the newer transaction: its retry is the duplicate.
    expect(await store.journal.accept('1', [ev('b')], [typing])).toEqual({ duplicate: true, queued: [] });
    // A retry of the older one (its events already known) is a duplicate: nothing new in it.
    expect(await store.journal.accept('1', [ev('a')], [])).toEqual({ duplicate: true, queued: [] });
    // Synapse's retry of a stored transaction carries no ephemeral events: still a duplicate.
    expect(await store.journal.accept('1', [ev('b')], [])).toEqual({ duplicate: true, queued: [] });
    expect((await store.journal.pending()).map((q) => (q.kind === 'room' ? q.event.eventId : q.kind))).toEqual(['$a', '$b', 'ephemeral']);
  });

  it('treats a transaction recorded before fingerprints existed as unknown: its room events still dedupe by ID', async () => {
    let store = await openStore();
    await store.journal.accept('t1', [ev('a')], []);
    await store.exec('UPDATE transactions SET fingerprint = NULL');

    store = await openStore();
    expect(await store.journal.accept('t1', [ev('a')], [])).toEqual({ duplicate: true, queued: [] });
    expect((await store.journal.accept('t1', [ev('c')], [])).queued.map((q) => q.kind === 'room' && q.event.eventId)).toEqual(['$c']);
  });

  it('skips an event_id already seen in another transaction, pending or done, and within one transaction', async () => {
    const store = await openStore();
    const first = await store.journal.accept('t1', [ev('a'), ev('b')], []);
    await store.journal.complete(first.queued[0].seq);
    const second = await store.journal.accept('t2', [ev('a'), ev('b'), ev('c'), ev('c')], []);
    expect(second.duplicate).toBe(false);
    expect(second.queued.map((q) => q.kind === 'room' && q.event.eventId)).toEqual(['$c']);
    expect((await store.journal.pending()).map((q) => q.kind === 'room' && q.event.eventId)).toEqual(['$b', '$c']);
  });

  it('returns pending items in acceptance order after a reopen, with their events intact', async () => {
    let store = await openStore();
    await store.journal.accept('t1', [ev('a', asRoomId('!r1:x')), ev('b', asRoomId('!r2:x'))], []);
    await store.journal.accept('t2', [ev('c', asRoomId('!r1:x'))], [typing]);
    const [a] = await store.journal.pending();
    await store.journal.complete(a.seq);
    const b = (await store.journal.pending())[0];
    expect(await store.journal.recordFailure(b.seq, 'IRC not connected')).toBe(1);
    expect(await store.journal.recordFailure(b.seq, 'IRC not connected')).toBe(2);

    store = await openStore();
    const pending = await store.journal.pending();
    expect(pending.map((q) => (q.kind === 'room' ? q.event.eventId : q.kind === 'ephemeral' ? q.event.type : q.kind))).toEqual(['$b', '$c', 'm.typing']);
    expect(pending[0].attempts).toBe(2);
    expect(pending[0]).toEqual({ seq: b.seq, kind: 'room', event: ev('b', asRoomId('!r2:x')), attempts: 2 });
    expect(pending[2]).toEqual(expect.objectContaining({ kind: 'ephemeral', event: typing, attempts: 0 }));
  });

  it('keeps dead letters out of pending(), with their error, newest first', async () => {
    const clock = manualClock();
    let store = await openStore({ clock: clock.now });
    const { queued } = await store.journal.accept('t1', [ev('a'), ev('b')], [typing]);
    await store.journal.recordFailure(queued[0].seq, 'first try');
    clock.advance(5);
    await store.journal.deadLetter(queued[0].seq, 'gave up: channel is +m');
    await store.journal.deadLetter(queued[2].seq, 'x'.repeat(10_000));

    store = await openStore({ clock: clock.now });
    expect((await store.journal.pending()).map((q) => q.seq)).toEqual([queued[1].seq]);
    const dead = await store.journal.deadLetters();
    expect(dead).toHaveLength(2);
    expect(dead[1]).toEqual({
      seq: queued[0].seq, txnId: 't1', kind: 'room', eventId: '$a', roomId: room, error: 'gave up: channel is +m', attempts: 1, failedAt: clock.now(),
    });
    expect(dead[0]).not.toHaveProperty('eventId');
    expect(dead[0].error.length).toBeLessThanOrEqual(4000);
    expect(await store.journal.deadLetters(1)).toHaveLength(1);
    // A dead event is still known: the homeserver resending it does not queue it again.
    expect((await store.journal.accept('t2', [ev('a')], [])).queued).toEqual([]);
  });

  it('prunes old transaction IDs and done events, keeping pending and dead ones', async () => {
    const clock = manualClock();
    const store = await openStore({ clock: clock.now });
    const old = (await store.journal.accept('old', [ev('a'), ev('b'), ev('c')], [])).queued;
    await store.journal.complete(old[0].seq);
    await store.journal.deadLetter(old[1].seq, 'dead');
    clock.advance(3_600_000);
    await store.journal.accept('new', [ev('d')], []);
    expect(await store.journal.prune(60_000)).toBe(2); // txn "old" + done $a
    expect((await store.journal.pending()).map((q) => q.kind === 'room' && q.event.eventId)).toEqual(['$c', '$d']);
    expect(await store.journal.deadLetters()).toHaveLength(1);
    expect((await store.journal.accept('old', [ev('a')], [])).duplicate).toBe(false); // both forgotten
    expect((await store.journal.accept('new', [ev('d')], [])).duplicate).toBe(true);
    // Dead letters go only once they are a month older than the retention asked for.
    clock.advance(31 * 24 * 3_600_000);
    expect(await store.journal.prune(60_000)).toBeGreaterThanOrEqual(1);
    expect(await store.journal.deadLetters()).toHaveLength(0);
  });

  it('refuses to act on a seq it never issued', async () => {
    const store = await openStore();
    await expect(store.journal.complete(999)).rejects.toThrow(BridgeError);
    await expect(store.journal.recordFailure(999, 'x')).rejects.toThrow(/Queue item 999 does not exist/);
    await expect(store.journal.deadLetter(999, 'x')).rejects.toThrow(BridgeError);
  });

  it('accepts atomically: a failure mid-transaction queues nothing and does not record the txnId', async () => {
    const store = await openStore();
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const bad = { ...ev('b'), content: cyclic };
    await expect(store.journal.accept('t1', [ev('a'), bad], [])).rejects.toThrow();
    expect(await store.journal.pending()).toEqual([]);
    expect((await store.journal.accept('t1', [ev('a')], [])).duplicate).toBe(false);
  });

  it('keeps outbox items in one sequence with Matrix events, across a reopen, until done', async () => {
    const line = (txnId: string, payload: unknown) => ({ roomKey: room, outboxKind: 'irc.line', txnId, payload });
    let store = await openStore();
    await store.journal.accept('t1', [ev('a')], []);
    const [seq1, seq2] = await store.journal.appendOutbox([line('k.1', { text: 'one' }), line('k.2', { text: 'two', n: [1, 2] })]);
    await store.journal.accept('t2', [ev('b')], []);
    store = await openStore();
    const pending = await store.journal.pending();
    expect(pending.map((p) => (p.kind === 'outbox' ? p.txnId : p.kind === 'room' ? p.event.eventId : 'eph'))).toEqual(['$a', 'k.1', 'k.2', '$b']);
    expect(pending[2]).toEqual({ seq: seq2, kind: 'outbox', roomKey: room, outboxKind: 'irc.line', txnId: 'k.2', payload: { text: 'two', n: [1, 2] }, attempts: 0 });
    // Read back one at a time (the outbox's memory bound), only while pending.
    expect(await store.journal.outboxPayload(seq2!)).toEqual({ payload: { text: 'two', n: [1, 2] } });
    expect(await store.journal.outboxPayload(pending[0]!.seq)).toBeUndefined();
    await store.journal.complete(seq1!);
    expect(await store.journal.outboxPayload(seq1!)).toBeUndefined();
    // At start only a bounded number of payloads is read; the others stay in the journal until their turn.
    const [seq3, seq4] = await store.journal.appendOutbox([line('k.3', { text: 'three' }), line('k.4', null)]);
    expect((await store.journal.pending({ outboxPayloads: 2 })).filter((p) => p.kind === 'outbox')).toEqual([
      expect.objectContaining({ seq: seq2, payload: { text: 'two', n: [1, 2] } }),
      expect.objectContaining({ seq: seq3, payload: { text: 'three' } }),
      { seq: seq4, kind: 'outbox', roomKey: room, outboxKind: 'irc.line', txnId: 'k.4', payload: undefined, payloadInJournal: true, attempts: 0 },
    ]);
    expect(await store.journal.outboxPayload(seq4!)).toEqual({ payload: null });
    await store.journal.complete(seq3!);
    await store.journal.complete(seq4!);
    expect(await store.journal.recordFailure(seq2!, 'homeserver down')).toBe(1);
    await store.journal.deadLetter(seq2!, 'gave up');
    expect((await store.journal.pending()).map((p) => p.kind)).toEqual(['room', 'room']);
    expect(await store.journal.deadLetters()).toEqual([expect.objectContaining({ seq: seq2, kind: 'outbox', txnId: 'k.2', roomId: room, error: 'gave up', attempts: 1 })]);
    // All or nothing: a payload that is not JSON fails the whole batch.
    await expect(store.journal.appendOutbox([line('k.3', 'fine'), line('k.4', undefined)])).rejects.toThrow('JSON');
    expect((await store.journal.pending()).map((p) => p.kind)).toEqual(['room', 'room']);
  });
});
