import { asUserId } from '@bridgekit/appservice';
import { createTestConfig, TestClock, TestLogger } from '@bridgekit/appservice/testing';
import { parseIrcConfig } from '../config/parse';
import { ConnectRateLimiter } from '../irc/reconnect';
import type { NetworkId } from '../mapping/ids';
import { FakeIrcServer } from '../testing/fake-irc';
import { OwnNicks } from './own-nicks';
import { PuppetPool } from './puppets';

function pool(maxConnections: number) {
  const config = parseIrcConfig(createTestConfig({ irc: { networks: { net: { host: 'irc.test', tls: false, puppets: { max_connections: maxConnections } } } } })).networks.get('net' as NetworkId)!;
  const clock = new TestClock(0);
  const server = new FakeIrcServer();
  const ownNicks = new OwnNicks(() => 'rfc1459');
  const puppets = new PuppetPool({
    network: 'net' as NetworkId, config, createClient: server.factory, limiter: new ConnectRateLimiter({ perSecond: 1_000_000, clock }),
    clock, log: new TestLogger(), ownNicks, nickLength: () => 30,
  });
  return { puppets, server, ownNicks, clock };
}

describe('PuppetPool', () => {
  it('counts only connected users against the limit: a disconnected user frees a slot', async () => {
    const { puppets } = pool(2);
    await puppets.acquire({ userId: asUserId('@a:hs') });
    await puppets.acquire({ userId: asUserId('@b:hs') });
    await expect(puppets.acquire({ userId: asUserId('@c:hs') })).rejects.toMatchObject({ code: 'IRC_CONNECTION_LIMIT' });
    await puppets.disconnect(asUserId('@a:hs'), 'bye');
    await expect(puppets.acquire({ userId: asUserId('@c:hs') })).resolves.toBeDefined();
    expect(puppets.activeCount).toBe(2);
  });

  it('connects puppets with the own-traffic line filter (the bot bridges the channels)', async () => {
    const { puppets, server } = pool(2);
    await puppets.acquire({ userId: asUserId('@a:hs') });
    expect(server.clients.map((c) => c.options.onlyOwnTraffic)).toEqual([true]);
  });

  it('keeps a bounded number of records of disconnected users, forgetting the longest idle first', async () => {
    const { puppets, ownNicks, clock } = pool(10);
    for (let i = 0; i < 1000; i++) {
      const userId = asUserId(`@u${i}:hs`);
      await puppets.acquire({ userId });
      await puppets.disconnect(userId, 'idle');
      await clock.advance(1);
    }
    expect(ownNicks.has('u0[m]')).toBe(true);
    await puppets.acquire({ userId: asUserId('@new:hs') });
    expect(puppets.get(asUserId('@u0:hs'))).toBeUndefined();
    expect(ownNicks.has('u0[m]')).toBe(false);
    expect(puppets.get(asUserId('@u1:hs'))).toBeDefined();
    expect([...puppets.all()]).toHaveLength(1000);
  });
});
