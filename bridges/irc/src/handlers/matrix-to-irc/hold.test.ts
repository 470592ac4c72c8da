// Unit tests (in-process fakes, fake clock) of Matrix messages held while the sender's IRC
// connection is down: delivered in order once it is back, given up on (with one sentence) past
// messages.hold_seconds, and left for the next start when the bridge stops meanwhile.
import { alice, startHarness, type Harness } from '../../testing/harness';

let h: Harness;
afterEach(async () => {
  await h?.stop();
});

const ircLinesOf = (nick: string) => h.server.sent.filter((l) => l.from === nick).map((l) => l.text);
const noticesTo = (...args: Parameters<Harness['noticesTo']>) => h.noticesTo(...args);
/** Events the core gave up on (dead-lettered), as the journal keeps them. */
const givenUp = () => h.store.journal.deadLetters();

/** The server goes away: every connection drops and the next `refusals` connects are refused. */
async function serverDown(refusals: number): Promise<void> {
  h.server.failNextConnects(refusals);
  h.server.dropAll();
  await h.settle();
}

describe('Matrix messages while the IRC server is down', () => {
  it('are held and said once the connection is back, in order, once each', async () => {
    h = await startHarness();
    const roomId = await h.portal();
    await h.matrixEvent(roomId, alice, { msgtype: 'm.text', body: 'before' });
    await serverDown(6);
    const held = ['one', 'two', 'three'].map((body) => h.matrixEvent(roomId, alice, { msgtype: 'm.text', body }));
    await h.settle();
    expect(ircLinesOf('alice[m]')).toEqual(['before']);
    for (let i = 0; i < 20 && ircLinesOf('alice[m]').length < 4; i++) await h.advance(30_000);
    await Promise.all(held);
    expect(ircLinesOf('alice[m]')).toEqual(['before', 'one', 'two', 'three']);
    expect(givenUp()).toEqual([]);
    expect(noticesTo(roomId, alice)).toEqual([]);
  });

  it('past messages.hold_seconds are given up on, and the sender is told in one sentence', async () => {
    h = await startHarness({ network: { messages: { hold_seconds: 120 } } });
    const roomId = await h.portal();
    await h.matrixEvent(roomId, alice, { msgtype: 'm.text', body: 'before' });
    await serverDown(1000);
    const held = h.matrixEvent(roomId, alice, { msgtype: 'm.text', body: 'lost in the outage' });
    for (let i = 0; i < 10; i++) await h.advance(30_000);
    await held;
    expect(ircLinesOf('alice[m]')).toEqual(['before']);
    expect(givenUp()).toHaveLength(1);
    expect(noticesTo(roomId, alice)).toEqual([
      `${alice}: Your message was not delivered to #chan on Test Net: the bridge could not reach Test Net for 2 minutes; send it again once it is back`,
    ]);
  });

  it('are not held at all with hold_seconds 0', async () => {
    h = await startHarness({ network: { messages: { hold_seconds: 0 } } });
    const roomId = await h.portal();
    await h.matrixEvent(roomId, alice, { msgtype: 'm.text', body: 'before' });
    await serverDown(1000);
    await h.matrixEvent(roomId, alice, { msgtype: 'm.text', body: 'not held' });
    expect(givenUp()).toHaveLength(1);
    expect(ircLinesOf('alice[m]')).toEqual(['before']);
  });

  it('stop waiting when the bridge stops, without failing: the journal keeps them and the next start says them', async () => {
    h = await startHarness();
    const roomId = await h.portal();
    await h.matrixEvent(roomId, alice, { msgtype: 'm.text', body: 'before' });
    await serverDown(1000);
    await h.matrixEvent(roomId, alice, { msgtype: 'm.text', body: 'for the next start' });
    await h.advance(5_000);
    h.server.acceptConnects();
    await h.restart();
    for (let i = 0; i < 20 && ircLinesOf('alice[m]').length < 2; i++) await h.advance(30_000);
    expect(ircLinesOf('alice[m]')).toEqual(['before', 'for the next start']);
    expect(givenUp()).toEqual([]);
    expect(noticesTo(roomId, alice)).toEqual([]);
  });
});
