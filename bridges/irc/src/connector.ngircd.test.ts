// Integration test: the connector against a real IRC server (ngIRCd on loopback), with the
// Matrix side faked (fake-bridge.ts). A human IRC user is played by a plain IrcConnection.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { asRoomAlias } from '@bridgekit/appservice';
import { IrcConnector } from './connector';
import { IrcConnection } from './irc/connection';
import type { IrcMessageEvent } from './irc/events';
import { startTestIrcd, type TestIrcd } from './irc/test-ircd';
import type { IrcNick } from './mapping/ids';
import { bridgeConfig, createFakeBridge, DOMAIN, type FakeBridge } from './testing/fake-bridge';
import { alice } from './testing/harness';

let ircd: TestIrcd;
let dir: string;
let bridge: FakeBridge;
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
  dir = mkdtempSync(join(tmpdir(), 'bridgekit-irc-ngircd-'));
  const config = bridgeConfig({
    networks: {
      local: {
        name: 'Local', host: ircd.host, port: ircd.port, tls: false, bot: { nick: 'BridgeBot' },
        flood: { burst: 50, lines_per_second: 50 }, connect_rate_per_second: 100,
      },
    },
  }, dir);
  connector = new IrcConnector(config);
  bridge = createFakeBridge(config, { dir, migrations: connector.migrations });
  await bridge.start(connector);
  carol = new IrcConnection({ host: ircd.host, port: ircd.port, nick: 'carol' as IrcNick, username: 'carol', realname: 'Carol' });
  carol.on('message', (e) => heard.push(e));
  await carol.connect();
  await carol.join('#chan');
});

afterAll(async () => {
  await carol?.quit('bye').catch(() => undefined);
  await connector?.stop();
  bridge?.close();
  rmSync(dir, { recursive: true, force: true });
  await ircd?.stop();
});

describe('IrcConnector against ngIRCd', () => {
  it('bridges a channel both ways, with formatting, pills, no echo and no CR/LF injection', async () => {
    const joined = carol.once('join', (e) => e.nick === 'BridgeBot');
    expect(await connector.onAliasQuery(asRoomAlias(`#_irc_local_#chan:${DOMAIN}`))).toBe(true);
    await joined;
    const roomId = bridge.matrix.created[0]!.roomId;

    // IRC → Matrix
    await carol.say('#chan', '\x02hello\x02 from IRC');
    const first = await until('the IRC line in Matrix', () => bridge.matrix.messagesIn(roomId)[0]);
    expect(first.sender).toBe(`@_irc_local_carol:${DOMAIN}`);
    expect(first.content).toMatchObject({ msgtype: 'm.text', body: 'hello from IRC', formatted_body: '<b>hello</b> from IRC' });

    // Matrix → IRC through alice's own connection
    bridge.matrix.displayNames.set(alice, 'Alice');
    await connector.onMatrixEvent({ eventId: '$a1' as never, roomId, sender: alice, type: 'm.room.message', content: { msgtype: 'm.text', body: 'hi carol' }, originServerTs: 0 });
    const got = await until('alice on IRC', () => heard.find((e) => e.text === 'hi carol'));
    expect(got.nick).toBe('Alice[m]');

    // A reply from IRC mentioning alice's nick becomes a pill to the real Matrix user.
    await carol.say('#chan', 'Alice[m]: welcome');
    const pill = await until('the mention', () => bridge.matrix.messagesIn(roomId).find((e) => e.content.body === 'Alice[m]: welcome'));
    expect(pill.content['m.mentions']).toEqual({ user_ids: [alice] });

    // Hostile line breaks: every line is a PRIVMSG, no command is injected.
    await connector.onMatrixEvent({
      eventId: '$a2' as never, roomId, sender: alice, type: 'm.room.message', content: { msgtype: 'm.text', body: 'x\r\nJOIN #evil\r\nQUIT :pwned' }, originServerTs: 0,
    });
    await until('the hostile lines', () => heard.find((e) => e.text === 'QUIT :pwned'));
    const whois = await carol.whois('Alice[m]');
    expect(whois?.channels.map((c) => c.replace(/^[@+]/, ''))).toEqual(['#chan']);

    // Echo suppression: alice's lines never came back into Matrix as a ghost.
    expect(bridge.matrix.messagesIn(roomId).map((e) => e.sender)).toEqual([`@_irc_local_carol:${DOMAIN}`, `@_irc_local_carol:${DOMAIN}`]);
  });

  it('opens a private chat for an IRC PM and answers it from Matrix', async () => {
    await carol.say('Alice[m]', 'psst, alice');
    const dm = await until('the DM room', () => bridge.matrix.created.find((c) => c.options.isDirect));
    expect(dm.creator).toBe(`@_irc_local_carol:${DOMAIN}`);
    expect(dm.options.invite).toEqual([alice]);
    const pm = await until('the PM in Matrix', () => bridge.matrix.messagesIn(dm.roomId)[0]);
    expect(pm.content.body).toBe('psst, alice');
    await connector.onMatrixEvent({ eventId: '$a3' as never, roomId: dm.roomId, sender: alice, type: 'm.room.message', content: { msgtype: 'm.text', body: 'hey carol' }, originServerTs: 0 });
    const answer = await until('the answer on IRC', () => heard.find((e) => e.text === 'hey carol'));
    expect(answer.target).toBe('carol');
  });
});
