// Unit tests (in-process fakes, the core's real queues and journal) of what IRC said on its way
// into Matrix through the outbox: private messages get the outage protection channel lines have,
// and a line read before a crash is delivered after the restart with the transaction ID it got
// when it was read (so a homeserver that had taken it does not show it twice).
import { MatrixError, NetworkError } from '@bridgekit/appservice';
import { IrcError } from '../../irc/errors';
import { alice, CHANNEL, ghostOf, startHarness, type Harness } from '../../testing/harness';

let h: Harness;
afterEach(async () => {
  await h?.stop();
});

function dms() {
  return h.bridge.matrix.created.filter((c) => c.options.isDirect).map((c) => c.roomId);
}

it('holds private messages through a homeserver outage and delivers them in order, once', async () => {
  h = await startHarness();
  h.server.userJoins('Carol', CHANNEL);
  const portal = await h.portal();
  await h.matrixEvent(portal, alice, { msgtype: 'm.text', body: 'hi all' });
  h.server.userSays('Carol', 'alice[m]', 'first');
  await h.settle();
  const [dm] = dms();
  h.bridge.matrix.down = true;
  for (const text of ['during 1', 'during 2', 'during 3']) h.server.userSays('Carol', 'alice[m]', text);
  await h.advance(60_000);
  h.bridge.matrix.down = false;
  h.server.userSays('Carol', 'alice[m]', 'after');
  await h.settle();
  expect(h.bridge.matrix.messagesIn(dm!).map((e) => e.content.body)).toEqual(['first']);
  await h.advance(30_000);
  expect(h.bridge.matrix.messagesIn(dm!).map((e) => [e.sender, e.content.body])).toEqual(
    ['first', 'during 1', 'during 2', 'during 3', 'after'].map((body) => [ghostOf('Carol'), body]),
  );
  expect(h.bridge.log.lines.filter((l) => l.level === 'error')).toEqual([]);
});

it('delivers lines read before a crash after the restart, in order, each with the transaction ID it was read with', async () => {
  h = await startHarness();
  const roomId = await h.portal();
  // The homeserver stores the first attempt but its answer is lost: the bridge must retry with the same ID.
  h.bridge.matrix.loseResponses = true;
  h.server.userSays('Carol', CHANNEL, 'one');
  await h.settle();
  h.bridge.matrix.loseResponses = false;
  h.bridge.matrix.down = true;
  h.server.userSays('Carol', CHANNEL, 'two');
  h.server.userSays('Carol', CHANNEL, 'three');
  await h.settle();
  const firstTxn = h.bridge.matrix.txnAttempts.find((a) => a.roomId === roomId)!.txnId;
  expect(h.bridge.store.journal.pending().filter((p) => p.kind === 'outbox')).toHaveLength(3);

  // The process dies: nothing is stopped, the store is just closed (and the fake's loopback
  // listener, which a dead process would not hold either).
  const { dir, server } = { dir: h.bridge.dir, server: h.server };
  await h.bridge.routes.close(0);
  h.bridge.store.close();
  h = await startHarness({ dir, server });
  await h.settle();
  expect(h.bridge.matrix.messagesIn(roomId).map((e) => e.content.body)).toEqual(['one', 'two', 'three']);
  expect(h.bridge.matrix.txnAttempts.find((a) => a.roomId === roomId)!.txnId).toBe(firstTxn);
  expect(h.bridge.store.journal.pending()).toEqual([]);
});

it('dead-letters a line the homeserver refuses for good, and counts it, without holding the room', async () => {
  h = await startHarness();
  const roomId = await h.portal();
  const intent = h.bridge.matrix.intent;
  h.bridge.matrix.intent = (userId) => {
    const real = intent.call(h.bridge.matrix, userId);
    return { ...real, sendMessage: async (room, content, opts) => {
      if (content.body === 'too big') throw new MatrixError('M_TOO_LARGE', 413, 'event too large', 'PUT /send');
      return real.sendMessage(room, content, opts);
    } };
  };
  h.server.userSays('Carol', CHANNEL, 'too big');
  h.server.userSays('Carol', CHANNEL, 'fine');
  await h.settle();
  expect(h.bridge.matrix.messagesIn(roomId).map((e) => e.content.body)).toEqual(['fine']);
  expect(h.bridge.store.journal.deadLetters()).toEqual([expect.objectContaining({ kind: 'outbox', roomId, error: expect.stringContaining('M_TOO_LARGE') })]);
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
    expect(h.bridge.log.lines.filter((l) => l.message === 'Room task failed').map((l) => l.meta?.task)).toEqual(['test.irc-side']);
  });
});
