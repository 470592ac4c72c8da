// Unit tests (a real Bridge on the core's test kit, the fake IRC server) of what IRC said on its
// way into Matrix through the outbox: private messages get the outage protection channel lines
// have, and a line read before a stop is delivered after the restart with the transaction ID it
// got when it was read (so a homeserver that had taken it does not show it twice). A kill -9
// between reading and sending is outbox-crash.e2e.ts, against Synapse.
import { NetworkError, type RoomId } from '@bridgekit/appservice';
import { IrcError } from '../../irc/errors';
import { alice, CHANNEL, ghostOf, startHarness, type Harness } from '../../testing/harness';

let h: Harness;
afterEach(async () => {
  await h?.stop();
});

function dms(): RoomId[] {
  return h.tb.sent.to('createRoom').filter((r) => r.status === 200 && r.body.is_direct === true).map((r) => r.response!.room_id as RoomId);
}

it('holds private messages through a homeserver outage and delivers them in order, once', async () => {
  h = await startHarness();
  h.server.userJoins('Carol', CHANNEL);
  const portal = await h.portal();
  await h.matrixEvent(portal, alice, { msgtype: 'm.text', body: 'hi all' });
  h.server.userSays('Carol', 'alice[m]', 'first');
  await h.settle();
  const [dm] = dms();
  h.tb.failNext(Infinity, { network: true }); // the homeserver is unreachable
  for (const text of ['during 1', 'during 2', 'during 3']) h.server.userSays('Carol', 'alice[m]', text);
  await h.advance(60_000);
  h.tb.clearFaults();
  h.server.userSays('Carol', 'alice[m]', 'after');
  await h.settle();
  expect(h.messagesIn(dm!).map((e) => e.content.body)).toEqual(['first']);
  await h.advance(30_000);
  expect(h.messagesIn(dm!).map((e) => [e.sender, e.content.body])).toEqual(
    ['first', 'during 1', 'during 2', 'during 3', 'after'].map((body) => [ghostOf('Carol'), body]),
  );
  expect(h.tb.logLines().filter((l) => l.level === 'error')).toEqual([]);
});

it('delivers lines read before a stop after the restart, in order, each with the transaction ID it was read with', async () => {
  h = await startHarness({ config: { shutdown: { drain_seconds: 0 } } });
  const roomId = await h.portal();
  h.server.userSays('Carol', CHANNEL, 'hello'); // her ghost is registered and in the room
  await h.settle();
  // The homeserver stores the next line but its answer is lost, then it is unreachable.
  h.tb.failNext(1, { lostResponse: true }, { endpoint: 'send' });
  h.tb.failNext(Infinity, { network: true });
  h.server.userSays('Carol', CHANNEL, 'one');
  h.server.userSays('Carol', CHANNEL, 'two');
  h.server.userSays('Carol', CHANNEL, 'three');
  await h.advance(60_000); // past the client's own retries: the lines wait in the journal
  const ones = () => h.tb.homeserver.model.room(roomId).timeline.filter((e) => e.content.body === 'one');
  expect(ones()).toHaveLength(1); // stored, its answer lost
  const pending = h.store.journal.pending().filter((p) => p.kind === 'outbox');
  expect(pending).toHaveLength(3);
  const readWith = new Map(pending.map((p) => [(p.payload as { content: { body: string } }).content.body, p.txnId]));
  expect(h.tb.sent.to('send').find((r) => r.body.body === 'one')!.params[2]).toBe(readWith.get('one'));

  // Stopped in the outage (no time to drain), started again once the homeserver is back.
  h.tb.clearFaults();
  await h.restart();
  await h.advance(60_000);
  expect(h.messagesIn(roomId).map((e) => e.content.body)).toEqual(['hello', 'one', 'two', 'three']);
  expect(ones()).toHaveLength(1); // found by its transaction ID, not sent twice
  const stored = h.tb.sent.to('send').filter((r) => r.params[0] === roomId && r.status === 200 && r.body.body !== 'hello');
  expect(stored.map((r) => [r.body.body, r.params[2]])).toEqual([['two', readWith.get('two')], ['three', readWith.get('three')]]);
  expect(h.store.journal.pending()).toEqual([]);
  // The stop waits out its in-flight bound (5 s of real time): a send was sleeping out the
  // client's backoff on the test clock, which does not move while the bridge stops.
}, 20_000);

it('dead-letters a line the homeserver refuses for good, and counts it, without holding the room', async () => {
  h = await startHarness();
  const roomId = await h.portal();
  h.tb.failNext(Infinity, { status: 413, errcode: 'M_TOO_LARGE', error: 'event too large' }, { endpoint: 'send', when: (r) => r.body.body === 'too big' });
  h.server.userSays('Carol', CHANNEL, 'too big');
  h.server.userSays('Carol', CHANNEL, 'fine');
  await h.settle();
  expect(h.messagesIn(roomId).map((e) => e.content.body)).toEqual(['fine']);
  expect(h.store.journal.deadLetters()).toEqual([expect.objectContaining({ kind: 'outbox', roomId, error: expect.stringContaining('M_TOO_LARGE') })]);
});

describe('room tasks (state sync, the core\'s inRoomOrder with retry)', () => {
  it('hold the room through a homeserver outage and run once it is back, later tasks after them', async () => {
    h = await startHarness();
    const roomId = await h.portal();
    const ran: string[] = [];
    let down = true;
    h.connector.bridge.roomTask(roomId, 'test.first', async () => {
      if (down) throw new NetworkError('unreachable', 'PUT /state', 'http://hs.test');
      ran.push('first');
    });
    h.connector.bridge.roomTask(roomId, 'test.second', async () => { ran.push('second'); });
    await h.advance(5_000);
    expect(ran).toEqual([]);
    down = false;
    await h.advance(30_000);
    expect(ran).toEqual(['first', 'second']);
  });

  it('never hold the room for an IRC-side error: the task fails at once, logged, and the room moves on', async () => {
    h = await startHarness();
    const roomId = await h.portal();
    const ran: string[] = [];
    h.connector.bridge.roomTask(roomId, 'test.irc-side', async () => { throw new IrcError('IRC_NOT_CONNECTED', 'not connected to IRC'); });
    h.connector.bridge.roomTask(roomId, 'test.next', async () => { ran.push('next'); });
    await h.settle();
    expect(ran).toEqual(['next']);
    expect(h.tb.logLines().filter((l) => l.message === 'Room task failed').map((l) => l.meta?.task)).toEqual(['test.irc-side']);
  });
});
