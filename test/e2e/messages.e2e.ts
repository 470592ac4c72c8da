/**
 * Messages through the real bridge, both ways, as the people on each side see them: an IRC user
 * in a channel and a Matrix user in its portal room.
 */
import { connectIrc, uniqueNick, type IrcTestClient } from './harness/irc-client';
import { BOT_NICK, ghostUserId, joinPortal, matrixUser, bridgeForThisFile, uniqueChannel, type MatrixTestUser } from './harness/irc-bridge';
import type { MatrixEvent } from './harness/matrix-client';
import { senderUserId } from './harness/namespaces';

bridgeForThisFile();

interface BridgedChannel {
  channel: string;
  irc: IrcTestClient;
  alice: MatrixTestUser;
  roomId: string;
}

/** An IRC user in a fresh channel and a Matrix user in its portal. */
async function bridgedChannel(): Promise<BridgedChannel> {
  const channel = uniqueChannel();
  const irc = await connectIrc(uniqueNick('i'));
  await irc.join(channel);
  const alice = await matrixUser();
  const roomId = await joinPortal(alice.client, channel, irc);
  return { channel, irc, alice, roomId };
}

/** Alice speaks once so her IRC connection exists and is in the channel. */
async function aliceSpeaks(b: BridgedChannel, text = `hello ${uniqueNick('w')}`): Promise<void> {
  await b.alice.client.sendText(b.roomId, text);
  await b.irc.waitForMessage((m) => m.nick === b.alice.nick && m.message === text);
}

describe('Matrix → IRC', () => {
  it('delivers a text message from the Matrix user’s own IRC nick to the channel', async () => {
    const b = await bridgedChannel();
    await b.alice.client.sendText(b.roomId, 'hello from matrix');
    const message = await b.irc.waitForMessage((m) => m.message === 'hello from matrix');
    expect(message).toMatchObject({ type: 'privmsg', nick: b.alice.nick, target: b.channel });
  });

  it('delivers an emote as a CTCP ACTION and a notice as a NOTICE', async () => {
    const b = await bridgedChannel();
    await b.alice.client.sendEmote(b.roomId, 'waves at IRC');
    await expect(b.irc.waitForMessage((m) => m.message === 'waves at IRC')).resolves.toMatchObject({ type: 'action', nick: b.alice.nick, target: b.channel });
    await b.alice.client.sendNotice(b.roomId, 'a matrix notice');
    await expect(b.irc.waitForMessage((m) => m.message === 'a matrix notice')).resolves.toMatchObject({ type: 'notice', nick: b.alice.nick, target: b.channel });
  });

  it('turns HTML bold/italic into mIRC formatting codes', async () => {
    const b = await bridgedChannel();
    await b.alice.client.sendHtml(b.roomId, '<b>bold</b> and <i>italic</i>');
    const line = await b.irc.waitForRawLine((l) => l.includes(' PRIVMSG ') && l.includes('bold'));
    // Bold on and off around "bold", italic on before "italic" (closing it at the end is optional).
    expect(line.slice(line.indexOf(` PRIVMSG ${b.channel} :`))).toMatch(/ :\x02bold\x02 and \x1ditalic\x1d?$/);
  });

  it('shows a pill of an IRC user’s ghost as that IRC user’s nick', async () => {
    const b = await bridgedChannel();
    b.irc.say(b.channel, 'ping me');
    await b.alice.client.waitForMessage(b.roomId, 'ping me');
    const ghost = ghostUserId(b.irc.nick);
    await b.alice.client.sendHtml(b.roomId, `<a href="https://matrix.to/#/${ghost}">${b.irc.nick} (IRC)</a>: are you there?`, `${b.irc.nick} (IRC): are you there?`);
    await expect(b.irc.waitForMessage((m) => m.nick === b.alice.nick && m.message.endsWith('are you there?'))).resolves.toMatchObject({
      message: `${b.irc.nick}: are you there?`,
    });
  });

  it('splits a line longer than IRC allows into several PRIVMSGs that add up to the whole text', async () => {
    const b = await bridgedChannel();
    const words = Array.from({ length: 120 }, (_, i) => `word${i}`);
    const text = words.join(' '); // ~800 bytes: two or three IRC lines, under the paste threshold
    await b.alice.client.sendText(b.roomId, text);
    await b.irc.waitForMessage((m) => m.nick === b.alice.nick && m.message.includes('word119'));
    const lines = b.irc.receivedMessages.filter((m) => m.nick === b.alice.nick).map((m) => m.message);
    expect(lines.length).toBeGreaterThan(1);
    expect(lines.join(' ').split(/\s+/)).toEqual(words);
  });

  it('sends each line of a multi-line message as its own PRIVMSG, in order', async () => {
    const b = await bridgedChannel();
    await b.alice.client.sendText(b.roomId, 'first line\nsecond line\nthird line');
    await b.irc.waitForMessage((m) => m.message === 'third line');
    expect(b.irc.receivedMessages.filter((m) => m.nick === b.alice.nick).map((m) => m.message)).toEqual(['first line', 'second line', 'third line']);
  });

  it('shows a reply with a short quote of the message replied to', async () => {
    const b = await bridgedChannel();
    b.irc.say(b.channel, 'what time is the meeting tomorrow?');
    const question = await b.alice.client.waitForMessage(b.roomId, 'what time is the meeting tomorrow?');
    await b.alice.client.sendReply(b.roomId, question.event_id, 'ten o’clock');
    const reply = await b.irc.waitForMessage((m) => m.nick === b.alice.nick && m.message.endsWith('ten o’clock'));
    expect(reply.message).toMatch(new RegExp(`^${b.irc.nick}: ".*" <- ten o’clock$`));
    expect(reply.message).toContain('what time is the');
  });

  it('shows an edit as a correction line', async () => {
    const b = await bridgedChannel();
    const original = await b.alice.client.sendText(b.roomId, 'teh typo');
    await b.irc.waitForMessage((m) => m.message === 'teh typo');
    await b.alice.client.sendEdit(b.roomId, original, 'the typo');
    await expect(b.irc.waitForMessage((m) => m.nick === b.alice.nick && m.message !== 'teh typo')).resolves.toMatchObject({ message: '* the typo', target: b.channel });
  });

  it('keeps the order of a quick burst of messages', async () => {
    const b = await bridgedChannel();
    const texts = Array.from({ length: 15 }, (_, i) => `burst ${i}`);
    for (const text of texts) await b.alice.client.sendText(b.roomId, text);
    await b.irc.waitForMessage((m) => m.message === 'burst 14');
    expect(b.irc.receivedMessages.filter((m) => m.nick === b.alice.nick).map((m) => m.message)).toEqual(texts);
  });
});

describe('Matrix → IRC: what IRC cannot show', () => {
  it('tells the Matrix user once that reactions are not bridged, not once per reaction', async () => {
    const b = await bridgedChannel();
    const said = await b.alice.client.sendText(b.roomId, 'react to me');
    await b.irc.waitForMessage((m) => m.nick === b.alice.nick && m.message === 'react to me');
    const isReactionNotice = (e: MatrixEvent) => e.type === 'm.room.message' && e.content.msgtype === 'm.notice' && e.sender === senderUserId()
      && String(e.content.body).includes(b.alice.client.userId) && String(e.content.body).includes('Reactions are not bridged');
    const before = await b.alice.client.syncPosition();
    await b.alice.client.sendEvent(b.roomId, 'm.reaction', { 'm.relates_to': { rel_type: 'm.annotation', event_id: said, key: '👍' } });
    const notice = await b.alice.client.waitForEvent(b.roomId, isReactionNotice, 15_000, before);
    expect(notice.content['m.mentions']).toEqual({ user_ids: [b.alice.client.userId] });

    const afterFirst = await b.alice.client.syncPosition();
    await b.alice.client.sendEvent(b.roomId, 'm.reaction', { 'm.relates_to': { rel_type: 'm.annotation', event_id: said, key: '🎉' } });
    // The room's events run in order: once this line is on IRC, the second reaction was handled.
    await b.alice.client.sendText(b.roomId, 'after the reactions');
    await b.irc.waitForMessage((m) => m.nick === b.alice.nick && m.message === 'after the reactions');
    await expect(b.alice.client.waitForEvent(b.roomId, isReactionNotice, 1_500, afterFirst)).rejects.toThrow();
  });
});

describe('IRC → Matrix', () => {
  it('delivers a channel message from the IRC user’s ghost, named after their nick', async () => {
    const b = await bridgedChannel();
    b.irc.say(b.channel, 'hello from irc');
    const event = await b.alice.client.waitForMessage(b.roomId, 'hello from irc');
    expect(event.sender).toBe(ghostUserId(b.irc.nick));
    expect(event.content).toMatchObject({ msgtype: 'm.text', body: 'hello from irc' });
    const members = await b.alice.client.joinedMembers(b.roomId);
    expect(members[ghostUserId(b.irc.nick)]?.displayName).toBe(b.irc.nick);
  });

  it('delivers /me as m.emote and NOTICE as m.notice', async () => {
    const b = await bridgedChannel();
    b.irc.action(b.channel, 'dances');
    await expect(b.alice.client.waitForMessage(b.roomId, 'dances')).resolves.toMatchObject({ sender: ghostUserId(b.irc.nick), content: { msgtype: 'm.emote' } });
    b.irc.notice(b.channel, 'an irc notice');
    await expect(b.alice.client.waitForMessage(b.roomId, 'an irc notice')).resolves.toMatchObject({ sender: ghostUserId(b.irc.nick), content: { msgtype: 'm.notice' } });
  });

  it('turns mIRC bold and colours into HTML, with a plain-text body', async () => {
    const b = await bridgedChannel();
    b.irc.say(b.channel, '\x02loud\x02 and \x0304red\x03 text');
    const event = await b.alice.client.waitForMessage(b.roomId, 'loud and red text');
    expect(event.content.format).toBe('org.matrix.custom.html');
    expect(event.content.formatted_body).toContain('<b>loud</b>');
    expect(event.content.formatted_body).toMatch(/<font data-mx-color="#[0-9a-fA-F]{6}">red<\/font>/);
  });

  it('turns the nick of a Matrix user’s IRC connection into a mention of that Matrix user', async () => {
    const b = await bridgedChannel();
    await aliceSpeaks(b);
    b.irc.say(b.channel, `${b.alice.nick}: welcome aboard`);
    const event = await b.alice.client.waitForMessage(b.roomId, /welcome aboard$/);
    expect(event.content['m.mentions']).toEqual({ user_ids: [b.alice.client.userId] });
    expect(event.content.formatted_body).toContain(`https://matrix.to/#/${b.alice.client.userId}`);
  });

  it('does not echo a Matrix user’s own messages back into the room', async () => {
    const b = await bridgedChannel();
    await aliceSpeaks(b, 'said once');
    b.irc.say(b.channel, 'sentinel after the echo window');
    await b.alice.client.waitForMessage(b.roomId, 'sentinel after the echo window');
    const bodies = (await b.alice.client.roomTimeline(b.roomId)).filter((e) => e.type === 'm.room.message').map((e) => e.content.body);
    expect(bodies.filter((body) => body === 'said once')).toHaveLength(1);
  });

  it('keeps the order of a quick burst of IRC lines', async () => {
    const b = await bridgedChannel();
    const texts = Array.from({ length: 15 }, (_, i) => `irc burst ${i}`);
    for (const text of texts) b.irc.say(b.channel, text);
    await b.alice.client.waitForMessage(b.roomId, 'irc burst 14');
    expect(await b.alice.client.messageBodiesFrom(b.roomId, ghostUserId(b.irc.nick))).toEqual(texts);
  });

  it('does not bridge what the bridge bot itself is told', async () => {
    const b = await bridgedChannel();
    b.irc.say(BOT_NICK, 'psst, bot');
    b.irc.say(b.channel, 'after the whisper');
    await b.alice.client.waitForMessage(b.roomId, 'after the whisper');
    const bodies = (await b.alice.client.roomTimeline(b.roomId)).map((e) => e.content.body);
    expect(bodies).not.toContain('psst, bot');
  });
});
