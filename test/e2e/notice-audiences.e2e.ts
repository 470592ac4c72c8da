/**
 * Notices in a room are read by everyone in it: when the homeserver refuses the bridge, the room
 * gets a short sentence and the bridge's log gets the homeserver's diagnostics (endpoint, status,
 * errcode). Here Synapse refuses the bridge's join of an upgraded invite-only private chat.
 */
import { uniqueNick } from './harness/irc-client';
import { bridgeForThisFile, ghostUserId, matrixUser } from './harness/irc-bridge';
import { pollUntil } from './harness/wait';

const bridge = bridgeForThisFile();

describe('a notice about a homeserver refusal', () => {
  it('tells the room a sentence without path, status or errcode, and logs all three', async () => {
    const alice = await matrixUser();
    const ghost = ghostUserId(uniqueNick('gone'));
    const roomId = await alice.client.createRoom({ invite: [ghost], isDirect: true, preset: 'trusted_private_chat' });
    await alice.client.waitForMembership(roomId, ghost, 'join');
    // The chat is set up once the bridge has answered a message in it (the IRC user is not online).
    await alice.client.sendText(roomId, 'are you there?');
    await alice.client.waitForEvent(roomId, (e) => e.type === 'm.room.message' && e.content.msgtype === 'm.notice');

    // The new room is invite-only like the old one and nobody invited the ghost: Synapse refuses its join.
    const { replacement_room: newRoom } = await alice.client.request<{ replacement_room: string }>(
      'POST', `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/upgrade`, { json: { new_version: '12' } },
    );
    const notice = await alice.client.waitForEvent(roomId, (e) => e.content.msgtype === 'm.notice' && String(e.content.body).includes('upgraded'));
    const body = String(notice.content.body);
    expect(body).toContain('the bridge could not join the new room');
    expect(body).not.toMatch(/\/_matrix|POST|\{roomIdOrAlias\}/); // no path
    expect(body).not.toMatch(/\b[1-5]\d\d\b/); // no status code
    expect(body).not.toMatch(/\bM_[A-Z_]+/); // no Matrix errcode

    const line = await pollUntil(async () => bridge().logTail(400).split('\n').find((l) => l.includes('Could not join the replacement of an upgraded room')), {
      what: 'the refusal in the bridge log', timeoutMs: 10_000, detail: () => bridge().logTail(),
    });
    expect(line).toContain(newRoom);
    expect(line).toMatch(/\/_matrix\/client\/v3\/join\/\{roomIdOrAlias\} failed with 403 M_FORBIDDEN/);
  });
});
