/**
 * The admin room: a direct chat with the bridge bot that takes "!" commands about the user's own
 * IRC connection. Each scenario checks both the bot's answer and what IRC users see.
 */
import { connectIrc, uniqueNick, type IrcTestClient } from './harness/irc-client';
import { BOT_NICK, ghostUserId, joinPortal, matrixUser, bridgeForThisFile, portalAlias, uniqueChannel, type MatrixTestUser } from './harness/irc-bridge';
import type { MatrixEvent, SyncPosition } from './harness/matrix-client';
import { senderUserId } from './harness/namespaces';

const bridge = bridgeForThisFile();
/** The network's name in the e2e config (harness/bridge-config.ts). */
const NETWORK_NAME = 'E2E IRC';

interface Scene {
  channel: string;
  /** An IRC user in the channel, watching. */
  irc: IrcTestClient;
  alice: MatrixTestUser;
  roomId: string;
  adminRoom: string;
}

/** Opens a DM with the bot; resolves once the bot has joined and greeted. */
async function openAdminRoom(user: MatrixTestUser): Promise<string> {
  const roomId = await user.client.createRoom({ invite: [senderUserId()], isDirect: true, preset: 'trusted_private_chat' });
  await user.client.waitForEvent(roomId, (e) => e.type === 'm.room.message' && e.sender === senderUserId() && /admin room/i.test(String(e.content.body)));
  return roomId;
}

/** Alice is connected to IRC (she spoke in a portal) and has an admin room. */
async function scene(): Promise<Scene> {
  const channel = uniqueChannel('adm');
  const irc = await connectIrc(uniqueNick('i'));
  await irc.join(channel);
  const alice = await matrixUser();
  const roomId = await joinPortal(alice.client, channel, irc);
  await alice.client.sendText(roomId, 'hi');
  await irc.waitForMessage((m) => m.nick === alice.nick && m.message === 'hi');
  const adminRoom = await openAdminRoom(alice);
  return { channel, irc, alice, roomId, adminRoom };
}

/** Sends a command and resolves with the bot's first answer matching `reply` after it. */
async function command(user: MatrixTestUser, adminRoom: string, text: string, reply: RegExp): Promise<MatrixEvent> {
  const after: SyncPosition = await user.client.syncPosition();
  await user.client.sendText(adminRoom, text);
  return user.client.waitForEvent(adminRoom, (e) => e.type === 'm.room.message' && e.sender === senderUserId() && reply.test(String(e.content.body)), 15_000, after);
}

describe('admin room', () => {
  it('opens when the user invites the bot to a DM, and !help lists the commands', async () => {
    const alice = await matrixUser();
    const adminRoom = await openAdminRoom(alice);
    const help = await command(alice, adminRoom, '!help', /!nick/);
    expect(help.content.msgtype).toBe('m.notice');
    for (const name of ['!nick', '!whois', '!reconnect', '!storepass', '!join', '!part']) expect(String(help.content.body)).toContain(name);
  });

  it('!nick changes the user’s nick on IRC, and later messages come from the new nick', async () => {
    const s = await scene();
    const wanted = uniqueNick('renamed');
    const reply = await command(s.alice, s.adminRoom, `!nick ${wanted}`, /now|nick/i);
    expect(String(reply.content.body)).toContain(`You are now ${wanted}`);
    await expect(s.irc.waitForNick((n) => n.newNick === wanted)).resolves.toMatchObject({ nick: s.alice.nick });
    await s.alice.client.sendText(s.roomId, 'under my new name');
    await expect(s.irc.waitForMessage((m) => m.message === 'under my new name')).resolves.toMatchObject({ nick: wanted });
  });

  it('!whois shows an IRC user’s mask, real name and channels', async () => {
    const s = await scene();
    const reply = await command(s.alice, s.adminRoom, `!whois ${s.irc.nick}`, new RegExp(s.irc.nick));
    const body = String(reply.content.body);
    expect(body).toContain(`${s.irc.nick}!`);
    expect(body).toContain(`(e2e ${s.irc.nick})`); // the realname connectIrc sets
    expect(body).toContain(s.channel);
  });

  it('!whois answers before the user is on IRC, and does not put them there', async () => {
    const irc = await connectIrc(uniqueNick('i'));
    const bob = await matrixUser();
    const adminRoom = await openAdminRoom(bob);
    const reply = await command(bob, adminRoom, `!whois ${irc.nick}`, new RegExp(irc.nick));
    expect(String(reply.content.body)).toContain(`${irc.nick}!`);
    const quit = await command(bob, adminRoom, '!quit', /connected/);
    expect(String(quit.content.body)).toBe(`You were not connected to ${NETWORK_NAME}.`);
  });

  it('!whois says which nick does not exist, and ngIRCd’s 401 is not logged as a refused message', async () => {
    const s = await scene();
    const ghost = uniqueNick('nobody');
    const reply = await command(s.alice, s.adminRoom, `!whois ${ghost}`, new RegExp(ghost));
    expect(String(reply.content.body)).toBe(`No such nick on ${NETWORK_NAME}: ${ghost}; check the spelling, or try again once they are online.`);
    const refusals = bridge().logTail(100_000).split('\n').filter((line) => line.includes('IRC refused a message') && line.includes(ghost));
    expect(refusals).toEqual([]);
  });

  it('!join and !listrooms name each channel with its network and the alias people join its room by', async () => {
    const s = await scene();
    const other = uniqueChannel('adm');
    const joined = await command(s.alice, s.adminRoom, `!join ${other}`, /^Joined/);
    expect(String(joined.content.body)).toBe(`Joined ${other} on ${NETWORK_NAME}. Its room is ${portalAlias(other)} (you are invited if you are not in it yet).`);
    const reply = await command(s.alice, s.adminRoom, '!listrooms', /^Your IRC channels/);
    expect(String(reply.content.body).split('\n').sort()).toEqual([
      `${other} on ${NETWORK_NAME} → ${portalAlias(other)}`,
      `${s.channel} on ${NETWORK_NAME} → ${portalAlias(s.channel)}`,
      'Your IRC channels:',
    ].sort());
  });

  it('!listrooms after !quit keeps the channels and says how to be back in them', async () => {
    const s = await scene();
    await command(s.alice, s.adminRoom, '!quit', /^Disconnected/);
    const reply = await command(s.alice, s.adminRoom, '!listrooms', /^Your IRC channels/);
    expect(String(reply.content.body).split('\n')).toEqual([
      'Your IRC channels:',
      `${s.channel} on ${NETWORK_NAME} → ${portalAlias(s.channel)}`,
      `You are not connected to ${NETWORK_NAME} right now: say !reconnect e2e to be back in its channels.`,
    ]);
  });

  it('!join of a channel name the server would refuse says why, and joins nothing', async () => {
    const s = await scene();
    const long = `#${'x'.repeat(60)}`; // ngIRCd's CHANNELLEN is 50
    const reply = await command(s.alice, s.adminRoom, `!join ${long}`, /too long/);
    expect(String(reply.content.body)).toBe(`${long} is too long for this network: channel names may be at most 50 bytes long (this one is 61).`);
    const rooms = await command(s.alice, s.adminRoom, '!listrooms', /^Your IRC channels/);
    expect(String(rooms.content.body)).not.toContain(long);
  });

  it('!nick of a nick someone has says so and what to do; a word too many shows the usage', async () => {
    const s = await scene();
    const taken = await command(s.alice, s.adminRoom, `!nick ${s.irc.nick}`, new RegExp(s.irc.nick));
    expect(String(taken.content.body)).toBe(`${s.irc.nick} is not available on ${NETWORK_NAME} (someone may be using it); choose another nick.`);
    const extra = await command(s.alice, s.adminRoom, '!username my name', /^Usage/);
    expect(String(extra.content.body)).toBe('Usage: !username <username> [network] ("name" is not a network; networks: e2e). Say !help username for details.');
  });

  it('!join with a key bridges the keyed channel both ways', async () => {
    const channel = uniqueChannel('key');
    const op = await connectIrc(uniqueNick('op'));
    await op.join(channel);
    op.mode(channel, '+k', ['sekrit']);
    await op.waitForMode((m) => m.target.toLowerCase() === channel && m.rawModes.includes('k'));
    const alice = await matrixUser();
    const adminRoom = await openAdminRoom(alice);
    const joined = await command(alice, adminRoom, `!join ${channel} sekrit`, /^Joined/);
    expect(String(joined.content.body)).toContain(portalAlias(channel));
    const invite = await alice.client.waitForInvite((i) => i.roomId !== adminRoom);
    const roomId = await alice.client.joinRoom(invite.roomId);
    await op.waitForMember(channel, BOT_NICK);
    op.say(channel, 'said behind the key');
    await expect(alice.client.waitForMessage(roomId, 'said behind the key')).resolves.toMatchObject({ sender: ghostUserId(op.nick) });
    await alice.client.sendText(roomId, 'answered from Matrix');
    await expect(op.waitForMessage((m) => m.message === 'answered from Matrix')).resolves.toMatchObject({ nick: alice.nick, target: channel });
  });

  it('!join of a keyed, invite-only or banning channel says what to do, and is no failure of the bridge', async () => {
    const op = await connectIrc(uniqueNick('op'));
    const [keyed, inviteOnly, banning] = [uniqueChannel('k'), uniqueChannel('i'), uniqueChannel('b')];
    for (const channel of [keyed, inviteOnly, banning]) await op.join(channel);
    op.mode(keyed, '+k', ['sekrit']);
    op.mode(inviteOnly, '+i');
    op.mode(banning, '+b', ['*!*@*']);
    await op.waitForMode((m) => m.target.toLowerCase() === banning && m.rawModes.includes('b'));
    const alice = await matrixUser();
    const adminRoom = await openAdminRoom(alice);
    const key = await command(alice, adminRoom, `!join ${keyed} wrong`, new RegExp(keyed));
    expect(String(key.content.body)).toBe(`${keyed} needs a key (+k): join with !join ${keyed} <key>, and check the key if you gave one.`);
    const invite = await command(alice, adminRoom, `!join ${inviteOnly}`, new RegExp(inviteOnly));
    expect(String(invite.content.body)).toBe(`${inviteOnly} is invite-only (+i): ask one of its operators to invite you, then join again.`);
    const ban = await command(alice, adminRoom, `!join ${banning}`, new RegExp(banning));
    expect(String(ban.content.body)).toBe(`You are banned from ${banning} (+b); ask one of its operators if you think this is a mistake.`);
    expect(bridge().logTail(100_000).split('\n').filter((l) => l.includes('Admin command failed') && l.includes(alice.client.userId))).toEqual([]);
  });

  it('!reconnect drops and remakes the IRC connection, back in the same channels', async () => {
    const s = await scene();
    const before = s.irc.rawLines.length;
    const reply = await command(s.alice, s.adminRoom, '!reconnect', /^Reconnected/);
    expect(String(reply.content.body)).toContain(`as ${s.alice.nick}`);
    await s.irc.waitForQuit((q) => q.nick === s.alice.nick);
    await s.irc.waitForRawLine((l) => l.startsWith(`:${s.alice.nick}!`) && / JOIN :?#/.test(l) && l.endsWith(s.channel), 15_000, before);
    await s.alice.client.sendText(s.roomId, 'back again');
    await expect(s.irc.waitForMessage((m) => m.message === 'back again')).resolves.toMatchObject({ nick: s.alice.nick });
  });

  it('!storepass stores the password, removes the message holding it from the room, and never logs it', async () => {
    const s = await scene();
    const password = `hunter2-${uniqueNick('pw')}`;
    const after = await s.alice.client.syncPosition();
    const commandId = await s.alice.client.sendText(s.adminRoom, `!storepass ${password}`);
    const reply = await s.alice.client.waitForEvent(s.adminRoom, (e) => e.sender === senderUserId() && /^Stored your password/.test(String(e.content.body)), 15_000, after);
    expect(String(reply.content.body)).not.toContain(password);
    const redaction = await s.alice.client.waitForEvent(s.adminRoom, (e) => e.type === 'm.room.redaction' && e.redacts === commandId, 15_000, after);
    expect(redaction.sender).toBe(senderUserId());
    const original = (await s.alice.client.roomTimeline(s.adminRoom)).find((e) => e.event_id === commandId);
    expect(original?.content).toEqual({});
    expect(bridge().logTail(100_000)).not.toContain(password);
  });
});
