// Integration test: channel state through the connector against a real IRC server (ngIRCd on
// loopback), in a real Bridge on the core's test kit (an in-process homeserver). IRC users are
// plain IrcConnections; carol creates the channel, so ngIRCd makes her its operator.
import { asRoomAlias, type RoomId, type UserId } from '@bridgekit/appservice';
import { createTestBridge, createTestConfig, type PushEvent, type TestBridge } from '@bridgekit/appservice/testing';
import { IrcConnector } from './connector';
import type { PowerLevelsContent } from './ghosts/power-levels';
import { IrcConnection } from './irc/connection';
import type { IrcConnectionEvents } from './irc/events';
import { startTestIrcd, type TestIrcd } from './irc/test-ircd';
import type { IrcNick } from './mapping/ids';
import { alice, DOMAIN } from './testing/harness';

let ircd: TestIrcd;
let tb: TestBridge;
let connector: IrcConnector;
let carol: IrcConnection;
let dave: IrcConnection;
let roomId: RoomId;
const heard: Array<{ [E in keyof IrcConnectionEvents]: { event: E; value: IrcConnectionEvents[E] } }[keyof IrcConnectionEvents]> = [];
const ghost = (nick: string) => `@_irc_local_${nick}:${DOMAIN}` as UserId;

/** Polls until `check` holds; the deadline only turns a hang into a readable failure. */
async function until<T>(what: string, check: () => T | undefined | false): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const value = check();
    if (value) return value;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** The homeserver pushes a Matrix event in the portal to the bridge. */
async function matrixEvent(type: string, sender: UserId, content: Record<string, unknown>, extra: Partial<PushEvent> = {}): Promise<void> {
  await tb.push.event({ roomId, sender, type, content, ...extra });
}

function levels(): Record<string, number> {
  return tb.homeserver.model.stateOf<PowerLevelsContent>(roomId, 'm.room.power_levels')?.users ?? {};
}

const inRoom = (userId: UserId) => tb.homeserver.model.room(roomId).membership(userId) === 'join';
const topicWrites = () => tb.sent.events(roomId).filter((e) => e.type === 'm.room.topic');

function ghostLog(nick: string): string[] {
  return tb.sent.memberships(roomId).filter((c) => c.userId === ghost(nick)).map((c) => `${c.action}${c.reason ? ` ${c.reason}` : ''}`);
}

async function user(nick: string): Promise<IrcConnection> {
  const connection = new IrcConnection({ host: ircd.host, port: ircd.port, nick: nick as IrcNick, username: nick, realname: nick, flood: { capacity: 50, refillPerSecond: 50 } });
  await connection.connect();
  return connection;
}

beforeAll(async () => {
  ircd = await startTestIrcd();
  carol = await user('carol');
  for (const event of ['kick', 'part', 'topic', 'mode'] as const) carol.on(event, (value) => heard.push({ event, value } as never));
  await carol.join('#state');
  await carol.setTopic('#state', 'Welcome from IRC');
  await carol.mode('#state', '+m');
  const irc = {
    networks: {
      local: {
        name: 'Local', host: ircd.host, port: ircd.port, tls: false, bot: { nick: 'BridgeBot' },
        flood: { burst: 50, lines_per_second: 50 }, connect_rate_per_second: 100, membership_sync: 'all',
      },
    },
  };
  connector = new IrcConnector(createTestConfig({ irc }, { domain: DOMAIN }));
  tb = await createTestBridge({
    connector, domain: DOMAIN, config: { irc },
    registration: { id: 'irc', senderLocalpart: 'ircbot', userPrefix: '_irc_', aliasPrefix: '_irc_' },
  });
  expect(await tb.queryAlias(asRoomAlias(`#_irc_local_#state:${DOMAIN}`))).toBe(true);
  roomId = tb.sent.to('createRoom')[0]!.response!.room_id as RoomId;
  // Alice is in the portal under her display name (her IRC nick comes from it).
  await tb.push.membership(roomId, alice, 'join', { displayName: 'Alice' });
});

afterAll(async () => {
  await dave?.quit('bye').catch(() => undefined);
  await carol?.quit('bye').catch(() => undefined);
  await tb?.stop();
  await ircd?.stop();
});

describe('channel state against ngIRCd', () => {
  it('brings the channel in when the bot joins: members, the operator\'s power level, the topic', async () => {
    await until('carol\'s ghost in the room', () => inRoom(ghost('carol')));
    await until('carol at 50', () => levels()[ghost('carol')] === 50);
    const topic = await until('the topic', () => tb.homeserver.model.stateOf(roomId, 'm.room.topic'));
    expect(topic).toEqual({ topic: 'Welcome from IRC' });
    // +m was set before the bot came: ngIRCd's answer to its MODE query (324) says so.
    const notices = () => tb.sent.messages(roomId).map((e) => String(e.content.body));
    await until('the +m notice', () => notices().some((b) => b.startsWith('#state is now moderated (+m) on Local')));
    await carol.mode('#state', '-m');
    await until('the -m notice', () => notices().some((b) => b.startsWith('#state is no longer moderated (-m)')));
  });

  it('mirrors JOIN and PART with the reason, and +o/-o as power levels', async () => {
    dave = await user('dave');
    await dave.join('#state');
    await until('dave\'s ghost', () => inRoom(ghost('dave')));
    await carol.mode('#state', '+o', ['dave']);
    await until('dave at 50', () => levels()[ghost('dave')] === 50);
    await carol.mode('#state', '-o+v', ['dave', 'dave']);
    await until('dave at 1', () => levels()[ghost('dave')] === 1);
    await dave.part('#state', 'see you');
    await until('dave gone', () => !inRoom(ghost('dave')));
    expect(ghostLog('dave')).toEqual(['join', 'leave see you']);
    await until('dave\'s level gone', () => !(ghost('dave') in levels()));
  });

  it('sets the topic both ways without echo', async () => {
    await carol.setTopic('#state', 'changed on IRC');
    await until('the IRC topic in Matrix', () => tb.homeserver.model.stateOf<{ topic: string }>(roomId, 'm.room.topic')?.topic === 'changed on IRC');
    expect(topicWrites().at(-1)?.sender).toBe(ghost('carol'));

    await matrixEvent('m.room.message', alice, { msgtype: 'm.text', body: 'hello' });
    await carol.mode('#state', '+o', ['Alice[m]']);
    await until('alice opped', () => heard.some((h) => h.event === 'mode' && h.value.changes.some((c) => c.param === 'Alice[m]')));
    const topicsBefore = topicWrites().length;
    await matrixEvent('m.room.topic', alice, { topic: 'set from Matrix' }, { stateKey: '' });
    const seen = await until('the Matrix topic on IRC', () => heard.find((h) => h.event === 'topic' && h.value.topic === 'set from Matrix'));
    expect(seen.event === 'topic' && seen.value.setBy).toBe('Alice[m]');
    // The bot hears the TOPIC before this line (server order): once the line is in Matrix, an echo would be too.
    await carol.say('#state', 'after the topic');
    await until('the line after the topic', () => tb.sent.messages(roomId).some((e) => e.content.body === 'after the topic'));
    expect(topicWrites()).toHaveLength(topicsBefore);
    expect(levels()[alice]).toBeUndefined(); // IRC ops never become Matrix power
  });

  it('turns a Matrix kick of an IRC user into a KICK by an operator\'s own connection', async () => {
    await dave.join('#state');
    await until('dave back', () => inRoom(ghost('dave')));
    await matrixEvent('m.room.member', alice, { membership: 'leave', reason: 'enough' }, { stateKey: ghost('dave'), unsigned: { prev_content: { membership: 'join' } } });
    const kick = await until('the KICK', () => heard.find((h) => h.event === 'kick' && h.value.kicked === 'dave'));
    expect(kick.event === 'kick' && [kick.value.nick, kick.value.reason]).toEqual(['Alice[m]', 'enough']);
  });

  it('applies +i and +k to the room and the stored key', async () => {
    await carol.mode('#state', '+ik', ['sesame']);
    await until('invite-only room', () => tb.homeserver.model.stateOf<{ join_rule: string }>(roomId, 'm.room.join_rules')?.join_rule === 'invite');
    await until('the key stored', () => connector.bridge.portals.channelsOfRoom(roomId)[0]?.key === 'sesame');
  });

  it('parts alice\'s connection when she leaves the room', async () => {
    await matrixEvent('m.room.member', alice, { membership: 'leave' }, { stateKey: alice, unsigned: { prev_content: { membership: 'join' } } });
    await until('the PART', () => heard.find((h) => h.event === 'part' && h.value.nick === 'Alice[m]'));
  });
});
