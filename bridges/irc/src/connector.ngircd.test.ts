// Integration test: the connector against a real IRC server (ngIRCd on loopback), in a real
// Bridge on the core's test kit (an in-process homeserver). A human IRC user is played by a
// plain IrcConnection. IRC runs on real time; nothing here waits on the core's test clock.
import { asRoomAlias, type RoomId } from '@bridgekit/appservice';
import { createTestBridge, createTestConfig, type TestBridge } from '@bridgekit/appservice/testing';
import { IrcConnector } from './connector';
import { IrcConnection } from './irc/connection';
import type { IrcMessageEvent } from './irc/events';
import { startTestIrcd, type TestIrcd } from './irc/test-ircd';
import type { IrcNick } from './mapping/ids';
import { alice, DOMAIN } from './testing/harness';

let ircd: TestIrcd;
let tb: TestBridge;
let connector: IrcConnector;
let carol: IrcConnection;
const heard: IrcMessageEvent[] = [];

/** Polls until `check` holds; the deadline only turns a hang into a readable failure. */
async function until<T>(what: string, check: () => T | undefined | false): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const value = check();
    if (value) return value;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

beforeAll(async () => {
  ircd = await startTestIrcd();
  const irc = {
    networks: {
      local: {
        name: 'Local', host: ircd.host, port: ircd.port, tls: false, bot: { nick: 'BridgeBot' },
        flood: { burst: 50, lines_per_second: 50 }, connect_rate_per_second: 100,
      },
    },
  };
  connector = new IrcConnector(createTestConfig({ irc }, { domain: DOMAIN }));
  tb = await createTestBridge({
    connector, domain: DOMAIN, config: { irc },
    registration: { id: 'irc', senderLocalpart: 'ircbot', userPrefix: '_irc_', aliasPrefix: '_irc_' },
  });
  carol = new IrcConnection({ host: ircd.host, port: ircd.port, nick: 'carol' as IrcNick, username: 'carol', realname: 'Carol' });
  carol.on('message', (e) => heard.push(e));
  await carol.connect();
  await carol.join('#chan');
});

afterAll(async () => {
  await carol?.quit('bye').catch(() => undefined);
  await tb?.stop();
  await ircd?.stop();
});

describe('IrcConnector against ngIRCd', () => {
  it('bridges a channel both ways, with formatting, pills, no echo and no CR/LF injection', async () => {
    const joined = carol.once('join', (e) => e.nick === 'BridgeBot');
    expect(await connector.onAliasQuery(asRoomAlias(`#_irc_local_#chan:${DOMAIN}`))).toBe(true);
    await joined;
    const roomId = tb.sent.to('createRoom')[0]!.response!.room_id as RoomId;

    // IRC → Matrix
    await carol.say('#chan', '\x02hello\x02 from IRC');
    const first = await until('the IRC line in Matrix', () => tb.sent.messages(roomId)[0]);
    expect(first.sender).toBe(`@_irc_local_carol:${DOMAIN}`);
    expect(first.content).toMatchObject({ msgtype: 'm.text', body: 'hello from IRC', formatted_body: '<b>hello</b> from IRC' });

    // Matrix → IRC through alice's own connection
    await tb.push.membership(roomId, alice, 'join', { displayName: 'Alice' });
    await tb.push.message(roomId, alice, 'hi carol');
    const got = await until('alice on IRC', () => heard.find((e) => e.text === 'hi carol'));
    expect(got.nick).toBe('Alice[m]');

    // A reply from IRC mentioning alice's nick becomes a pill to the real Matrix user.
    await carol.say('#chan', 'Alice[m]: welcome');
    const pill = await until('the mention', () => tb.sent.messages(roomId).find((e) => e.content.body === 'Alice[m]: welcome'));
    expect(pill.content['m.mentions']).toEqual({ user_ids: [alice] });

    // Hostile line breaks: every line is a PRIVMSG, no command is injected.
    await tb.push.message(roomId, alice, 'x\r\nJOIN #evil\r\nQUIT :pwned');
    await until('the hostile lines', () => heard.find((e) => e.text === 'QUIT :pwned'));
    const whois = await carol.whois('Alice[m]');
    expect(whois?.channels.map((c) => c.replace(/^[@+]/, ''))).toEqual(['#chan']);

    // Echo suppression: alice's lines never came back into Matrix as a ghost.
    expect(tb.sent.messages(roomId).map((e) => e.sender)).toEqual([`@_irc_local_carol:${DOMAIN}`, `@_irc_local_carol:${DOMAIN}`]);
  });

  it('opens a private chat for an IRC PM and answers it from Matrix', async () => {
    await carol.say('Alice[m]', 'psst, alice');
    const dm = await until('the DM room', () => tb.sent.to('createRoom').find((r) => r.status === 200 && r.body.is_direct));
    expect(dm.user).toBe(`@_irc_local_carol:${DOMAIN}`);
    expect(dm.body.invite).toEqual([alice]);
    const dmRoom = dm.response!.room_id as RoomId;
    const pm = await until('the PM in Matrix', () => tb.sent.messages(dmRoom)[0]);
    expect(pm.content.body).toBe('psst, alice');
    await tb.push.message(dmRoom, alice, 'hey carol');
    const answer = await until('the answer on IRC', () => heard.find((e) => e.text === 'hey carol'));
    expect(answer.target).toBe('carol');
  });
});
