// Integration test: a real ngIRCd refuses a JOIN of a channel name longer than its CHANNELLEN (50)
// with 403; a portal made before the bot knew the limit (its alias was asked before the bot had
// registered) is marked refused, and the bot does not try again after reconnecting.
// The Matrix side is a real Bridge on the core's test kit.
import { asRoomAlias, type RoomId } from '@bridgekit/appservice';
import { createTestBridge, createTestConfig, type TestBridge } from '@bridgekit/appservice/testing';
import { IrcConnector } from '../connector';
import { startTestIrcd, type TestIrcd } from '../irc/test-ircd';
import { DOMAIN } from '../testing/harness';

let ircd: TestIrcd;
let irc: Record<string, unknown>;
let tb: TestBridge | undefined;
let connector: IrcConnector;

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
  irc = { networks: { local: { name: 'Local', host: ircd.host, port: ircd.port, tls: false, bot: { nick: 'BridgeBot' }, connect_rate_per_second: 100 } } };
  connector = new IrcConnector(createTestConfig({ irc }, { domain: DOMAIN }));
});

afterAll(async () => {
  await tb?.stop();
  await ircd?.stop();
});

it('marks a portal refused when ngIRCd answers 403 to the bot\'s JOIN, and the bot does not retry it on reconnect', async () => {
  const started = await createTestBridge({
    connector, domain: DOMAIN, config: { irc },
    registration: { id: 'irc', senderLocalpart: 'ircbot', userPrefix: '_irc_', aliasPrefix: '_irc_' },
  });
  tb = started;
  const network = connector.bridge.network('local')!;
  // Asked before the bot's registration has had an event-loop turn: the bridge does not know CHANNELLEN yet.
  expect(network.bot.client.isRegistered).toBe(false);
  const channel = `#${'r'.repeat(59)}`;
  expect(await connector.onAliasQuery(asRoomAlias(`#_irc_local_${channel}:${DOMAIN}`))).toBe(true);
  const roomId = started.sent.to('createRoom')[0]!.response!.room_id as RoomId;

  const notice = await until('the refusal notice', () => started.sent.messages(roomId).find((e) => e.content.msgtype === 'm.notice'));
  expect(notice.content.body).toMatch(new RegExp(`^Local refused the channel name ${channel} \\(.+, 403\\)`));
  expect(network.bot.wants(channel)).toBe(false);
  expect(network.isupport.channelLength).toBe(50);

  // Now the limit is known: another spelling of the alias gets no room.
  expect(await connector.onAliasQuery(asRoomAlias(`#_irc_local_${channel.toUpperCase()}:${DOMAIN}`))).toBe(false);
  expect(started.sent.to('createRoom')).toHaveLength(1);

  const joins: string[] = [];
  const client = network.bot.client;
  const join = client.join.bind(client);
  client.join = (name: string, key?: string) => {
    joins.push(name);
    return join(name, key);
  };
  await client.quit('reconnect test');
  network.bot.start();
  await until('the bot back on IRC', () => client.isRegistered);
  expect(joins).toEqual([]);
  expect(started.logLines().filter((l) => l.message.startsWith('The IRC server refused the channel name'))).toHaveLength(1);
});
