/**
 * Message shapes found in real use, through the real bridge between Synapse and ngIRCd: which
 * words become pills, how inline code and strikethrough look in an IRC client, and what happens
 * to a Matrix message that shows nothing.
 */
import { connectIrc, uniqueNick, type IrcTestClient } from './harness/irc-client';
import { bridgeForThisFile, ghostUserId, joinPortal, matrixUser, uniqueChannel, type MatrixTestUser } from './harness/irc-bridge';

bridgeForThisFile();

/** The bridge's notice when nothing was sent (handlers/matrix-to-irc/messages.ts). */
const NOTHING_SENT = /Nothing was sent to IRC: the message was empty\.$/;

interface Scene {
  channel: string;
  irc: IrcTestClient;
  alice: MatrixTestUser;
  roomId: string;
}

async function scene(): Promise<Scene> {
  const channel = uniqueChannel('shape');
  const irc = await connectIrc(uniqueNick('i'));
  await irc.join(channel);
  const alice = await matrixUser();
  const roomId = await joinPortal(alice.client, channel, irc);
  return { channel, irc, alice, roomId };
}

/** The text of alice's PRIVMSGs to the channel as the IRC client received them, codes included. */
function privmsgsOf(s: Scene): string[] {
  const marker = ` PRIVMSG ${s.channel} :`;
  return s.irc.rawLines.filter((l) => l.startsWith(`:${s.alice.nick}!`) && l.includes(marker)).map((l) => l.slice(l.indexOf(marker) + marker.length));
}

describe('pills from IRC', () => {
  it('pills a short nick only when addressed at the start, and never the speaker', async () => {
    const s = await scene();
    // Someone on IRC is really called "the"; one connection per run of this file, so the nick is free.
    const the = await connectIrc('the');
    await the.join(s.channel);
    await s.irc.waitForMember(s.channel, 'the');

    s.irc.say(s.channel, 'the quick brown fox jumps over the lazy dog');
    const sentence = await s.alice.client.waitForMessage(s.roomId, 'the quick brown fox jumps over the lazy dog');
    expect(sentence.content['m.mentions']).toEqual({});
    expect(sentence.content.formatted_body).toBeUndefined();

    s.irc.say(s.channel, `${s.irc.nick} here, talking about myself`);
    const self = await s.alice.client.waitForMessage(s.roomId, `${s.irc.nick} here, talking about myself`);
    expect(self.content['m.mentions']).toEqual({});

    s.irc.say(s.channel, 'the: are you a word or a person?');
    const addressed = await s.alice.client.waitForMessage(s.roomId, 'the: are you a word or a person?');
    expect(addressed.content['m.mentions']).toEqual({ user_ids: [ghostUserId('the')] });
    expect(addressed.content.formatted_body).toBe(`<a href="https://matrix.to/#/${ghostUserId('the')}">the</a>: are you a word or a person?`);
    await the.quit();
  });
});

describe('Matrix formatting on IRC', () => {
  it('shows inline code as `backticks` and strikethrough as ~~tildes~~, with no control codes', async () => {
    const s = await scene();
    await s.alice.client.sendHtml(s.roomId, 'run <code>make test</code>, not <del>make check</del>', 'run `make test`, not ~~make check~~');
    await s.irc.waitForMessage((m) => m.nick === s.alice.nick && m.message.startsWith('run '));
    expect(privmsgsOf(s)).toEqual(['run `make test`, not ~~make check~~']);
  });
});

describe('a Matrix message that shows nothing', () => {
  it('sends nothing to IRC and tells the sender, for spaces, NBSP and zero-width characters alike', async () => {
    const s = await scene();
    await s.alice.client.sendText(s.roomId, 'first');
    await s.irc.waitForMessage((m) => m.nick === s.alice.nick && m.message === 'first');
    for (const blank of ['   ', '\n\n', '\u00a0', '\u200b\u2060']) {
      const before = await s.alice.client.syncPosition();
      await s.alice.client.sendText(s.roomId, blank);
      const notice = await s.alice.client.waitForMessage(s.roomId, NOTHING_SENT, undefined, before);
      expect(notice.content).toMatchObject({ msgtype: 'm.notice', 'm.mentions': { user_ids: [s.alice.client.userId] } });
    }
    // A line after the blanks: it arrives, and nothing arrived between.
    await s.alice.client.sendText(s.roomId, 'last');
    await s.irc.waitForMessage((m) => m.nick === s.alice.nick && m.message === 'last');
    expect(privmsgsOf(s)).toEqual(['first', 'last']);
  });
});
