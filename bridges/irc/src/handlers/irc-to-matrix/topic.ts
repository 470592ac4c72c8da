/**
 * IRC topic → the room's topic: set by the ghost of whoever changed it (so the room shows who)
 * when its power level allows (anyone's on a -t channel, operators' on +t: portals/channel-modes.ts
 * makes the room's topic level follow the mode), else by the bot, which also sets the topic the server reports
 * when the bot joins. Nothing is written when the room already has that topic, so a rejoin
 * costs nothing. No echo loop: a topic a Matrix user set arrives here from their own puppet and
 * is skipped, and what the ghost or bot writes into Matrix is filtered out by the core.
 */
import { isMatrixError, type OutboxDelivery, type RoomId } from '@bridgekit/appservice';
import { stripMirc } from '../../format/mirc';
import type { PowerLevelsContent } from '../../ghosts/power-levels';
import type { IrcNick } from '../../mapping/ids';
import type { IrcNetwork } from '../../network/network';
import type { GhostSync } from '../../ghosts/ghost-sync';
import type { IrcOutbox, TopicChange } from './outbox-kinds';
import type { Diagnostics, GhostResolver, MatrixSide, NetworkDirectory } from '../../parts';
import type { Portals } from '../../portals/portals';
import { ircHandler } from '../registry';

/** What setting a topic uses: the networks, the ghosts and who may set state. */
type TopicDeps = NetworkDirectory & GhostResolver & Diagnostics & MatrixSide & { readonly ghostSync: Pick<GhostSync, 'ghostOf'> };

/** What hearing a topic uses: the channel's rooms, the setter's ghost, and the outbox the change is journaled in. */
type TopicHeardDeps = {
  readonly portals: Pick<Portals, 'roomsForChannel'>;
  readonly ghostSync: Pick<GhostSync, 'spoke'>;
  readonly outbox: Pick<IrcOutbox, 'topic'>;
};

export const channelTopics = ircHandler({
  name: 'irc.topic',
  event: 'topic',
  handle(e, { network }, rt: TopicHeardDeps) {
    if (e.setBy && network.ownNicks.has(e.setBy)) return;
    const topic = stripMirc(e.topic);
    const setBy = e.setBy && network.fold(e.setBy) !== network.fold(network.botNick) ? e.setBy : undefined;
    // Like a speaker, the setter's ghost is about to join; asked first, so its power level (an
    // operator's, on a +t channel) is written in the room's turn before the topic is.
    if (setBy) rt.ghostSync.spoke(network, e.channel, setBy);
    for (const roomId of rt.portals.roomsForChannel(network, e.channel)) {
      void rt.outbox.topic.enqueue(roomId, { network: network.id, roomId, topic, ...(setBy ? { setBy } : {}) });
    }
  },
});

/** Sets the topic in its room's turn (the outbox's handler). State events need no transaction ID: setting it twice is harmless. */
export async function deliverTopic(rt: TopicDeps, { payload }: OutboxDelivery<TopicChange>): Promise<void> {
  const network = rt.network(payload.network);
  if (!network) return;
  await setRoomTopic(rt, network, payload.roomId, payload.topic, payload.setBy);
}

async function setRoomTopic(rt: TopicDeps, network: IrcNetwork, roomId: RoomId, topic: string, setBy: IrcNick | undefined): Promise<void> {
  const current = await rt.ctx.bot.getState<{ topic?: unknown }>(roomId, 'm.room.topic');
  if ((typeof current?.topic === 'string' ? current.topic : '') === topic) return;
  if (setBy && await ghostMaySetTopic(rt, network, roomId, setBy)) {
    try {
      await (await rt.ghost(network, setBy)).sendState(roomId, 'm.room.topic', '', { topic });
      return;
    } catch (error) {
      if (!isMatrixError(error, 'M_FORBIDDEN')) throw error;
      rt.log.debug('Ghost may not set the topic; the bot does', { roomId, nick: setBy });
    }
  }
  await rt.ctx.bot.sendState(roomId, 'm.room.topic', '', { topic });
}

/** Asked first so a ghost without the power is not joined to the room just to be refused. */
async function ghostMaySetTopic(rt: TopicDeps, network: IrcNetwork, roomId: RoomId, nick: IrcNick): Promise<boolean> {
  const levels = await rt.ctx.bot.getState<PowerLevelsContent & { events?: Record<string, unknown>; state_default?: unknown }>(roomId, 'm.room.power_levels');
  if (!levels) return false;
  const number = (value: unknown, fallback: number) => (typeof value === 'number' ? value : fallback);
  const needed = number(levels.events?.['m.room.topic'], number(levels.state_default, 50));
  const ghost = rt.ghostSync.ghostOf(network, nick);
  if (!ghost) return false;
  return number(levels.users?.[ghost], number(levels.users_default, 0)) >= needed;
}
