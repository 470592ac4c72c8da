/**
 * Channel history played back by the server (IRCv3 `chathistory` batch; InspIRCd's chanhistory
 * replays a channel's last lines to whoever joins it). When the bot rejoins after a disconnect
 * or a bridge restart, that replay holds lines it already bridged and lines said while it was
 * away. A replayed line is bridged only when:
 *   - it has a msgid the bridge has not mapped yet (mapped = already bridged: never twice), and
 *   - its server-time is not earlier than the last live line the bot heard in that channel, or
 *     its first join there (so a first join does not backfill talk from before the bridge was
 *     there). Compared at one-second resolution: InspIRCd 3 keeps history times to the second.
 * A server that replays without msgid or server-time gets nothing bridged from its replay.
 */
import type { KeyValueRepository } from '@bridgekit/appservice';
import type { IrcMessageEvent } from '../../irc/events';
import type { NetworkId } from '../../mapping/ids';

function markKey(network: NetworkId, channel: string): string {
  return `irc.heard-until ${network} ${channel}`;
}

/** Records that the bot heard a live line of `channel` stamped `serverTime`. */
export async function noteLiveLine(kv: KeyValueRepository, network: NetworkId, foldedChannel: string, serverTime: number | undefined): Promise<void> {
  if (serverTime === undefined) return;
  const key = markKey(network, foldedChannel);
  const previous = await kv.get<number>(key);
  if (previous === undefined || serverTime > previous) await kv.set(key, serverTime);
}

/**
 * The bot joined `channel`: the start of what it has heard there, unless it was there before
 * (a rejoin must not move the mark past the lines the server is about to replay).
 */
export async function noteJoin(kv: KeyValueRepository, network: NetworkId, foldedChannel: string, serverTime: number | undefined): Promise<void> {
  if (serverTime === undefined) return;
  const key = markKey(network, foldedChannel);
  if ((await kv.get<number>(key)) === undefined) await kv.set(key, serverTime);
}

/** Whether a replayed line is one the bridge missed (see the file comment). */
export async function isMissedLine(
  kv: KeyValueRepository, network: NetworkId, foldedChannel: string, e: Pick<IrcMessageEvent, 'msgid' | 'serverTime'>,
  alreadyBridged: (msgid: string) => Promise<boolean>,
): Promise<boolean> {
  if (e.msgid === undefined || e.serverTime === undefined || (await alreadyBridged(e.msgid))) return false;
  const heardUntil = await kv.get<number>(markKey(network, foldedChannel));
  return heardUntil !== undefined && e.serverTime >= heardUntil - (heardUntil % 1000);
}
