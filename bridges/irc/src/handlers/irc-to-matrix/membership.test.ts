// Unit tests (in-process fakes) of IRC membership → ghosts in the portal room: the three
// membership_sync modes, reasons, netsplits, pacing and bounds, nick renames, kicks of the bot
// and of Matrix users' puppets, and that idle disconnects never touch Matrix memberships.
import { asUserId, type RoomId, type UserId } from '@bridgekit/appservice';
import type { SentMembership } from '@bridgekit/appservice/testing';
import { alice, BOT, BOT_NICK, CHANNEL, ghostOf, startHarness, type Harness } from '../../testing/harness';

let h: Harness;
afterEach(async () => {
  await h?.stop();
});

/** Every membership change the bridge made on the homeserver, in order. */
const memberLog = () => h.tb.sent.memberships();
const profileOf = (userId: UserId) => h.tb.homeserver.model.profiles.get(userId);

/** Membership changes of ghosts in the room, as "<membership> <nick> [by] [reason]" lines. */
function ghostChanges(roomId: RoomId): string[] {
  return h.tb.sent.memberships(roomId).filter((c) => c.userId.startsWith('@_irc_')).map(describeChange);
}

function describeChange(c: SentMembership): string {
  const who = c.userId.replace(/^@_irc_net_|:hs\.test$/g, '');
  return [c.action, who, c.by !== c.userId ? `by ${c.by}` : '', c.reason ?? ''].filter(Boolean).join(' ');
}

function joinedGhosts(roomId: RoomId): string[] {
  return h.tb.homeserver.model.room(roomId).joinedMembers().filter((u) => u.startsWith('@_irc_')).sort();
}

describe('membership_sync: all', () => {
  it('syncs NAMES when the bot joins, then mirrors JOIN, PART, QUIT and KICK with their reasons', async () => {
    h = await startHarness({ network: { membership_sync: 'all' } });
    h.server.userJoins('carol', CHANNEL);
    h.server.userJoins('dave', CHANNEL);
    const roomId = await h.portal();
    expect(joinedGhosts(roomId)).toEqual([ghostOf('carol'), ghostOf('dave')]);
    h.server.userJoins('erin', CHANNEL);
    h.server.userParts('dave', CHANNEL, 'see you');
    h.server.userQuits('carol', 'gone fishing');
    await h.settle();
    h.server.kick('erin', CHANNEL, 'erin', 'self-kick');
    await h.settle();
    expect(ghostChanges(roomId)).toEqual([
      'join carol', 'join dave', 'join erin',
      'leave dave see you',
      'leave carol Quit: gone fishing',
      `kick erin by ${BOT} Kicked by erin on IRC: self-kick`,
    ]);
    expect(joinedGhosts(roomId)).toEqual([]);
  });

  it('never gives the bot or Matrix users\' puppets a ghost', async () => {
    h = await startHarness({ network: { membership_sync: 'all' } });
    const roomId = await h.portal();
    await h.matrixEvent(roomId, alice, { msgtype: 'm.text', body: 'hi' });
    h.server.userJoins('carol', CHANNEL);
    await h.settle();
    expect(joinedGhosts(roomId)).toEqual([ghostOf('carol')]);
  });

  it('reconciles after the bot was away: ghosts of people who left meanwhile leave, newcomers join', async () => {
    h = await startHarness({ network: { membership_sync: 'all' } });
    h.server.userJoins('carol', CHANNEL);
    const roomId = await h.portal();
    const bot = h.server.client(BOT_NICK)!;
    bot.drop();
    await h.settle();
    expect(ghostChanges(roomId)).toEqual(['join carol']); // a disconnect changes nothing in Matrix
    h.server.userQuits('carol', 'bye'); // unseen: the bot is away
    h.server.userJoins('dave', CHANNEL);
    h.connector.bridge.ghostSync.presence.forget(roomId); // as after a restart
    await h.advance(1000);
    expect(ghostChanges(roomId)).toEqual(['join carol', 'join dave']); // carol's leave waits for the grace (below)
    await h.advance(60_000);
    expect(ghostChanges(roomId)).toEqual(['join carol', 'join dave', 'leave carol Not in #chan on IRC any more']);
  });
});

describe('the bot\'s own reconnect (the IRC server restarted)', () => {
  it('holds the leaves its NAMES asks for: who JOINs within the grace never left, who does not leaves once after it', async () => {
    h = await startHarness({ network: { membership_sync: 'all', netsplit_grace_seconds: 30 } });
    h.server.userJoins('carol', CHANNEL);
    h.server.userJoins('dave', CHANNEL);
    const roomId = await h.portal();
    h.server.dropAll();
    h.server.userQuits('carol', 'restart'); // their clients are gone with the server, unseen by the bot
    h.server.userQuits('dave', 'restart');
    await h.advance(1000); // the bot is back first: its NAMES lists neither
    expect(ghostChanges(roomId)).toEqual(['join carol', 'join dave']);
    await h.advance(5000);
    h.server.userJoins('carol', CHANNEL); // her client reconnects within the grace
    await h.advance(23_000);
    expect(ghostChanges(roomId)).toEqual(['join carol', 'join dave']);
    await h.advance(2000); // past the grace, counted from the NAMES
    expect(ghostChanges(roomId)).toEqual(['join carol', 'join dave', 'leave dave Not in #chan on IRC any more']);
    await h.advance(60_000);
    expect(ghostChanges(roomId)).toHaveLength(3); // once
    expect(joinedGhosts(roomId)).toEqual([ghostOf('carol')]);
  });

  it('still syncs the first NAMES of a bridge process at once: who left while the bridge was down leaves', async () => {
    h = await startHarness({ network: { membership_sync: 'all', netsplit_grace_seconds: 30 } });
    h.server.userJoins('carol', CHANNEL);
    h.server.userJoins('dave', CHANNEL);
    const roomId = await h.portal();
    h.server.failNextConnects(1);
    await h.restart(); // the new process cannot connect yet
    h.server.userQuits('carol', 'bye'); // unseen: no bot on IRC
    h.server.acceptConnects();
    await h.advance(1000);
    await h.advance(1000); // the one leave goes out well within the grace
    expect(ghostChanges(roomId)).toEqual(['join carol', 'join dave', 'leave carol Not in #chan on IRC any more']);
  });

  it('syncs at once when the bot rejoins on reconnect a channel it had been kicked from (it knew nothing of it since)', async () => {
    h = await startHarness({ network: { membership_sync: 'all', netsplit_grace_seconds: 30 } });
    h.server.userJoins('carol', CHANNEL);
    const roomId = await h.portal();
    h.server.kick('op', CHANNEL, BOT_NICK, 'out');
    await h.settle();
    h.server.userQuits('carol', 'bye'); // unseen: the bot is out of the channel
    h.server.client(BOT_NICK)!.drop();
    await h.advance(1000);
    await h.advance(1000);
    expect(ghostChanges(roomId)).toEqual(['join carol', 'leave carol Not in #chan on IRC any more']);
  });

  it('forgets held leaves on shutdown: nothing is mirrored for them', async () => {
    h = await startHarness({ network: { membership_sync: 'all', netsplit_grace_seconds: 30 } });
    h.server.userJoins('carol', CHANNEL);
    const roomId = await h.portal();
    h.server.dropAll();
    h.server.userQuits('carol', 'restart');
    await h.advance(1000);
    h.connector.bridge.ghostSync.stop();
    await h.advance(60_000);
    expect(ghostChanges(roomId)).toEqual(['join carol']);
  });
});

describe('membership_sync: lazy (default)', () => {
  it('joins ghosts only when they speak, and mirrors leaving only for ghosts in the room', async () => {
    h = await startHarness();
    h.server.userJoins('carol', CHANNEL);
    const roomId = await h.portal();
    h.server.userJoins('dave', CHANNEL);
    h.server.userSays('dave', CHANNEL, 'hello');
    await h.settle();
    h.server.userParts('carol', CHANNEL, 'never spoke');
    h.server.userParts('dave', CHANNEL, 'spoke');
    await h.settle();
    expect(h.messagesIn(roomId).map((e) => e.sender)).toEqual([ghostOf('dave')]);
    // The only join is the one dave's ghost needed to speak.
    expect(ghostChanges(roomId)).toEqual(['join dave', 'leave dave spoke']);
  });
});

describe('membership_sync: none', () => {
  it('mirrors no membership at all', async () => {
    h = await startHarness({ network: { membership_sync: 'none' } });
    h.server.userJoins('carol', CHANNEL);
    const roomId = await h.portal();
    h.server.userSays('carol', CHANNEL, 'hi');
    h.server.userQuits('carol', 'bye');
    await h.settle();
    expect(ghostChanges(roomId)).toEqual(['join carol']); // only the join her ghost needed to speak
  });
});

describe('netsplits and bursts', () => {
  const SPLIT = 'hub.irc.test leaf.irc.test';

  it('holds netsplit QUITs: who rejoins in time never left, the rest leave after the grace, paced', async () => {
    h = await startHarness({ network: { membership_sync: 'all', netsplit_grace_seconds: 30 }, top: { membership_pacing: { rate_per_second: 10, burst: 20 } } });
    const nicks = Array.from({ length: 60 }, (_, i) => `user${i}`);
    for (const nick of nicks) h.server.userJoins(nick, CHANNEL);
    const roomId = await h.portal();
    await h.advance(10_000); // 60 joins: 20 at once, then 10 per second
    expect(joinedGhosts(roomId)).toHaveLength(60);
    const before = memberLog().length;
    for (const nick of nicks) h.server.userQuits(nick, SPLIT);
    await h.advance(20_000);
    for (const nick of nicks.slice(0, 30)) h.server.userJoins(nick, CHANNEL); // the netjoin
    await h.advance(9_999);
    expect(memberLog().length).toBe(before); // nothing mirrored during the grace
    await h.advance(1);
    expect(memberLog().length - before).toBe(20); // the burst...
    await h.advance(1000);
    expect(memberLog().length - before).toBe(30); // ...then the steady rate
    expect(joinedGhosts(roomId)).toEqual(nicks.slice(0, 30).map(ghostOf).sort());
    expect(memberLog().slice(before).every((c) => c.action === 'leave' && c.reason === `Quit: ${SPLIT}`)).toBe(true);
    // 40 s of paced membership pass timer by timer, each step waiting for the homeserver's answers (about 100 HTTP requests).
  }, 20_000);

  it('treats an ordinary QUIT at once, and a rejoin after the grace as a new join', async () => {
    h = await startHarness({ network: { membership_sync: 'all', netsplit_grace_seconds: 5 } });
    h.server.userJoins('carol', CHANNEL);
    h.server.userJoins('dave', CHANNEL);
    const roomId = await h.portal();
    h.server.userQuits('carol', SPLIT);
    h.server.userQuits('dave', 'Ping timeout: 240 seconds');
    await h.settle();
    expect(ghostChanges(roomId).slice(2)).toEqual(['leave dave Quit: Ping timeout: 240 seconds']);
    await h.advance(5000);
    h.server.userJoins('carol', CHANNEL);
    await h.settle();
    expect(ghostChanges(roomId).slice(3)).toEqual([`leave carol Quit: ${SPLIT}`, 'join carol']);
  });

  it('drops what does not fit the bounded queue, counts it, warns once, and a later NAMES sync repairs it', async () => {
    h = await startHarness({ network: { membership_sync: 'all' }, top: { membership_pacing: { rate_per_second: 1, burst: 2, max_queued: 3 } } });
    const roomId = await h.portal();
    for (let i = 0; i < 10; i++) h.server.userJoins(`user${i}`, CHANNEL);
    await h.settle();
    expect(joinedGhosts(roomId)).toHaveLength(2);
    await h.advance(3000);
    expect(joinedGhosts(roomId)).toHaveLength(5);
    const dropped = (await h.tb.bridge.metrics.registry.getSingleMetric('bridgekit_irc_ghost_membership_dropped_total')!.get()).values[0]!.value;
    expect(dropped).toBe(5);
    expect(h.tb.logLines().filter((l) => l.message.startsWith('Ghost membership queue full'))).toHaveLength(1);
    await h.advance(10_000); // the bucket refills (burst 2)
    h.server.client(BOT_NICK)!.drop();
    await h.advance(1000); // the bot rejoins: NAMES asks for the 5 missing only: 2 now, 3 queued
    await h.advance(10_000);
    expect(joinedGhosts(roomId)).toHaveLength(10);
  });
});

describe('nick changes', () => {
  it('renames the ghost (display name) instead of leave + join, and it keeps speaking for the new nick', async () => {
    h = await startHarness({ network: { membership_sync: 'all' } });
    h.server.userJoins('carol', CHANNEL);
    const roomId = await h.portal();
    h.server.userChangesNick('carol', 'Carol_away');
    await h.settle();
    h.server.userSays('Carol_away', CHANNEL, 'brb');
    await h.settle();
    expect(profileOf(ghostOf('carol'))).toEqual({ displayname: 'Carol_away' });
    expect(h.messagesIn(roomId).map((e) => e.sender)).toEqual([ghostOf('carol')]);
    expect(ghostChanges(roomId)).toEqual(['join carol']);
    h.server.userQuits('Carol_away', 'bye');
    await h.settle();
    expect(ghostChanges(roomId)).toEqual(['join carol', 'leave carol Quit: bye']);
    expect(h.store.sync.ghosts.list('net')).toEqual([]); // the rename is forgotten with the person
  });

  it('a line held in the room\'s queue comes from the ghost the person had when they said it, named after their latest nick', async () => {
    h = await startHarness({ network: { membership_sync: 'all' } });
    h.server.userJoins('carol', CHANNEL);
    const roomId = await h.portal();
    h.tb.failNext(Infinity, { network: true }); // the homeserver is unreachable
    h.server.userChangesNick('carol', 'bob');
    h.server.userSays('bob', CHANNEL, 'said as bob');
    h.server.userChangesNick('bob', 'dave');
    await h.settle();
    h.tb.clearFaults();
    await h.advance(30_000);
    expect(h.messagesIn(roomId).map((e) => [e.sender, e.content.body])).toEqual([[ghostOf('carol'), 'said as bob']]);
    expect(profileOf(ghostOf('carol'))).toEqual({ displayname: 'dave' });
    expect(h.tb.homeserver.model.users.has(ghostOf('bob'))).toBe(false);
  });

  it('gives whoever takes the freed nick a ghost of their own: two people stay two Matrix users', async () => {
    h = await startHarness({ network: { membership_sync: 'all' } });
    h.server.userJoins('carol', CHANNEL);
    const roomId = await h.portal();
    h.server.userChangesNick('carol', 'caz');
    h.server.userJoins('carol', CHANNEL); // a different person: caz is still online
    await h.settle();
    h.server.userSays('carol', CHANNEL, 'I am the new carol');
    h.server.userSays('caz', CHANNEL, 'and I was carol');
    h.server.userSays('carol', CHANNEL, 'still the new one');
    await h.settle();
    const newCarol = asUserId(ghostOf('carol').replace(':', '_2:'));
    expect(h.messagesIn(roomId).map((e) => e.sender)).toEqual([newCarol, ghostOf('carol'), newCarol]);
    expect(profileOf(ghostOf('carol'))).toEqual({ displayname: 'caz' });
    expect(profileOf(newCarol)).toEqual({ displayname: 'carol' });
    expect(ghostChanges(roomId)).toEqual(['join carol', 'join carol_2']);
    h.server.userQuits('caz', 'bye'); // the first carol goes; the new one keeps their ghost
    h.server.userSays('carol', CHANNEL, 'after caz left');
    await h.settle();
    expect(h.messagesIn(roomId).at(-1)?.sender).toBe(newCarol);
    expect(ghostChanges(roomId)).toEqual(['join carol', 'join carol_2', 'leave carol Quit: bye']);
  });
});

describe('kicks that are not about ghosts', () => {
  it('kicks a Matrix user whose puppet was kicked on IRC; the puppet does not rejoin by itself', async () => {
    h = await startHarness();
    const roomId = await h.portal();
    await h.tb.join(alice, roomId); // she is in the room, so the bridge's kick has someone to remove
    await h.matrixEvent(roomId, alice, { msgtype: 'm.text', body: 'hi' });
    h.server.kick('carol', CHANNEL, 'alice[m]', 'rude');
    await h.settle();
    expect(memberLog().filter((c) => c.userId === alice)).toEqual([
      { roomId, userId: alice, action: 'kick', by: BOT, reason: 'carol kicked alice[m] from #chan on IRC: rude' },
    ]);
    h.server.client('alice[m]')!.drop();
    await h.advance(10_000);
    expect(h.server.client('alice[m]')?.joinedChannels.has('#chan')).toBe(false);
  });

  it('tells the room when the bot itself is kicked', async () => {
    h = await startHarness();
    const roomId = await h.portal();
    h.server.kick('carol', CHANNEL, BOT_NICK, 'no bots');
    await h.settle();
    expect(h.messagesIn(roomId).map((e) => e.content.body)).toEqual([
      'carol kicked BridgeBot from #chan on IRC: no bots. That was the bridge bot: messages from IRC will not arrive until it rejoins (after its next reconnect, or a bridge restart).',
    ]);
  });
});

describe('idle disconnects', () => {
  it('never change a Matrix membership, whatever the sync mode', async () => {
    h = await startHarness({ network: { membership_sync: 'all', puppets: { idle_timeout_seconds: 60 } } });
    h.server.userJoins('carol', CHANNEL);
    const roomId = await h.portal();
    await h.matrixEvent(roomId, alice, { msgtype: 'm.text', body: 'hi' });
    const changes = memberLog().length;
    await h.advance(61_000);
    expect(h.server.client('alice[m]')).toBeUndefined();
    await h.advance(120_000);
    expect(memberLog().length).toBe(changes);
    expect(memberLog().slice(changes)).toEqual([]);
    await h.matrixEvent(roomId, alice, { msgtype: 'm.text', body: 'back' });
    expect(h.server.client('alice[m]')?.joinedChannels.has('#chan')).toBe(true);
    expect(memberLog().length).toBe(changes);
  });
});
