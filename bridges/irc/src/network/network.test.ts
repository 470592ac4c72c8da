// Unit tests of the network runtime on the in-process fakes: undeliverable messages reach the
// sender as notices, outages reconnect and rejoin without touching Matrix, limits and idling.
import { asRoomId } from '@bridgekit/appservice';
import { IrcError } from '../irc/errors';
import type { RoomId } from '@bridgekit/appservice';
import { alice, bob, BOT_NICK, CHANNEL, DOMAIN, ghostOf, startHarness, type Harness } from '../testing/harness';

let h: Harness;
afterEach(async () => {
  await h?.stop();
});

/** Notices the bot sent in the room to `userId`. */
function noticesTo(roomId: string, userId: string): string[] {
  return h.tb.sent.events(roomId as RoomId)
    .filter((e) => e.content.msgtype === 'm.notice' && (e.content['m.mentions'] as { user_ids?: string[] })?.user_ids?.includes(userId))
    .map((e) => String(e.content.body));
}

/** The direct chats the bridge created, with the request that made each. */
function createdDms() {
  return h.tb.sent.to('createRoom').filter((r) => r.status === 200 && r.body.is_direct === true).map((r) => ({ roomId: r.response!.room_id as RoomId, body: r.body }));
}

describe('undeliverable messages', () => {
  it('tells the sender when the channel refuses the join', async () => {
    h = await startHarness();
    const roomId = await h.portal();
    h.server.refuseJoin(CHANNEL, '474', 'Cannot join channel (+b)');
    await h.matrixEvent(roomId, alice, { msgtype: 'm.text', body: 'let me in' });
    expect(noticesTo(roomId, alice)).toEqual([`${alice}: Your message was not delivered to #chan on Test Net: Cannot join #chan: Cannot join channel (+b) (474).`]);
    expect(h.server.sent.filter((l) => l.from === 'alice[m]')).toEqual([]);
  });

  it('tells the sender when the server refuses the line after it was sent (+m)', async () => {
    h = await startHarness();
    const roomId = await h.portal();
    h.server.moderate(CHANNEL);
    await h.matrixEvent(roomId, alice, { msgtype: 'm.text', body: 'anyone?' });
    const [notice] = noticesTo(roomId, alice);
    expect(notice).toContain('Your message to #chan on Test Net was not delivered: the channel refused it');
    expect(notice).toContain('moderated (+m)');
  });

  // Without messages.hold_seconds; holding through an outage: handlers/matrix-to-irc/hold.test.ts.
  it('tells the sender when the connection cannot be made and hold_seconds is 0, and retries in the background', async () => {
    h = await startHarness({ network: { messages: { hold_seconds: 0 } } });
    const roomId = await h.portal();
    h.server.failNextConnects(1);
    await h.matrixEvent(roomId, alice, { msgtype: 'm.text', body: 'first' });
    expect(noticesTo(roomId, alice)).toEqual([`${alice}: Your message was not delivered to #chan on Test Net: connection refused`]);
    await h.advance(1000);
    const puppet = h.server.client('alice[m]');
    expect(puppet?.isRegistered).toBe(true);
    expect(puppet?.joinedChannels.has('#chan')).toBe(true);
    await h.matrixEvent(roomId, alice, { msgtype: 'm.text', body: 'second' });
    expect(h.server.sent.filter((l) => l.from === 'alice[m]').map((l) => l.text)).toEqual(['second']);
  });

  it('retries a refused or reset connect at once, a few times, before telling anyone (hold_seconds 0)', async () => {
    const socketError = (code: string) => new IrcError('IRC_CONNECT_FAILED', `connect ${code}`, { cause: Object.assign(new Error(`connect ${code}`), { code }) });
    h = await startHarness({ network: { messages: { hold_seconds: 0 } } });
    const roomId = await h.portal();
    h.server.failNextConnects(1, socketError('ECONNRESET'));
    h.server.failNextConnects(1, socketError('ECONNREFUSED'));
    await h.matrixEvent(roomId, alice, { msgtype: 'm.text', body: 'through' });
    expect(noticesTo(roomId, alice)).toEqual([]);
    expect(h.server.client('alice[m]')?.connects).toBe(3); // no clock advanced: no backoff waited
    expect(h.server.sent.filter((l) => l.from === 'alice[m]').map((l) => l.text)).toEqual(['through']);

    h.server.failNextConnects(4, socketError('ECONNREFUSED'));
    await h.matrixEvent(roomId, bob, { msgtype: 'm.text', body: 'later' });
    expect(noticesTo(roomId, bob)).toEqual([`${bob}: Your message was not delivered to #chan on Test Net: connect ECONNREFUSED`]);
    expect(h.server.clients.find((c) => c.options.nick === 'bob[m]')?.connects).toBe(4); // the first try and three at once; then the backoff
  });

  it('tells the sender when the connection limit is reached', async () => {
    h = await startHarness({ network: { puppets: { max_connections: 1 } } });
    const roomId = await h.portal();
    await h.matrixEvent(roomId, alice, { msgtype: 'm.text', body: 'I fit' });
    await h.matrixEvent(roomId, bob, { msgtype: 'm.text', body: 'I do not' });
    expect(noticesTo(roomId, bob)[0]).toContain('already has 1 Matrix users connected to Test Net, its limit');
    expect(h.server.sent.map((l) => l.text)).toEqual(['I fit']);
  });

  it('tells the sender when a private chat partner is gone', async () => {
    h = await startHarness();
    const roomId = await h.portal();
    await h.matrixEvent(roomId, alice, { msgtype: 'm.text', body: 'hi' });
    h.server.userSays('Carol', 'alice[m]', 'psst');
    await h.settle();
    const dm = createdDms()[0]!.roomId;
    await h.matrixEvent(dm, alice, { msgtype: 'm.text', body: 'are you there?' });
    const notices = h.tb.sent.events(dm).filter((e) => e.content.msgtype === 'm.notice');
    expect(notices.map((e) => e.sender)).toEqual([ghostOf('Carol')]);
    expect(notices.map((e) => e.content.body)).toEqual([
      `${alice}: Your message to Carol on Test Net was not delivered: there is no one called that on IRC right now (No such nick/channel).`,
    ]);
  });

  it('never posts a notice for a flood of lines it delivered', async () => {
    h = await startHarness();
    const roomId = await h.portal();
    for (let i = 0; i < 20; i++) await h.matrixEvent(roomId, alice, { msgtype: 'm.text', body: `msg ${i}` });
    expect(noticesTo(roomId, alice)).toEqual([]);
    expect(h.server.sent.filter((l) => l.from === 'alice[m]')).toHaveLength(20);
  });
});

describe('reconnects', () => {
  it('reconnects the bot and every puppet after an outage, rejoins silently and never touches Matrix memberships', async () => {
    h = await startHarness();
    const roomId = await h.portal();
    await h.matrixEvent(roomId, alice, { msgtype: 'm.text', body: 'before' });
    const sentBefore = h.tb.sent.events().length;
    const membershipsBefore = h.tb.sent.memberships().length;
    h.server.dropAll();
    await h.settle();
    expect(h.server.client(BOT_NICK)).toBeUndefined();
    await h.advance(1000);
    const bot = h.server.client(BOT_NICK)!;
    const puppet = h.server.client('alice[m]')!;
    expect([bot.connects, puppet.connects]).toEqual([2, 2]);
    expect(bot.joinedChannels.has('#chan')).toBe(true);
    expect(puppet.joinedChannels.has('#chan')).toBe(true);
    expect(h.tb.sent.memberships().slice(membershipsBefore)).toEqual([]);
    expect(h.tb.sent.events().length).toBe(sentBefore);
    h.server.userSays('Carol', CHANNEL, 'welcome back');
    await h.settle();
    expect(h.messagesIn(roomId).map((e) => e.content.body)).toEqual(['welcome back']);
  });

  it('backs off exponentially while the server stays down', async () => {
    h = await startHarness();
    h.server.dropAll();
    h.server.failNextConnects(3);
    await h.settle();
    const bot = h.server.clients[0]!;
    await h.advance(1000); // attempt 2 fails (first retry after 1 s)
    await h.advance(2000); // attempt 3 fails
    await h.advance(3999); // the next waits 4 s
    expect([bot.connects, bot.isRegistered]).toEqual([3, false]);
    await h.advance(1);
    expect(bot.connects).toBe(4);
    await h.advance(8000);
    expect([bot.connects, bot.isRegistered]).toEqual([5, true]);
  });

  /** The server stops listening; the bot and alice's puppet back off to a 16 s delay; then it listens again. */
  async function outageWithBackoffs(error: IrcError): Promise<void> {
    h = await startHarness({ network: { messages: { hold_seconds: 0 } } });
    const roomId = await h.portal();
    await h.matrixEvent(roomId, alice, { msgtype: 'm.text', body: 'before' });
    h.server.failNextConnects(1000, error);
    h.server.dropAll();
    await h.settle();
    for (const ms of [1000, 2000, 4000, 8000]) await h.advance(ms);
    expect(h.server.client(BOT_NICK)?.isRegistered).toBeFalsy();
    h.server.acceptConnects();
    // Bob's first message connects a new puppet at once, while the others still wait out 16 s.
    await h.matrixEvent(roomId, bob, { msgtype: 'm.text', body: 'hello' });
    expect(h.server.client('bob[m]')?.isRegistered).toBe(true);
  }

  it('brings every connection waiting out a backoff back as soon as one registers after the server was unreachable', async () => {
    await outageWithBackoffs(new IrcError('IRC_CONNECT_FAILED', 'connect ECONNREFUSED', { cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }) }));
    await h.settle();
    expect(h.server.client(BOT_NICK)?.isRegistered).toBe(true);
    expect(h.server.client('alice[m]')?.isRegistered).toBe(true);
    expect(h.server.client('alice[m]')?.joinedChannels.has('#chan')).toBe(true);
  });

  it('keeps the backoff of connections the server refused while it was listening', async () => {
    await outageWithBackoffs(new IrcError('IRC_CONNECT_FAILED', 'closed before registration: too many connections from your host'));
    await h.settle();
    expect(h.server.client(BOT_NICK)?.isRegistered).toBeFalsy();
    await h.advance(16_000);
    expect(h.server.client(BOT_NICK)?.isRegistered).toBe(true);
    expect(h.server.client('alice[m]')?.isRegistered).toBe(true);
  });

  it('does not retry refusals that cannot succeed (bad password) and says so in the log', async () => {
    h = await startHarness();
    h.server.dropAll();
    h.server.failNextConnects(1, new IrcError('IRC_BAD_PASSWORD', 'wrong server password'));
    await h.advance(1000);
    await h.advance(60_000);
    expect(h.server.clients[0]!.connects).toBe(2);
    expect(h.tb.logLines().some((l) => l.message === 'IRC connection refused; not retrying')).toBe(true);
  });

  it('disconnects idle puppets without leaving Matrix rooms, and reconnects them on the next message', async () => {
    h = await startHarness({ network: { puppets: { idle_timeout_seconds: 60 } } });
    const roomId = await h.portal();
    await h.matrixEvent(roomId, alice, { msgtype: 'm.text', body: 'hi' });
    const membershipsBefore = h.tb.sent.memberships().length;
    await h.advance(61_000);
    expect(h.server.client('alice[m]')).toBeUndefined();
    expect(h.tb.sent.memberships().slice(membershipsBefore)).toEqual([]);
    await h.matrixEvent(roomId, alice, { msgtype: 'm.text', body: 'back' });
    expect(h.server.client('alice[m]')?.joinedChannels.has('#chan')).toBe(true);
    expect(h.server.sent.filter((l) => l.from === 'alice[m]').map((l) => l.text)).toEqual(['hi', 'back']);
  });
});

describe('private chats', () => {
  it('opens a DM room from the ghost for an IRC PM and keeps later lines in order in it', async () => {
    h = await startHarness();
    const roomId = await h.portal();
    await h.matrixEvent(roomId, alice, { msgtype: 'm.text', body: 'hi all' });
    for (let i = 0; i < 5; i++) h.server.userSays('Carol', 'alice[m]', `pm ${i}`);
    await h.settle();
    const dms = createdDms();
    expect(dms).toHaveLength(1);
    expect(dms[0]!.body).toMatchObject({ invite: [alice], preset: 'trusted_private_chat' });
    expect(h.messagesIn(dms[0]!.roomId).map((e) => e.content.body)).toEqual(['pm 0', 'pm 1', 'pm 2', 'pm 3', 'pm 4']);
    await h.matrixEvent(dms[0]!.roomId, alice, { msgtype: 'm.text', body: 'hello Carol' });
    expect(h.server.sent.at(-1)).toEqual({ from: 'alice[m]', kind: 'say', target: 'Carol', text: 'hello Carol' });
  });

  it('turns a Matrix invite of a ghost into a private chat', async () => {
    h = await startHarness();
    h.server.userJoins('Carol', '#x');
    const dm = 'dm-room';
    const roomId = `!${dm}:hs.test` as never;
    const ghost = '@_irc_net__carol:hs.test';
    await h.matrixEvent(roomId, bob, { membership: 'invite', is_direct: true }, 'm.room.member', { stateKey: ghost });
    expect(h.tb.sent.memberships(roomId)).toContainEqual(expect.objectContaining({ action: 'join', userId: ghost }));
    h.server.factory({ host: 'irc.test', port: 6667, nick: 'Carol' as never, username: 'carol', realname: 'Carol' }).connect();
    await h.matrixEvent(roomId, bob, { msgtype: 'm.text', body: 'hi Carol' });
    expect(h.server.sent.at(-1)).toEqual({ from: 'bob[m]', kind: 'say', target: 'Carol', text: 'hi Carol' });
    await h.matrixEvent(roomId, alice, { msgtype: 'm.text', body: 'me too' });
    expect(noticesTo(roomId, alice)[0]).toContain(`this room is ${bob}'s private chat with Carol`);
  });
});

describe('joining a portal', () => {
  it("connects the user's puppet and joins the channel when they join the room, with their display name", async () => {
    h = await startHarness();
    const roomId = await h.portal();
    await h.matrixEvent(roomId, alice, { membership: 'join', displayname: 'Alice L' }, 'm.room.member', { stateKey: alice });
    expect(h.server.client('Alice_L[m]')?.joinedChannels.has('#chan')).toBe(true);
    // A later profile change is not a second join.
    await h.matrixEvent(roomId, alice, { membership: 'join', displayname: 'Other' }, 'm.room.member', { stateKey: alice, unsigned: { prev_content: { membership: 'join' } } });
    expect(h.server.clients).toHaveLength(2);
  });

  it('does not hold up the room while the puppet connects', async () => {
    h = await startHarness();
    const roomId = await h.portal();
    const release = h.server.holdConnects();
    await h.matrixEvent(roomId, alice, { membership: 'join' }, 'm.room.member', { stateKey: alice });
    await h.matrixEvent(roomId, bob, { membership: 'join' }, 'm.room.member', { stateKey: bob }); // the room's next event ran
    expect(h.server.client('alice[m]')?.joinedChannels.has('#chan') ?? false).toBe(false);
    release();
    await h.settle();
    expect(h.server.client('alice[m]')?.joinedChannels.has('#chan')).toBe(true);
    expect(h.server.client('bob[m]')?.joinedChannels.has('#chan')).toBe(true);
  });

  it('tells the user when the channel will not have them', async () => {
    h = await startHarness();
    const roomId = await h.portal();
    h.server.refuseJoin(CHANNEL, '473', 'Cannot join channel (+i)');
    await h.matrixEvent(roomId, alice, { membership: 'join' }, 'm.room.member', { stateKey: alice });
    expect(noticesTo(roomId, alice)).toEqual([`${alice}: Your IRC connection could not join #chan on Test Net: Cannot join #chan: Cannot join channel (+i) (473).`]);
  });
});

describe('shutdown', () => {
  it('logs and counts a connection that does not close cleanly, and still closes the others', async () => {
    h = await startHarness();
    const roomId = await h.portal();
    await h.matrixEvent(roomId, alice, { msgtype: 'm.text', body: 'hi' });
    const bot = h.server.client(BOT_NICK)!;
    const puppet = h.server.client('alice[m]')!;
    bot.quit = async () => { throw new Error('socket already gone'); };
    await h.stop();
    expect(puppet.isRegistered).toBe(false);
    expect(h.tb.logLines()).toContainEqual(expect.objectContaining({ level: 'warn', message: 'The bridge bot\'s IRC connection did not close cleanly', meta: expect.objectContaining({ error: 'socket already gone' }) }));
    const failures = await h.tb.bridge.metrics.registry.getSingleMetric('bridgekit_irc_shutdown_failures_total')!.get();
    expect(failures.values).toEqual([expect.objectContaining({ value: 1, labels: { network: 'net', kind: 'bot' } })]);
  });
});

describe('a stored password that cannot be used', () => {
  it('is told to the user in their admin room', async () => {
    h = await startHarness();
    const roomId = await h.portal();
    const adminRoom = asRoomId(`!admin:${DOMAIN}`);
    await h.matrixEvent(adminRoom, alice, { membership: 'invite', is_direct: true }, 'm.room.member', { stateKey: `@ircbot:${DOMAIN}` });
    await h.matrixEvent(adminRoom, alice, { msgtype: 'm.text', body: '!storepass hunter2' });
    h.store.db.prepare("UPDATE irc_stored_passwords SET account = 'someone-else'").run();
    // The bridge reads accounts from memory (loaded at start, as after a restart): read the tampered row.
    await h.connector.accounts!.load();
    await h.matrixEvent(roomId, alice, { msgtype: 'm.text', body: 'hi' });
    expect(h.server.client('alice[m]')?.isRegistered).toBe(true);
    expect(noticesTo(adminRoom, alice)).toEqual([expect.stringContaining('Your stored IRC password for Test Net could not be used, so you are connected without it.')]);
  });
});
