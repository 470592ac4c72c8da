/**
 * IRCv3 capabilities, negotiated with CAP and used by the bridge, against a real InspIRCd:
 * server-time becomes the Matrix event's timestamp; msgid, message-tags `+draft/reply` and
 * echo-message carry replies both ways (the bridge learns the msgid of a Matrix user's line from
 * its echo, so an IRC reply to it becomes a Matrix reply).
 */
import { readE2eEnv } from './harness/env';
import { bridgeForThisFile, ghostUserId, joinPortal, matrixUser, uniqueChannel, type MatrixTestUser } from './harness/irc-bridge';
import { connectIrc, uniqueNick, type IrcTestClient } from './harness/irc-client';
import { IRC_NETWORK_ID } from './harness/namespaces';

bridgeForThisFile(() => {
  const { host, port } = readE2eEnv().ircv3;
  return { irc: { networks: { [IRC_NETWORK_ID]: { host, port, messages: { redactions: 'notice' } } } } };
});

interface Scene {
  channel: string;
  /** An IRC user whose client asked for echo-message, so it sees its own msgids. */
  carol: IrcTestClient;
  alice: MatrixTestUser;
  roomId: string;
}

async function scene(prefix: string): Promise<Scene> {
  const channel = uniqueChannel(prefix);
  const carol = await connectIrc(uniqueNick('carol'), { server: 'ircv3', echoMessage: true });
  await carol.join(channel);
  const alice = await matrixUser();
  const roomId = await joinPortal(alice.client, channel, carol);
  await alice.client.sendText(roomId, 'alice is here');
  await carol.waitForMessage((m) => m.nick === alice.nick && m.message === 'alice is here');
  return { channel, carol, alice, roomId };
}

/** Says `text` and resolves with the line as the server echoed it (msgid, time). */

it('server-time: the Matrix event of an IRC line carries the time the server stamped on it', async () => {
  const { channel, carol, alice, roomId } = await scene('time');
  const echo = await carol.sayEchoed(channel, 'what time is it');
  const event = await alice.client.waitForMessage(roomId, 'what time is it');
  expect(echo.tags.time).toBeDefined();
  expect(event.origin_server_ts).toBe(Date.parse(echo.tags.time!));
});

it('+draft/reply from IRC to an IRC line becomes a Matrix reply to its event', async () => {
  const { channel, carol, alice, roomId } = await scene('irc-reply');
  const dave = await connectIrc(uniqueNick('dave'), { server: 'ircv3' });
  await dave.join(channel);
  const original = await carol.sayEchoed(channel, 'a question from IRC');
  const originalEvent = await alice.client.waitForMessage(roomId, 'a question from IRC');
  dave.sendRaw(`@+draft/reply=${original.tags.msgid} PRIVMSG ${channel} :an answer from IRC`);
  const answer = await alice.client.waitForMessage(roomId, /an answer from IRC/);
  expect(answer.sender).toBe(ghostUserId(dave.nick));
  expect(answer.content['m.relates_to']).toEqual({ 'm.in_reply_to': { event_id: originalEvent.event_id } });
});

it('echo-message + msgid: an IRC reply to a Matrix user\'s line becomes a Matrix reply to their event', async () => {
  const { channel, carol, alice, roomId } = await scene('echo');
  const eventId = await alice.client.sendText(roomId, 'a question from Matrix');
  const heard = await carol.waitForMessage((m) => m.nick === alice.nick && m.message === 'a question from Matrix');
  expect(heard.tags.msgid).toBeDefined();
  carol.sendRaw(`@+draft/reply=${heard.tags.msgid} PRIVMSG ${channel} :carol answers`);
  const answer = await alice.client.waitForMessage(roomId, /carol answers/);
  expect(answer.content['m.relates_to']).toEqual({ 'm.in_reply_to': { event_id: eventId } });
});

it('message-tags: a Matrix reply to an IRC line reaches IRC tagged +draft/reply with that line\'s msgid', async () => {
  const { channel, carol, alice, roomId } = await scene('mx-reply');
  const original = await carol.sayEchoed(channel, 'reply to me');
  const originalEvent = await alice.client.waitForMessage(roomId, 'reply to me');
  await alice.client.sendEvent(roomId, 'm.room.message', {
    msgtype: 'm.text', body: `> <${ghostUserId(carol.nick)}> reply to me\n\nhere is my reply`,
    'm.relates_to': { 'm.in_reply_to': { event_id: originalEvent.event_id } },
  });
  const reply = await carol.waitForMessage((m) => m.nick === alice.nick && /here is my reply/.test(m.message));
  expect(reply.tags['+draft/reply']).toBe(original.tags.msgid);
  // Clients without message-tags still see what it answers, in the text.
  expect(reply.message).toContain('reply to me');
});

it('msgid: a Matrix edit reaches IRC tagged +draft/reply with the msgid of the line it corrects', async () => {
  const { channel, carol, alice, roomId } = await scene('edit');
  const original = await alice.client.sendText(roomId, 'teh answer is 42');
  const line = await carol.waitForMessage((m) => m.nick === alice.nick && m.message === 'teh answer is 42');
  expect(line.tags.msgid).toBeDefined();
  await alice.client.sendEdit(roomId, original, 'the answer is 42');
  const edit = await carol.waitForMessage((m) => m.nick === alice.nick && /the answer is 42/.test(m.message) && m.message !== line.message);
  expect(edit.message).toBe('* the answer is 42');
  expect(edit.tags['+draft/reply']).toBe(line.tags.msgid);
  expect(edit.target).toBe(channel);
});

it('msgid: a Matrix redaction\'s note on IRC is tagged +draft/reply with the deleted line\'s msgid (InspIRCd 3 has no draft/message-redaction)', async () => {
  const { carol, alice, roomId } = await scene('redact');
  const original = await alice.client.sendText(roomId, 'oops, wrong channel');
  const line = await carol.waitForMessage((m) => m.nick === alice.nick && m.message === 'oops, wrong channel');
  await alice.client.redact(roomId, original);
  const note = await carol.waitForMessage((m) => m.nick === alice.nick && m.type === 'notice' && /deleted their message/.test(m.message));
  expect(note.message).toContain('oops, wrong channel');
  expect(note.tags['+draft/reply']).toBe(line.tags.msgid);
});
