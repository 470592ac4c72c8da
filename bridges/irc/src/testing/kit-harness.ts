/**
 * The IRC connector in a real Bridge (the core's test kit: an in-process homeserver that answers
 * like Synapse and records every request), against the fake IRC server, with one manual clock
 * for the core and the IRC layer. The successor of harness.ts + fake-bridge.ts: test files move
 * to it one by one.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { asRoomAlias, type RoomId } from '@bridgekit/appservice';
import { createTestBridge, TestClock, type TestBridge } from '@bridgekit/appservice/testing';
import { IrcConnector } from '../connector';
import { bridgeConfig, DOMAIN } from './fake-bridge';
import { FakeIrcServer } from './fake-irc';
import { CHANNEL, NETWORK, testIrcSection } from './harness';

export interface KitHarness {
  tb: TestBridge;
  connector: IrcConnector;
  server: FakeIrcServer;
  clock: TestClock;
  /** Waits until the bridge's queues, the homeserver and due timers are quiet. */
  settle(): Promise<void>;
  /** A Matrix user joins the channel's portal alias, as a client would: the homeserver asks the bridge, which creates it. */
  portal(channel?: string): Promise<RoomId>;
  stop(): Promise<void>;
}

export async function startKitHarness(options: { network?: Record<string, unknown>; top?: Record<string, unknown>; moreNetworks?: Record<string, Record<string, unknown>> } = {}): Promise<KitHarness> {
  const irc = testIrcSection(options.network, options.top, options.moreNetworks);
  const dir = mkdtempSync(join(tmpdir(), 'bridgekit-irc-kit-'));
  const server = new FakeIrcServer();
  const clock = new TestClock(1_700_000_000_000);
  const connector = new IrcConnector(bridgeConfig(irc, dir), { createClient: server.factory, clock, random: () => 1 });
  const tb = await createTestBridge({
    connector, clock, dir, domain: DOMAIN, config: { irc },
    registration: { id: 'irc', senderLocalpart: 'ircbot', userPrefix: '_irc_', aliasPrefix: 'irc_' },
  });
  await tb.settle();
  return {
    tb, connector, server, clock,
    settle: () => tb.settle(),
    portal: async (channel = CHANNEL) => {
      const roomId = await tb.join(tb.user('portal-opener'), asRoomAlias(`#irc_${NETWORK}_${channel}:${DOMAIN}`));
      await tb.settle();
      return roomId;
    },
    stop: async () => {
      await tb.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
