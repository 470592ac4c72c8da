/**
 * The IRC bridge under test, as scenarios use it: the real CLI with a fresh config and database
 * (one per test file), and the names a user meets — portal aliases, ghost IDs, puppet nicks —
 * spelled the way the bridge's defaults spell them, so assertions read like what a user sees.
 */
import { readE2eEnv } from './env';
import { startBridge, type RunningBridge } from './bridge-process';
import { writeBridgeConfig, type BridgeConfigOverrides, type WrittenBridgeConfig } from './bridge-config';
import type { IrcTestClient } from './irc-client';
import { connectIrc, disconnectAllIrc, uniqueNick } from './irc-client';
import { MatrixClient } from './matrix-client';
import { GHOST_LOCALPART_PREFIX, IRC_NETWORK_ID, SENDER_LOCALPART, SERVER_NAME } from './namespaces';

/** The bridge bot's IRC nick (bridge-config.ts sets `bot.nick` to the sender localpart). */
export const BOT_NICK = SENDER_LOCALPART;

export interface BridgeUnderTest {
  readonly config: WrittenBridgeConfig;
  /** The running process; replaced by `restart`. */
  readonly process: RunningBridge;
  /** SIGTERM, then the same CLI on the same config and database. */
  restart(): Promise<void>;
  /** Stops the bridge; resolves with how it exited. */
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Starts it again after `stop` (same config and database). */
  start(): Promise<void>;
  logTail(lines?: number): string;
}

/** Writes a config with a fresh database and starts the bridge CLI with it. */
/**
 * One bridge for the calling test file: started before its first test (with `overrides`, which
 * may be computed then, e.g. from free ports) and stopped, with every IRC test client, after its
 * last. Returns a getter, since the bridge exists only once `beforeAll` has run.
 */
export function bridgeForThisFile(overrides: () => BridgeConfigOverrides | Promise<BridgeConfigOverrides> = () => ({})): () => BridgeUnderTest {
  let bridge: BridgeUnderTest | undefined;
  beforeAll(async () => {
    bridge = await startIrcBridge(await overrides());
  });
  afterAll(async () => {
    await disconnectAllIrc();
    await bridge?.stop();
  });
  return () => {
    if (!bridge) throw new Error('the bridge of this test file did not start (see beforeAll)');
    return bridge;
  };
}

export async function startIrcBridge(overrides: BridgeConfigOverrides = {}): Promise<BridgeUnderTest> {
  const config = writeBridgeConfig(readE2eEnv(), overrides);
  let running: RunningBridge | undefined = await startBridge({ configPath: config.configPath });
  const current = (): RunningBridge => {
    if (!running) throw new Error('the bridge is stopped');
    return running;
  };
  const bridge: BridgeUnderTest = {
    config,
    get process() {
      return current();
    },
    async stop() {
      const stopping = current();
      running = undefined;
      return stopping.stop();
    },
    async start() {
      if (running) throw new Error('the bridge is already running');
      running = await startBridge({ configPath: config.configPath });
    },
    async restart() {
      await bridge.stop();
      await bridge.start();
    },
    logTail: (lines) => current().logTail(lines),
  };
  return bridge;
}

/** A channel name no other scenario of this run uses (lower case: its alias needs no escaping). */
export function uniqueChannel(prefix = 'c'): string {
  return `#${uniqueNick(prefix)}`;
}

/** The alias that makes the bridge create a portal for `channel` (template `#irc_$NETWORK_$CHANNEL`). */
export function portalAlias(channel: string): string {
  if (!/^#[a-z0-9-]+$/.test(channel)) throw new Error(`portalAlias: use a plain lower-case channel name (got ${channel}); others need the bridge's escaping`);
  return `#irc_${IRC_NETWORK_ID}_${channel}:${SERVER_NAME}`;
}

/** The Matrix ID of an IRC user's ghost; plain lower-case nicks only (others are escaped by the bridge). */
export function ghostUserId(nick: string): string {
  if (!/^[a-z0-9.-]+$/.test(nick)) throw new Error(`ghostUserId: use a plain lower-case nick (got ${nick}); others are escaped by the bridge`);
  return `@${GHOST_LOCALPART_PREFIX}${IRC_NETWORK_ID}_${nick}:${SERVER_NAME}`;
}

/** The nick a Matrix user's IRC connection takes with the default template `$DISPLAY[m]`. */
export function puppetNick(displayName: string): string {
  return `${displayName}[m]`;
}

/** A Matrix user with a display name short and plain enough to predict their IRC nick. */
export interface MatrixTestUser {
  client: MatrixClient;
  displayName: string;
  /** Their IRC nick once connected: `<displayName>[m]`. */
  nick: string;
}

export async function matrixUser(prefix = 'm'): Promise<MatrixTestUser> {
  const client = await MatrixClient.register();
  const displayName = uniqueNick(prefix);
  await client.setDisplayName(displayName);
  return { client, displayName, nick: puppetNick(displayName) };
}

/**
 * Joins `user` to the portal of `channel` and resolves with the room ID once the bridge bot is
 * in the channel, as `observer` (an IRC user in the channel) sees it.
 */
export async function joinPortal(user: MatrixClient, channel: string, observer: IrcTestClient): Promise<string> {
  const roomId = await user.joinRoom(portalAlias(channel));
  await observer.waitForMember(channel, BOT_NICK);
  return roomId;
}

/** A channel with two IRC users and a Matrix user in its portal, each having spoken once. */
export interface ChannelScene {
  channel: string;
  /** Joined the channel first: its operator. */
  op: IrcTestClient;
  /** An IRC user who has spoken, so their ghost is in the room. */
  carol: IrcTestClient;
  alice: MatrixTestUser;
  roomId: string;
}

/** Sets up a `ChannelScene` in a fresh channel (`prefix` names it) and waits until both directions work. */
export async function channelScene(prefix: string): Promise<ChannelScene> {
  const channel = uniqueChannel(prefix);
  const op = await connectIrc(uniqueNick('op'));
  await op.join(channel);
  const carol = await connectIrc(uniqueNick('carol'));
  await carol.join(channel);
  const alice = await matrixUser();
  const roomId = await joinPortal(alice.client, channel, op);
  carol.say(channel, 'carol speaks');
  await alice.client.waitForMessage(roomId, 'carol speaks');
  await alice.client.sendText(roomId, 'alice speaks');
  await op.waitForMessage((m) => m.nick === alice.nick && m.message === 'alice speaks');
  return { channel, op, carol, alice, roomId };
}
