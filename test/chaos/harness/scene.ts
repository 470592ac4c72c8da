/**
 * The pieces chaos scenarios share, on top of the e2e harness: a bridge started behind fault
 * proxies (bridge → proxy → Synapse for its client-server requests, Synapse → proxy → bridge for
 * its transactions), kill -9, the whole room timeline read back for counting, and a process's
 * resident memory.
 */
import { readFileSync } from 'node:fs';
import { readE2eEnv } from '../../e2e/harness/env';
import { connectIrc, uniqueNick, type IrcTestClient } from '../../e2e/harness/irc-client';
import { joinPortal, matrixUser, startIrcBridge, uniqueChannel, type BridgeUnderTest, type MatrixTestUser } from '../../e2e/harness/irc-bridge';
import type { BridgeConfigOverrides } from '../../e2e/harness/bridge-config';
import type { MatrixClient } from '../../e2e/harness/matrix-client';
import { freePorts } from '@bridgekit/appservice/testing';
import { startFaultProxy, type FaultProxy } from './fault-proxy';

export interface ChaosBridge {
  bridge: BridgeUnderTest;
  /** Between the bridge and Synapse's client-server API. */
  toHomeserver: FaultProxy;
  /** Between Synapse and the bridge's appservice listener (on the port the registration names). */
  toBridge: FaultProxy;
  stop(): Promise<void>;
}

export async function startChaosBridge(overrides: BridgeConfigOverrides = {}, options: { stallMs?: number } = {}): Promise<ChaosBridge> {
  const env = readE2eEnv();
  const [bridgePort] = await freePorts(1);
  const toHomeserver = await startFaultProxy({ target: env.homeserver.url, stallMs: options.stallMs });
  const toBridge = await startFaultProxy({ target: `http://127.0.0.1:${bridgePort}`, port: env.appservice.port, stallMs: options.stallMs });
  try {
    const bridge = await startIrcBridge({ ...overrides, homeserver: { url: toHomeserver.url }, appservice: { port: bridgePort } });
    return {
      bridge,
      toHomeserver,
      toBridge,
      stop: async () => {
        await bridge.stop().catch(() => undefined);
        await toHomeserver.close();
        await toBridge.close();
      },
    };
  } catch (error) {
    await toHomeserver.close();
    await toBridge.close();
    throw error;
  }
}

/** An IRC user and a Matrix user in a fresh portal, each having heard the other once. */
export interface Conversation {
  channel: string;
  irc: IrcTestClient;
  alice: MatrixTestUser;
  roomId: string;
}

export async function startConversation(prefix: string): Promise<Conversation> {
  const channel = uniqueChannel(prefix);
  const irc = await connectIrc(uniqueNick('i'));
  await irc.join(channel);
  const alice = await matrixUser();
  const roomId = await joinPortal(alice.client, channel, irc);
  await alice.client.sendText(roomId, 'warm-up from matrix');
  await irc.waitForMessage((m) => m.message === 'warm-up from matrix', 60_000);
  irc.say(channel, 'warm-up from irc');
  await alice.client.waitForMessage(roomId, 'warm-up from irc', 60_000);
  return { channel, irc, alice, roomId };
}

/** What IRC user `irc` heard in `channel`, oldest first. */
export function heardIn(irc: IrcTestClient, channel: string): string[] {
  return irc.receivedMessages.filter((m) => m.target.toLowerCase() === channel.toLowerCase()).map((m) => m.message);
}

/** SIGKILL, as a crash or the OOM killer would; resolves once the process is gone. */
export async function killHard(bridge: BridgeUnderTest): Promise<void> {
  process.kill(bridge.process.pid, 'SIGKILL');
  await bridge.stop(); // reaps it; SIGTERM to a dead process is a no-op
}

/** Every m.room.message body `sender` sent in the room, oldest first, paging through the whole timeline. */
export async function allBodiesFrom(client: MatrixClient, roomId: string, sender: string): Promise<string[]> {
  const bodies: string[] = [];
  let from: string | undefined;
  for (;;) {
    const page = await client.request<{ chunk: Array<{ type: string; sender: string; content: { body?: unknown } }>; end?: string }>(
      'GET', `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/messages`,
      { query: { dir: 'b', limit: 1000, ...(from ? { from } : {}), filter: JSON.stringify({ types: ['m.room.message'], senders: [sender] }) } },
    );
    for (const e of page.chunk) if (e.type === 'm.room.message' && e.sender === sender) bodies.push(String(e.content.body));
    if (!page.end || page.chunk.length === 0) break;
    from = page.end;
  }
  return bodies.reverse();
}

/** Resident memory of a process in bytes (Linux /proc). */
export function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
  if (kb === undefined) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(kb) * 1024;
}

/**
 * Waits until `count()` reaches `target`, or stops changing for `quietMs` (or `timeoutMs`
 * passes): "everything that will arrive has". `quietMs` must exceed the longest pause the
 * bridge may legitimately take (a retry backoff, a stalled request).
 */
export async function settle(count: () => Promise<number> | number, options: { target?: number; quietMs?: number; timeoutMs?: number } = {}): Promise<number> {
  const { target = Infinity, quietMs = 30_000, timeoutMs = 900_000 } = options;
  const deadline = Date.now() + timeoutMs;
  let last = await count();
  let since = Date.now();
  while (Date.now() < deadline && last < target) {
    await new Promise((r) => setTimeout(r, 1_000));
    const now = await count();
    if (now !== last) {
      last = now;
      since = Date.now();
    } else if (Date.now() - since >= quietMs) {
      break;
    }
  }
  // Whatever was still in flight when the target was reached (a duplicate) gets a moment to show.
  if (last >= target) await new Promise((r) => setTimeout(r, 5_000));
  return count();
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
