// Per-user IPv6 source addresses and the identd against a real ngIRCd, the way an admin runs
// them: an AnyIP route for a test prefix on loopback (`ip -6 route add local <prefix> dev lo`,
// plus net.ipv6.ip_nonlocal_bind=1, which Node needs to bind an address that is routed but not
// assigned), ngIRCd listening on ::1 with IDENT lookups on, and the bridge's identd on port 113
// (ngIRCd asks no other port). Needs root: without it the test fails and says so, it does not skip.
// The connector runs in a real Bridge on the core's test kit; Matrix users act through pushed events.
import { mkdtempSync, rmSync } from 'node:fs';
import { isIPv6 } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { asRoomAlias, type RoomId, type UserId } from '@bridgekit/appservice';
import { createTestBridge, createTestConfig, type TestBridge } from '@bridgekit/appservice/testing';
import { IrcConnector } from '../connector';
import { IrcConnection } from '../irc/connection';
import type { IrcMessageEvent } from '../irc/events';
import { startTestIrcd, type TestIrcd } from '../irc/test-ircd';
import type { IrcNick } from '../mapping/ids';
import { routeTestPrefix, type AnyIpTestHost } from './anyip-test-host';
import { canonicalIpv6 } from './ipv6-prefix';
import { alice, bob, DOMAIN } from '../testing/harness';

const dave = `@dave:${DOMAIN}` as UserId;

let host: AnyIpTestHost | undefined;
let PREFIX = '';
let PREFIX_BASE = '';
let ircd: TestIrcd;
let dir: string;
let carol: IrcConnection | undefined;
const heard: IrcMessageEvent[] = [];
let tb: TestBridge | undefined;

async function until<T>(what: string, check: () => T | undefined | false, tries = 400): Promise<T> {
  for (let i = 0; i < tries; i++) {
    const value = check();
    if (value) return value;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

beforeAll(async () => {
  host = await routeTestPrefix('b1d6', 'it adds an AnyIP route on loopback and runs the identd on port 113');
  ({ prefix: PREFIX, base: PREFIX_BASE } = host);
  ircd = await startTestIrcd({ listen: '::1', ident: true });
  dir = mkdtempSync(join(tmpdir(), 'bridgekit-per-user-address-'));
  carol = new IrcConnection({ host: ircd.host, port: ircd.port, nick: 'carol' as IrcNick, username: 'carol', realname: 'Carol' });
  carol.on('message', (e) => heard.push(e));
  await carol.connect();
  await carol.join('#chan');
});

afterAll(async () => {
  await stopBridge();
  await carol?.quit('bye').catch(() => undefined);
  await ircd?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
  await host?.restore();
});

function ircSection(): Record<string, unknown> {
  return {
    ident: { enabled: true, address: '::', port: 113 },
    networks: {
      local: {
        name: 'Local', host: '[::1]', port: ircd.port, tls: false, bot: { nick: 'BridgeBot', username: 'bridgebot' },
        flood: { burst: 50, lines_per_second: 50 }, connect_rate_per_second: 100,
        ipv6: { prefix: PREFIX },
      },
    },
  };
}

const newConnector = () => new IrcConnector(createTestConfig({ irc: ircSection() }, { dir, domain: DOMAIN }));

async function startBridge(): Promise<TestBridge> {
  tb = await createTestBridge({
    connector: newConnector(), dir, domain: DOMAIN, config: { irc: ircSection() },
    registration: { id: 'irc', senderLocalpart: 'ircbot', userPrefix: '_irc_', aliasPrefix: '_irc_' },
  });
  return tb;
}

async function stopBridge(): Promise<void> {
  await tb?.stop();
  tb = undefined;
}

/** A Matrix user joins the portal under a display name (their IRC nick comes from it). */
async function joinPortal(roomId: RoomId, userId: UserId, displayName: string): Promise<void> {
  await tb!.push.membership(roomId, userId, 'join', { displayName });
}

async function say(roomId: RoomId, sender: UserId, body: string): Promise<void> {
  await tb!.push.message(roomId, sender, body);
  // A first line waits for the user's connect, where ngIRCd does a reverse lookup and an ident
  // query (about 1 s each here): 30 s covers a loaded machine (10 s once did not).
  await until(`"${body}" on IRC`, () => heard.find((e) => e.text === body), 1_200);
}

/** What ngIRCd says about a nick: its user name (ident) and host (an address, as one spelling: ngIRCd writes `[0::1]`). */
async function seen(nick: string): Promise<{ ident?: string; host?: string }> {
  const info = await carol!.whois(nick);
  const host = info?.host?.replace(/^\[(.*)\]$/, '$1');
  return { ident: info?.ident, host: host !== undefined && isIPv6(host) ? canonicalIpv6(host) : host };
}

describe('per-user IPv6 source addresses and the identd, against ngIRCd', () => {
  it('refuses a source address the host does not own: the user reads one sentence, the log names the fix', async () => {
    host!.setNonlocalBind(false);
    try {
      const unrouted = new IrcConnection({
        host: ircd.host, port: ircd.port, nick: 'nobody' as IrcNick, username: 'nobody', realname: 'Nobody',
        sourceAddress: async () => 'fd42:dead:beef::1',
      });
      const error = await unrouted.connect().then(() => undefined, (e: unknown) => e);
      expect(error).toMatchObject({ code: 'IRC_SOURCE_ADDRESS_UNAVAILABLE', userMessage: expect.stringMatching(/^[^.;]+; [^.]+\.$/) });
      expect((error as Error).message).toContain('ip -6 route add local <prefix> dev lo');
      expect((error as Error).message).toContain('net.ipv6.ip_nonlocal_bind=1');
    } finally {
      host!.setNonlocalBind(true);
    }
  });

  it('connects each Matrix user from an address of their own, shows their ident without ~, and keeps both across a restart', async () => {
    await startBridge();
    const connector = () => tb!.connector as IrcConnector;
    expect(await tb!.queryAlias(asRoomAlias(`#_irc_local_#chan:${DOMAIN}`))).toBe(true);
    const roomId = tb!.sent.to('createRoom')[0]!.response!.room_id as RoomId;
    await until('the bot in #chan', () => heard.length >= 0 && connector().bridge.network('local' as never)?.bot.state === 'connected');

    // Bob first: he gets the prefix's first address.
    await joinPortal(roomId, bob, 'Bob');
    await say(roomId, bob, 'hello from bob');
    await joinPortal(roomId, alice, 'Alice');
    await say(roomId, alice, 'hello from alice');
    const before = { alice: await seen('Alice[m]'), bob: await seen('Bob[m]'), bot: await seen('BridgeBot') };
    expect(before.bob).toEqual({ ident: 'bob', host: `${PREFIX_BASE}::1` });
    expect(before.alice).toEqual({ ident: 'alice', host: `${PREFIX_BASE}::2` });
    // The bot keeps the host's default address; the identd answers for it too.
    expect(before.bot).toEqual({ ident: 'bridgebot', host: '::1' });
    // A connection the bridge does not own gets NO-USER, so ngIRCd marks its user name with ~.
    expect(await seen('carol')).toEqual({ ident: '~carol', host: '::1' });
    expect(await tb!.bridge.metrics.registry.getSingleMetricAsString('bridgekit_irc_ident_queries_total')).toMatch(/result="user"} 3/);

    // Both leave IRC on purpose (so the restart does not bring them back by itself), then the
    // bridge restarts and a new user speaks first: handed out by order, she would get ::1.
    const network = connector().bridge.network('local')!;
    await network.puppets.disconnect(bob, 'bye');
    await network.puppets.disconnect(alice, 'bye');
    await tb!.restart(newConnector());
    await joinPortal(roomId, dave, 'Dave');
    await say(roomId, dave, 'hello from dave');
    await say(roomId, alice, 'back from alice');
    await say(roomId, bob, 'back from bob');
    expect(await seen('Dave[m]')).toEqual({ ident: 'dave', host: `${PREFIX_BASE}::3` });
    expect(await seen('Alice[m]')).toEqual(before.alice);
    expect(await seen('Bob[m]')).toEqual(before.bob);
  }, 60_000); // ngIRCd's reverse DNS (on for ident) takes about a second per connection here
});
