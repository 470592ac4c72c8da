/**
 * MSC2346 bridge info: every channel portal carries a state event saying which bridge bridges it
 * to which channel, under the spec's `m.bridge` and the older `uk.half-shot.bridge` that
 * clients shipped first (Element reads either). The state key names network and channel, so a
 * room linked to two channels has two entries.
 *
 * Written into the initial state of rooms the bridge creates, and checked for every other portal
 * at start-up and whenever the bot (re)joins a channel (which covers plumbed rooms). A store
 * marker per room and key remembers what was written, so the check costs no request afterwards.
 */
import { isDeepStrictEqual } from 'node:util';
import type { BridgeInfo, RoomId } from '@bridgekit/appservice';
import type { IrcNetworkConfig } from '../config/types';
import type { IrcNetwork } from '../network/network';
import type { BridgeRuntime } from '../runtime';

export const BRIDGE_EVENT_TYPES = ['m.bridge', 'uk.half-shot.bridge'] as const;

/** Bump when the content changes: portals are then rewritten once at the next check. */
const CONTENT_VERSION = 1;

export interface BridgeStateEvent {
  type: string;
  stateKey: string;
  content: Record<string, unknown>;
}

/** `org.bridgekit.irc://<network>/<casefolded channel, URI-encoded>`: stable however the channel is spelled. */
export function bridgeStateKey(network: Pick<IrcNetwork, 'id' | 'fold'>, channel: string): string {
  return `org.bridgekit.irc://${network.id}/${encodeURIComponent(network.fold(channel))}`;
}

/** The MSC2346 sections (protocol, network, channel) of one channel of one network. */
function sections(config: Pick<IrcNetworkConfig, 'id' | 'name' | 'host' | 'port' | 'tls'>, channel: string): Pick<BridgeInfo, 'protocol' | 'network' | 'channel'> {
  const server = `${config.tls ? 'ircs' : 'irc'}://${config.host}:${config.port}`;
  return {
    protocol: { id: 'irc', displayname: 'IRC' },
    network: { id: config.id, displayname: config.name, external_url: server },
    channel: { id: channel, displayname: channel, external_url: `${server}/${encodeURIComponent(channel)}` },
  };
}

/** The bridge info of a channel portal, for the core's `ctx.portals.create`. */
export function channelBridgeInfo(network: Pick<IrcNetwork, 'id' | 'fold'>, config: Pick<IrcNetworkConfig, 'id' | 'name' | 'host' | 'port' | 'tls'>, channel: string): BridgeInfo {
  return { ...sections(config, channel), stateKey: bridgeStateKey(network, channel) };
}

/** The MSC2346 content for one channel of one network. */
export function bridgeInfoContent(bot: string, config: Pick<IrcNetworkConfig, 'id' | 'name' | 'host' | 'port' | 'tls'>, channel: string): Record<string, unknown> {
  return { bridgebot: bot, creator: bot, ...sections(config, channel) };
}

/** Both bridge info events for a channel, e.g. for a new room's initial state. */
export function bridgeInfoState(rt: BridgeRuntime, network: IrcNetwork, channel: string): BridgeStateEvent[] {
  const stateKey = bridgeStateKey(network, channel);
  const content = bridgeInfoContent(rt.ctx.bot.userId, network.config, channel);
  return BRIDGE_EVENT_TYPES.map((type) => ({ type, stateKey, content }));
}

/** Records that the room got its bridge info in its initial state (no check needed later). */
export async function markBridgeInfo(rt: BridgeRuntime, roomId: RoomId, network: IrcNetwork, channel: string): Promise<void> {
  await rt.ctx.store.kv.set(markerKey(roomId, bridgeStateKey(network, channel)), CONTENT_VERSION);
}

/**
 * Makes sure the room carries the bridge info for the channel: nothing when the store says it
 * was written; otherwise reads `m.bridge` and writes both events if it is missing or stale.
 * Returns whether it wrote. Run it in the room's turn.
 */
export async function ensureBridgeInfo(rt: BridgeRuntime, roomId: RoomId, network: IrcNetwork, channel: string): Promise<boolean> {
  const events = bridgeInfoState(rt, network, channel);
  const stateKey = events[0]!.stateKey;
  const marker = markerKey(roomId, stateKey);
  if (await rt.ctx.store.kv.get<number>(marker) === CONTENT_VERSION) return false;
  const present = await rt.ctx.bot.getState(roomId, 'm.bridge', stateKey);
  const wanted = events[0]!.content;
  let wrote = false;
  if (!isDeepStrictEqual(present, wanted)) {
    for (const event of events) await rt.ctx.bot.sendState(roomId, event.type, event.stateKey, event.content);
    wrote = true;
  }
  await rt.ctx.store.kv.set(marker, CONTENT_VERSION);
  return wrote;
}

/** The check for every portal of the network, one room at a time in the background (start-up); ends when the network stops. */
export function checkBridgeInfo(rt: BridgeRuntime, network: IrcNetwork): void {
  const portals = rt.portals.channels(network.id);
  void (async () => {
    let written = 0;
    for (const portal of portals) {
      if (network.bot.state === 'stopped') return; // shutting down: the next start checks again
      try {
        if (await rt.ctx.inRoomOrder(portal.roomId, () => ensureBridgeInfo(rt, portal.roomId, network, portal.channel))) written++;
      } catch (error) {
        rt.metrics.handlerErrors.inc({ handler: 'irc.bridge-info' });
        rt.log.warn('Could not write the bridge info of a portal', { network: network.id, roomId: portal.roomId, channel: portal.channel, error: (error as Error).message });
      }
    }
    if (written > 0) rt.log.info('Wrote missing bridge info into portals', { network: network.id, rooms: written });
  })();
}

/**
 * The room no longer bridges the channel: both events are emptied (state cannot be deleted; an
 * empty content is how MSC2346 clients learn the bridge is gone) and the marker forgotten.
 */
export async function removeBridgeInfo(rt: BridgeRuntime, roomId: RoomId, network: Pick<IrcNetwork, 'id' | 'fold'>, channel: string): Promise<void> {
  const stateKey = bridgeStateKey(network, channel);
  await rt.ctx.store.kv.delete(markerKey(roomId, stateKey));
  for (const type of BRIDGE_EVENT_TYPES) await rt.ctx.bot.sendState(roomId, type, stateKey, {});
}

/** The room moved or stopped being bridged: the next check looks at the homeserver again. */
export async function forgetBridgeInfo(rt: BridgeRuntime, roomId: RoomId): Promise<void> {
  for (const key of await rt.ctx.store.kv.keys(`irc.bridge-info ${roomId} `)) await rt.ctx.store.kv.delete(key);
}

function markerKey(roomId: RoomId, stateKey: string): string {
  return `irc.bridge-info ${roomId} ${stateKey}`;
}
