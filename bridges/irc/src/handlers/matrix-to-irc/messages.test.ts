// Unit tests (in-process fakes) of Matrix messages → IRC: what happens to a message that shows
// nothing, and what a reply to a reply quotes.
import type { RoomId, UserId } from '@bridgekit/appservice';
import type { IrcChannel, NetworkId } from '../../mapping/ids';
import { alice, bob, CHANNEL, NETWORK, startHarness, type Harness } from '../../testing/harness';
import { EMPTY_MESSAGE } from './messages';

let h: Harness;
afterEach(async () => {
  await h?.stop();
});

const ircLinesOf = (nick: string) => h.server.linesFrom(nick);
const noticesTo = (roomId: RoomId, userId: UserId) => h.noticesTo(roomId, userId);

describe('a Matrix message that shows nothing on IRC', () => {
  it.each<[string, Record<string, unknown>]>([
    ['spaces', { msgtype: 'm.text', body: '   ' }],
    ['line breaks', { msgtype: 'm.text', body: '\n\n' }],
    ['a no-break space', { msgtype: 'm.text', body: '\u00a0' }],
    ['zero-width characters', { msgtype: 'm.text', body: '\u200b\u200c\u200d' }],
    ['a BOM and a word joiner in an emote', { msgtype: 'm.emote', body: '\ufeff\u2060' }],
    ['HTML with only a non-breaking space', { msgtype: 'm.text', body: '\u00a0', format: 'org.matrix.custom.html', formatted_body: '<p>&nbsp;</p>' }],
  ])('%s: nothing reaches IRC and the sender is told', async (_what, content) => {
    h = await startHarness();
    const roomId = await h.portal();
    await h.matrixEvent(roomId, alice, { msgtype: 'm.text', body: 'hello' });
    await h.matrixEvent(roomId, alice, content);
    await h.settle();
    expect(ircLinesOf('alice[m]')).toEqual(['hello']);
    expect(noticesTo(roomId, alice)).toEqual([`${alice}: ${EMPTY_MESSAGE}`]);
  });

  it('tells the sender once when the room is linked to several channels', async () => {
    h = await startHarness();
    const roomId = await h.portal();
    const rt = h.connector.bridge;
    rt.portals.linkChannel(roomId, rt.network(NETWORK as NetworkId)!, '#second' as IrcChannel, { origin: 'provisioning' });
    expect(rt.portals.channelsOfRoom(roomId)).toHaveLength(2);
    await h.matrixEvent(roomId, alice, { msgtype: 'm.text', body: ' \u200b ' });
    await h.settle();
    expect(h.server.sent.filter((l) => l.from === 'alice[m]')).toEqual([]);
    expect(noticesTo(roomId, alice)).toEqual([`${alice}: ${EMPTY_MESSAGE}`]);
  });
  // Blank lines inside a visible message: format/split.test.ts (the connection splits there).
});

describe('a reply to a reply', () => {
  it('quotes what the first reply said, not its IRC rendering with the quote and template', async () => {
    h = await startHarness();
    const roomId = await h.portal();
    h.server.userSays('Carol', CHANNEL, 'hello everyone');
    await h.settle();
    const question = h.messagesIn(roomId)[0]!;
    const first = await h.matrixEvent(roomId, alice, {
      msgtype: 'm.text', body: '> <@_irc_net_Carol:hs> hello everyone\n\nthis is the answer',
      format: 'org.matrix.custom.html', formatted_body: '<mx-reply><blockquote>hello everyone</blockquote></mx-reply>this is the answer',
      'm.relates_to': { 'm.in_reply_to': { event_id: question.eventId } },
    });
    await h.matrixEvent(roomId, bob, {
      msgtype: 'm.text', body: `> <${alice}> this is the answer\n\nagreed`,
      'm.relates_to': { 'm.in_reply_to': { event_id: first.eventId } },
    });
    await h.settle();
    expect(ircLinesOf('alice[m]')).toEqual(['Carol: "hello everyone" <- this is the answer']);
    expect(ircLinesOf('bob[m]')).toEqual(['alice[m]: "this is the answer" <- agreed']);
  });
});

describe('typed events through the core', () => {
  it('a message delivered to one of two channels is not retried: the failure is final and the sender told once', async () => {
    h = await startHarness();
    const roomId = await h.portal();
    const rt = h.connector.bridge;
    h.server.refuseJoin('#second');
    rt.portals.linkChannel(roomId, rt.network(NETWORK as NetworkId)!, '#second' as IrcChannel, { origin: 'provisioning' });
    const { eventId } = await h.matrixEvent(roomId, alice, { msgtype: 'm.text', body: 'hello both' });
    expect(ircLinesOf('alice[m]')).toEqual(['hello both']);
    expect(noticesTo(roomId, alice)).toEqual([expect.stringMatching(/^@alice:hs.*not delivered to #second on Test Net/)]);
    // Final at once: the core dead-lettered it without a second attempt (the line above was sent once).
    expect(h.store.journal.deadLetters()).toEqual([expect.objectContaining({ eventId, attempts: 1 })]);
  });

  it('an edit reaches IRC through the edit capability', async () => {
    h = await startHarness();
    const roomId = await h.portal();
    const first = await h.matrixEvent(roomId, alice, { msgtype: 'm.text', body: 'helo' });
    await h.matrixEvent(roomId, alice, {
      msgtype: 'm.text', body: '* hello', 'm.new_content': { msgtype: 'm.text', body: 'hello' }, 'm.relates_to': { rel_type: 'm.replace', event_id: first.eventId },
    });
    expect(ircLinesOf('alice[m]')).toEqual(['helo', '* hello']);
  });

  it('a reaction is not bridged: the core tells the sender once per room, not per reaction', async () => {
    h = await startHarness();
    const roomId = await h.portal();
    const first = await h.matrixEvent(roomId, alice, { msgtype: 'm.text', body: 'hello' });
    for (const key of ['👍', '🎉']) {
      await h.matrixEvent(roomId, alice, { 'm.relates_to': { rel_type: 'm.annotation', event_id: first.eventId, key } }, 'm.reaction');
    }
    expect(ircLinesOf('alice[m]')).toEqual(['hello']);
    expect(noticesTo(roomId, alice)).toEqual([`${alice}: Reactions are not bridged, so the other side did not see yours.`]);
  });
});
