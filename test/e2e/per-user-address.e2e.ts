/**
 * Per-user IPv6 source addresses and the identd, run as an admin runs them: the bridge's own
 * process with `irc.networks.*.ipv6.prefix` and `irc.ident`, a real Synapse, and an ngIRCd of
 * this file's own listening on ::1 with IDENT lookups on. The host gets an AnyIP route for the
 * test prefix (`ip -6 route add local <prefix> dev lo`, removed after) and
 * net.ipv6.ip_nonlocal_bind=1 (restored after). Needs root: without it the file fails and says
 * so; it does not skip.
 */
import { isIPv6 } from 'node:net';
import { startTestIrcd, type TestIrcd } from '../../bridges/irc/src/irc/test-ircd';
import { identFromTemplate } from '../../bridges/irc/src/mapping/nick-template';
import { routeTestPrefix, type AnyIpTestHost } from '../../bridges/irc/src/source-address/anyip-test-host';
import { canonicalIpv6 } from '../../bridges/irc/src/source-address/ipv6-prefix';
import { connectIrc, disconnectAllIrc, uniqueNick, type IrcTestClient } from './harness/irc-client';
import { BOT_NICK, matrixUser, portalAlias, startIrcBridge, uniqueChannel, type BridgeUnderTest, type MatrixTestUser } from './harness/irc-bridge';
import { IRC_NETWORK_ID } from './harness/namespaces';

let host: AnyIpTestHost | undefined;
let ircd: TestIrcd | undefined;

beforeAll(async () => {
  host = await routeTestPrefix('e2e', 'it adds an AnyIP route on loopback and the bridge listens on port 113 for ident');
  ircd = await startTestIrcd({ listen: '::1', ident: true });
});

afterAll(async () => {
  await disconnectAllIrc();
  await ircd?.stop();
  await host?.restore();
});

/** `nick!ident@host JOIN #channel` as the observer got it, from raw line `since` on. */
async function joinOf(observer: IrcTestClient, nick: string, channel: string, since: number): Promise<{ ident: string; host: string }> {
  const line = await observer.waitForRawLine((l) => l.startsWith(`:${nick}!`) && / JOIN :?#/.test(l) && l.includes(channel), 30_000, since);
  const match = /^:[^!]+!([^@]+)@(\S+) JOIN/.exec(line);
  if (!match) throw new Error(`not a JOIN line: ${line}`);
  const host = match[2]!.replace(/^\[(.*)\]$/, '$1');
  return { ident: match[1]!, host: isIPv6(host) ? canonicalIpv6(host) : host };
}

const identOf = (user: MatrixTestUser) => identFromTemplate('$LOCALPART', { userId: user.client.userId as never });

describe('per-user IPv6 source addresses and the identd, in the bridge process', () => {
  it('puts each Matrix user on IRC from an address of their own with their ident, the same after a restart', async () => {
    const bridge: BridgeUnderTest = await startIrcBridge({
      irc: {
        ident: { enabled: true, address: '::', port: 113 },
        networks: { [IRC_NETWORK_ID]: { host: '[::1]', port: ircd!.port, ipv6: { prefix: host!.prefix } } },
      },
    });
    try {
      const channel = uniqueChannel('v6');
      const op = await connectIrc(uniqueNick('op'), { host: '::1', port: ircd!.port });
      await op.join(channel);
      const bob = await matrixUser('bob');
      const alice = await matrixUser('alice');
      const roomId = await bob.client.joinRoom(portalAlias(channel));
      await op.waitForMember(channel, BOT_NICK, 30_000);
      await alice.client.joinRoom(roomId);

      await bob.client.sendText(roomId, 'bob speaks');
      await op.waitForMessage((m) => m.nick === bob.nick && m.message === 'bob speaks', 30_000);
      await alice.client.sendText(roomId, 'alice speaks');
      await op.waitForMessage((m) => m.nick === alice.nick && m.message === 'alice speaks', 30_000);
      const before = { bob: await joinOf(op, bob.nick, channel, 0), alice: await joinOf(op, alice.nick, channel, 0) };
      expect(before.bob).toEqual({ ident: identOf(bob), host: `${host!.base}::1` });
      expect(before.alice).toEqual({ ident: identOf(alice), host: `${host!.base}::2` });
      // The bot keeps the host's address, and ident answers for it too (no ~).
      expect(await joinOf(op, BOT_NICK, channel, 0)).toEqual({ ident: BOT_NICK, host: '::1' });

      const since = op.rawLines.length;
      await bridge.restart();
      // The bridge brings both users back by itself after the restart, from the same addresses.
      expect(await joinOf(op, bob.nick, channel, since)).toEqual(before.bob);
      expect(await joinOf(op, alice.nick, channel, since)).toEqual(before.alice);
    } finally {
      await bridge.stop();
    }
  }, 180_000);
});
