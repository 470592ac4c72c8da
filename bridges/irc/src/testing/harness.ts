/**
 * The IRC connector in a real Bridge (the core's test kit: an in-process homeserver that answers
 * like Synapse and records every request), against the in-process fake IRC server, with one
 * manual clock for the core and the IRC layer. Offers the verbs IRC tests need: a Matrix user
 * says something, time passes, a channel's portal is opened, the bridge restarts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { asRoomAlias, asRoomId, asUserId, type EventId, type OpenedStore, type RoomId, type UserId } from '@bridgekit/appservice';
import { createTestBridge, createTestConfig, TestClock, type FakeHomeserver, type SentEvent, type TestBridge } from '@bridgekit/appservice/testing';
import { IrcConnector } from '../connector';
import { FakeIrcServer } from './fake-irc';

export const DOMAIN = 'hs.test';
export const NETWORK = 'net';
export const CHANNEL = '#chan';
export const ALIAS = asRoomAlias(`#irc_${NETWORK}_${CHANNEL}:${DOMAIN}`);
export const BOT_NICK = 'BridgeBot';
export const BOT = asUserId(`@ircbot:${DOMAIN}`);
export const alice = asUserId(`@alice:${DOMAIN}`);
export const bob = asUserId(`@bob:${DOMAIN}`);
/** Who made the plumbed rooms a test's config names (they exist before the bridge). */
export const ADMIN = asUserId(`@admin:${DOMAIN}`);
/** The moderation policy list of `{ policyList: true }` (made by ADMIN, who writes its rules). */
export const POLICY_ROOM = asRoomId(`!policy:${DOMAIN}`);

/** The Matrix user of an IRC nick on the test network (upper case escaped as the spec wants). */
export function ghostOf(nick: string): UserId {
  return asUserId(`@_irc_${NETWORK}_${nick.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)}:${DOMAIN}`);
}

/** The `irc:` section used by the tests; `network` keys are merged into the one network. */
export function testIrcSection(network: Record<string, unknown> = {}, top: Record<string, unknown> = {}, more: Record<string, Record<string, unknown>> = {}): Record<string, unknown> {
  return {
    ghost_prefix: '_irc_',
    alias_template: '#irc_$NETWORK_$CHANNEL',
    ...top,
    networks: {
      [NETWORK]: {
        name: 'Test Net', host: 'irc.test', port: 6667, tls: false, bot: { nick: BOT_NICK },
        reconnect: { base_delay_seconds: 1, max_delay_seconds: 8 },
        connect_rate_per_second: 100,
        ...network,
      },
      ...more,
    },
  };
}

/** What a Matrix event pushed by `matrixEvent` carries besides its content. */
export interface MatrixEventExtra {
  stateKey?: string;
  redacts?: EventId;
  unsigned?: Record<string, unknown>;
  originServerTs?: number;
}

export interface Harness {
  tb: TestBridge;
  /** The running connector (a new one after `restart()`). */
  readonly connector: IrcConnector;
  /** The connector's store, as its context hands it over. */
  readonly store: OpenedStore;
  server: FakeIrcServer;
  clock: TestClock;
  /** Waits until nothing moves without time passing (never moves the clock). */
  settle(): Promise<void>;
  /** Lets `ms` of time pass timer by timer (reconnect backoff, idle timers, retries). */
  advance(ms: number): Promise<void>;
  /** The homeserver pushes an event to the bridge (the sender is made a local user); waits for its effects. */
  matrixEvent(roomId: RoomId, sender: UserId, content: Record<string, unknown>, type?: string, extra?: MatrixEventExtra): Promise<{ eventId: EventId }>;
  /** Messages the bridge sent into a room, in order. */
  messagesIn(roomId: RoomId): SentEvent[];
  /** The bodies of the notices the bridge sent into a room that mention `userId` (what it told them), in order. */
  noticesTo(roomId: RoomId, userId: UserId): string[];
  /** The content of a room's current state event, as the homeserver holds it. */
  stateOf<T = Record<string, unknown>>(roomId: RoomId, type: string, stateKey?: string): T | undefined;
  /** The homeserver asks the bridge about the channel's portal alias (as for a user joining it); returns the room. */
  portal(channel?: string): Promise<RoomId>;
  /** Stops the bridge and starts it again on the same database, homeserver and IRC server. */
  restart(): Promise<void>;
  /** Stops the bridge (the connector QUITs IRC) and the homeserver; what was recorded stays readable. Once only. */
  stop(): Promise<void>;
}

export interface HarnessOptions {
  network?: Record<string, unknown>;
  top?: Record<string, unknown>;
  moreNetworks?: Record<string, Record<string, unknown>>;
  /** Rooms that exist before the bridge (made public by ADMIN), besides the plumbed rooms the config names. */
  rooms?: RoomId[];
  /** The bridge follows POLICY_ROOM as a moderation policy list (`moderation.policy_rooms`). */
  policyList?: boolean;
  /** Seeds the homeserver before the bridge starts (before the harness makes the plumbed rooms it still lacks). */
  seed?(homeserver: FakeHomeserver): void;
  /** Other top-level config sections (e.g. `shutdown`), merged over the kit's. */
  config?: Record<string, unknown>;
  server?: FakeIrcServer;
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const irc = testIrcSection(options.network, options.top, options.moreNetworks);
  const dir = mkdtempSync(join(tmpdir(), 'bridgekit-irc-kit-'));
  const server = options.server ?? new FakeIrcServer();
  const clock = new TestClock(1_700_000_000_000);
  const newConnector = () => new IrcConnector(createTestConfig({ irc }, { dir, domain: DOMAIN }), { createClient: server.factory, clock, random: () => 1 });
  const tb = await createTestBridge({
    connector: newConnector(), clock, dir, domain: DOMAIN,
    config: { ...(options.policyList ? { moderation: { policy_rooms: [POLICY_ROOM] } } : {}), ...options.config, irc },
    registration: { id: 'irc', senderLocalpart: 'ircbot', userPrefix: '_irc_', aliasPrefix: 'irc_' },
    // Plumbed rooms exist before the bridge: an admin made them public, so the bot can join,
    // and gave the bot power to set the bridge's state there.
    seed: (hs) => {
      options.seed?.(hs);
      for (const roomId of new Set([...staticRoomIds(irc), ...(options.rooms ?? []), ...(options.policyList ? [POLICY_ROOM] : [])])) {
        if (hs.model.rooms.has(roomId)) continue;
        hs.model.addUser(ADMIN);
        hs.model.createRoom(ADMIN, { preset: 'public_chat', power_level_content_override: { users: { [ADMIN]: 100, [BOT]: 100 } } }, roomId);
      }
    },
  });
  const settle = () => tb.idle();
  await settle();
  let stopped = false;
  return {
    tb, server, clock, settle,
    get connector() { return tb.connector as IrcConnector; },
    // The bridge hands its SQLite store over as the async interface; tests read its synchronous view.
    get store() { return (tb.connector as IrcConnector).bridge.ctx.store as OpenedStore; },
    advance: (ms) => tb.advance(ms),
    matrixEvent: async (roomId, sender, content, type = 'm.room.message', extra = {}) => {
      const eventId = await tb.push.event({ roomId, sender, type, content, ...extra });
      await settle();
      return { eventId };
    },
    messagesIn: (roomId) => tb.sent.messages(roomId),
    noticesTo: (roomId, userId) => tb.sent.messages(roomId)
      .filter((e) => e.content.msgtype === 'm.notice' && (e.content['m.mentions'] as { user_ids?: string[] } | undefined)?.user_ids?.includes(userId))
      .map((e) => String(e.content.body)),
    stateOf: (roomId, type, stateKey = '') => tb.homeserver.model.stateOf(roomId, type, stateKey),
    portal: async (channel = CHANNEL) => {
      const alias = asRoomAlias(`#irc_${NETWORK}_${channel}:${DOMAIN}`);
      if (!(await tb.queryAlias(alias))) throw new Error(`no portal for ${alias}`);
      await settle();
      return tb.homeserver.model.aliases.get(alias)!.roomId;
    },
    restart: async () => {
      await tb.restart(newConnector());
      await settle();
    },
    stop: async () => {
      if (stopped) return; // a test that stopped the bridge itself (to see the shutdown) is cleaned up once
      stopped = true;
      await tb.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function staticRoomIds(irc: Record<string, unknown>): RoomId[] {
  const networks = Object.values(irc.networks as Record<string, { static_rooms?: Array<{ room_id: string }> }>);
  return networks.flatMap((n) => n.static_rooms ?? []).map((r) => asRoomId(r.room_id));
}
