/**
 * The e2e homeserver itself: Synapse started with the bridge's registration, and test users made
 * through the shared-secret admin API can talk to each other (which also exercises the harness's
 * sync-based waits that every bridge scenario relies on).
 */
import { readE2eEnv } from './harness/env';
import { MatrixClient, registerUser } from './harness/matrix-client';
import { matrixRequest } from './harness/matrix-http';
import { senderUserId } from './harness/namespaces';

describe('e2e homeserver', () => {
  it('loaded the bridge registration: the as_token authenticates as the bridge bot', async () => {
    const env = readE2eEnv();
    const whoami = await matrixRequest<{ user_id: string }>(env.homeserver.url, 'GET', '/_matrix/client/v3/account/whoami', {
      accessToken: env.appservice.asToken,
    });
    expect(whoami.user_id).toBe(senderUserId());
  });

  it('creates users with the shared-secret admin API', async () => {
    const user = await registerUser();
    const whoami = await new MatrixClient(user).request<{ user_id: string }>('GET', '/_matrix/client/v3/account/whoami');
    expect(whoami.user_id).toBe(user.userId);
    expect(user.userId).toMatch(/^@t[0-9a-z]+:e2e\.test$/);
  });

  it('creates admin users when asked', async () => {
    const admin = await MatrixClient.register(undefined, { admin: true });
    const other = await registerUser();
    // Only server admins may read another user's account through the admin API.
    const account = await admin.request<{ name: string; admin: boolean }>('GET', `/_synapse/admin/v2/users/${encodeURIComponent(other.userId)}`);
    expect(account).toMatchObject({ name: other.userId, admin: false });
  });

  it('lets two test users invite, join and message each other', async () => {
    const alice = await MatrixClient.register();
    const bob = await MatrixClient.register();
    const roomId = await alice.createRoom({ name: 'harness check', invite: [bob.userId] });

    const invite = await bob.waitForInvite((i) => i.roomId === roomId);
    expect(invite.inviter).toBe(alice.userId);
    await bob.joinRoom(roomId);
    await alice.waitForEvent(roomId, (e) => e.type === 'm.room.member' && e.state_key === bob.userId && e.content.membership === 'join');

    const eventId = await alice.sendText(roomId, 'hello bob');
    const received = await bob.waitForMessage(roomId, 'hello bob');
    expect(received).toMatchObject({ event_id: eventId, sender: alice.userId, content: { msgtype: 'm.text' } });

    await alice.setTopic(roomId, 'a topic');
    await bob.waitForEvent(roomId, (e) => e.type === 'm.room.topic' && e.content.topic === 'a topic');
    expect(await bob.getState(roomId, 'm.room.topic')).toEqual({ topic: 'a topic' });
    expect(Object.keys(await alice.joinedMembers(roomId)).sort()).toEqual([alice.userId, bob.userId].sort());
  });

  it('waits only for events after a sync position when given one', async () => {
    const alice = await MatrixClient.register();
    const roomId = await alice.createRoom();
    await alice.sendText(roomId, 'same text');
    const before = await alice.syncPosition();
    const second = await alice.sendText(roomId, 'same text');
    const seen = await alice.waitForMessage(roomId, 'same text', 10_000, before);
    expect(seen.event_id).toBe(second);
  });

  it('sends and receives every message shape the bridge scenarios use', async () => {
    const alice = await MatrixClient.register();
    const bob = await MatrixClient.register();
    const roomId = await alice.createRoom({ preset: 'public_chat' });
    await bob.joinRoom(roomId);

    const html = await alice.sendHtml(roomId, '<b>bold</b> text');
    await expect(bob.waitForEvent(roomId, (e) => e.event_id === html)).resolves.toMatchObject({
      content: { msgtype: 'm.text', body: 'bold text', format: 'org.matrix.custom.html', formatted_body: '<b>bold</b> text' },
    });
    const emote = await alice.sendEmote(roomId, 'waves');
    await expect(bob.waitForEvent(roomId, (e) => e.event_id === emote)).resolves.toMatchObject({ content: { msgtype: 'm.emote', body: 'waves' } });
    const notice = await alice.sendNotice(roomId, 'a notice');
    await expect(bob.waitForEvent(roomId, (e) => e.event_id === notice)).resolves.toMatchObject({ content: { msgtype: 'm.notice' } });

    const reply = await bob.sendReply(roomId, html, 'a reply');
    await expect(alice.waitForEvent(roomId, (e) => e.event_id === reply)).resolves.toMatchObject({
      sender: bob.userId,
      content: { body: 'a reply', 'm.relates_to': { 'm.in_reply_to': { event_id: html } } },
    });
    const edit = await alice.sendEdit(roomId, html, 'edited');
    await expect(bob.waitForEvent(roomId, (e) => e.event_id === edit)).resolves.toMatchObject({
      content: { body: '* edited', 'm.new_content': { body: 'edited' }, 'm.relates_to': { rel_type: 'm.replace', event_id: html } },
    });
    const redaction = await alice.redact(roomId, notice, 'oops');
    await expect(bob.waitForEvent(roomId, (e) => e.type === 'm.room.redaction' && e.event_id === redaction)).resolves.toMatchObject({ sender: alice.userId });
  });

  it('uploads and downloads media, and reads and sets profiles', async () => {
    const alice = await MatrixClient.register();
    const bytes = Buffer.from('not really a png');
    const mxc = await alice.uploadMedia(bytes, 'image/png', 'pic.png');
    expect(mxc).toMatch(/^mxc:\/\/e2e\.test\//);
    const downloaded = await alice.downloadMedia(mxc);
    expect(downloaded.bytes.equals(bytes)).toBe(true);
    expect(downloaded.contentType).toBe('image/png');

    await alice.setDisplayName('Alice E2E');
    await expect(alice.getProfile(alice.userId)).resolves.toMatchObject({ displayname: 'Alice E2E' });
  });
});
