/**
 * Channel history played back by the server (IRCv3 `chathistory` batch; InspIRCd's chanhistory
 * replays a channel's last lines to whoever joins it). When the bot rejoins after a disconnect
 * or a bridge restart, that replay holds lines it already bridged and lines said while it was
 * away. A replayed line is bridged only when:
 *   - it has a msgid the bridge has not mapped yet (mapped = already bridged: never twice), and
 *   - it was said after the last live line the bot heard in that channel (compared at one-second
 *     resolution: InspIRCd 3 keeps history times to the second, so a line said in the same
 *     second as that live line may look older; its msgid tells whether it was bridged), or,
 *     when the bot never heard a line there, after its first join — strictly: a replay only
 *     holds lines said before the join that triggered it, so a first join backfills nothing;
 *   - it was not in such a first-join replay: those msgids are kept as seen, since a later
 *     replay may show them again in the same second as a line the bot heard live.
 * A server that replays without msgid or server-time gets nothing bridged from its replay.
 */
import type { KeyValueRepository } from '@bridgekit/appservice';
import type { IrcMessageEvent } from '../../irc/events';
import type { NetworkId } from '../../mapping/ids';

function markKey(network: NetworkId, channel: string): string {
  return `irc.heard-until ${network} ${channel}`;
}

/** What the bot last heard in a channel: a live line, or (before any) its first join. */
interface Mark {
  at: number;
  by: 'line' | 'join';
}

/**
 * Runs a channel's history bookkeeping in the order it was asked for (a JOIN, then the replay
 * that follows it): the store is asynchronous, and a replayed line must see the mark its JOIN
 * set. One chain per channel, per store; a chain ends when it has nothing left to run.
 */
const chains = new WeakMap<KeyValueRepository, Map<string, Promise<unknown>>>();

function inChannelOrder<T>(kv: KeyValueRepository, key: string, step: () => Promise<T>): Promise<T> {
  let perStore = chains.get(kv);
  if (!perStore) chains.set(kv, (perStore = new Map()));
  const previous = perStore.get(key) ?? Promise.resolve();
  const result = previous.then(step, step);
  const tail = result.catch(() => undefined);
  perStore.set(key, tail);
  void tail.then(() => {
    if (perStore.get(key) === tail) perStore.delete(key);
  });
  return result;
}

/** Records that the bot heard a live line of `channel` stamped `serverTime`. */
export function noteLiveLine(kv: KeyValueRepository, network: NetworkId, foldedChannel: string, serverTime: number | undefined): Promise<void> {
  const key = markKey(network, foldedChannel);
  return inChannelOrder(kv, key, async () => {
    if (serverTime === undefined) return;
    const previous = await kv.get<Mark>(key);
    if (previous === undefined || previous.by === 'join' || serverTime > previous.at) await kv.set(key, { at: serverTime, by: 'line' } satisfies Mark);
  });
}

/**
 * The bot joined `channel`: the start of what it has heard there, unless it was there before
 * (a rejoin must not move the mark past the lines the server is about to replay).
 */
export function noteJoin(kv: KeyValueRepository, network: NetworkId, foldedChannel: string, serverTime: number | undefined): Promise<void> {
  const key = markKey(network, foldedChannel);
  return inChannelOrder(kv, key, async () => {
    if (serverTime === undefined) return;
    if ((await kv.get<Mark>(key)) === undefined) await kv.set(key, { at: serverTime, by: 'join' } satisfies Mark);
  });
}

/** The verdict on the last replayed line of each channel still being decided, per store. */
const pendingReplays = new WeakMap<KeyValueRepository, Map<string, Promise<unknown>>>();

/**
 * Undefined when no replayed line of `channel` is still being decided; otherwise a promise that
 * settles after the last one is, so a live line can be queued behind the replay it follows.
 */
export function afterPendingReplay(kv: KeyValueRepository, network: NetworkId, foldedChannel: string): Promise<void> | undefined {
  const pending = pendingReplays.get(kv)?.get(markKey(network, foldedChannel));
  return pending?.then(() => undefined, () => undefined);
}

/** Whether a replayed line is one the bridge missed (see the file comment). */
export function isMissedLine(
  kv: KeyValueRepository, network: NetworkId, foldedChannel: string, e: Pick<IrcMessageEvent, 'msgid' | 'serverTime'>,
  alreadyBridged: (msgid: string) => Promise<boolean>,
): Promise<boolean> {
  const key = markKey(network, foldedChannel);
  let perStore = pendingReplays.get(kv);
  if (!perStore) pendingReplays.set(kv, (perStore = new Map()));
  const verdict = decideReplayed(kv, network, foldedChannel, e, alreadyBridged);
  perStore.set(key, verdict);
  const forget = () => {
    if (perStore.get(key) === verdict) perStore.delete(key);
  };
  verdict.then(forget, forget);
  return verdict;
}

function decideReplayed(
  kv: KeyValueRepository, network: NetworkId, foldedChannel: string, e: Pick<IrcMessageEvent, 'msgid' | 'serverTime'>,
  alreadyBridged: (msgid: string) => Promise<boolean>,
): Promise<boolean> {
  const key = markKey(network, foldedChannel);
  return inChannelOrder(kv, key, async () => {
    if (e.msgid === undefined || e.serverTime === undefined || (await alreadyBridged(e.msgid))) return false;
    const seenKey = `irc.replay-seen ${network} ${e.msgid}`;
    if ((await kv.get<boolean>(seenKey)) === true) return false;
    const mark = await kv.get<Mark>(key);
    if (mark !== undefined && mark.by === 'line') return e.serverTime >= mark.at - (mark.at % 1000);
    if (mark !== undefined && e.serverTime > mark.at) return true;
    // From before the bot was there: never bridged, and remembered as such. Bounded by the
    // server's history length per channel, since only a first join's replay gets here.
    await kv.set(seenKey, true);
    return false;
  });
}
