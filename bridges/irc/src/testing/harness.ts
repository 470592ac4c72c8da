/**
 * Starts an `IrcConnector` on the fakes (fake-irc.ts, fake-bridge.ts) with a fake clock, and
 * offers the few verbs tests need: a Matrix user says something, time passes, wait for queues.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  asEventId, asRoomAlias, asRoomId, asUserId, createMatrixEventDispatcher, type MatrixEvent, type RouteAddresses, type RoomId, type UserId,
} from '@bridgekit/appservice';
import { IrcConnector } from '../connector';
import { FakeClock } from '../irc/clock';
import { bridgeConfig, createFakeBridge, DOMAIN, type FakeBridge } from './fake-bridge';
import { FakeIrcServer } from './fake-irc';

export const NETWORK = 'net';
export const CHANNEL = '#chan';
export const ALIAS = asRoomAlias(`#irc_${NETWORK}_${CHANNEL}:${DOMAIN}`);
export const BOT_NICK = 'BridgeBot';

export interface Harness {
  connector: IrcConnector;
  bridge: FakeBridge;
  server: FakeIrcServer;
  clock: FakeClock;
  /** Where the connector's routes are served: `appservice` (a loopback stand-in) and its own listeners. */
  routes: RouteAddresses;
  /** Waits for every queued room task and IRC reaction. */
  settle(): Promise<void>;
  /** Lets `ms` of fake time pass (reconnect backoff, idle timers), then settles. */
  advance(ms: number): Promise<void>;
  /**
   * A Matrix event in a room, through the core's dispatcher (typed event → capability; the
   * "not bridged" notice; the sender told a failure's user sentence). Failures land in `failures`.
   */
  matrixEvent(roomId: RoomId, sender: UserId, content: Record<string, unknown>, type?: string, extra?: Partial<MatrixEvent>): Promise<MatrixEvent>;
  /** Errors Matrix events ended with (the core would dead-letter them). */
  failures: unknown[];
  /** Creates the dynamic portal for `channel` and returns its room. */
  portal(channel?: string): Promise<RoomId>;
  stop(): Promise<void>;
}

/** The `irc:` section used by the tests; `network` keys are merged into the one network. */
export function testIrcSection(network: Record<string, unknown> = {}, top: Record<string, unknown> = {}, more: Record<string, Record<string, unknown>> = {}): Record<string, unknown> {
  return {
    ghost_prefix: '_irc_',
    alias_template: '#irc_$NETWORK_$CHANNEL',
    ...top,
    networks: {
      [NETWORK]: {
        name: 'Test Net',
        host: 'irc.test',
        port: 6667,
        tls: false,
        bot: { nick: BOT_NICK },
        reconnect: { base_delay_seconds: 1, max_delay_seconds: 8 },
        connect_rate_per_second: 100,
        ...network,
      },
      ...more,
    },
  };
}

let eventCounter = 0;

/** `dir` reuses the database and key files of an earlier harness (a restart). */
export async function startHarness(options: {
  network?: Record<string, unknown>; top?: Record<string, unknown>; moreNetworks?: Record<string, Record<string, unknown>>; dir?: string; server?: FakeIrcServer;
} = {}): Promise<Harness> {
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'bridgekit-irc-test-'));
  const config = bridgeConfig(testIrcSection(options.network, options.top, options.moreNetworks), dir);
  const server = options.server ?? new FakeIrcServer();
  const clock = new FakeClock(1_700_000_000_000);
  const connector = new IrcConnector(config, { createClient: server.factory, clock, random: () => 1 });
  const bridge = createFakeBridge(config, { dir, migrations: connector.migrations, clock });
  await bridge.start(connector);
  const routes = await bridge.serveRoutes();
  const settle = async () => {
    for (let i = 0; i < 3; i++) {
      await bridge.settle();
      clock.advance(0);
    }
  };
  await settle();
  const dispatcher = createMatrixEventDispatcher({
    connector,
    bot: bridge.ctx.bot,
    wasBridged: async (eventId) => (await bridge.store.tables.get('SELECT 1 AS one FROM message_links WHERE event_id = ?', [eventId])) !== undefined,
    log: bridge.log,
    now: () => clock.now(),
  });
  const failures: unknown[] = [];
  const h: Harness = {
    connector, bridge, server, clock, routes, settle, failures,
    advance: async (ms) => {
      clock.advance(ms);
      await settle();
    },
    matrixEvent: async (roomId, sender, content, type = 'm.room.message', extra = {}) => {
      const event: MatrixEvent = {
        eventId: asEventId(`$m${++eventCounter}`), roomId, sender, type, content, originServerTs: clock.now(), ...extra,
      };
      // No attempts left: the sender is told at once, as the IRC connector's errors are final anyway.
      await bridge.ctx.inRoomOrder(roomId, () => dispatcher.dispatch(event, 0).catch((error: unknown) => void failures.push(error)));
      await settle();
      return event;
    },
    portal: async (channel = CHANNEL) => {
      const alias = asRoomAlias(`#irc_${NETWORK}_${channel}:${DOMAIN}`);
      if (!(await connector.onAliasQuery(alias))) throw new Error(`no portal for ${alias}`);
      await settle();
      const created = bridge.matrix.created.find((c) => c.options.aliasLocalpart === `irc_${NETWORK}_${channel}`);
      return asRoomId(created!.roomId);
    },
    stop: async () => {
      // The core's order: routes closed before the connector stops.
      await bridge.routes.close(100);
      await connector.stop();
      bridge.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return h;
}

export const alice = asUserId(`@alice:${DOMAIN}`);
export const bob = asUserId(`@bob:${DOMAIN}`);

export function ghostOf(nick: string): UserId {
  return asUserId(`@_irc_${NETWORK}_${nick.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)}:${DOMAIN}`);
}
