/**
 * Ghosts' power levels in portal rooms, following the channels' prefix modes (and the topic
 * level +t asks for). Requests are merged per room and written in the room's turn, one event for
 * all of them; what a task took stays with it, so a retry after an outage still writes it.
 */
import type { BridgeContext, RoomId, UserId } from '@bridgekit/appservice';
import { Counter, type Registry } from 'prom-client';
import type { GhostUserIds } from '../mapping/ghost-ids';
import type { IrcNetwork } from '../network/network';
import type { NetworkDirectory, RoomTasks } from '../parts';
import type { Portals } from '../portals/portals';
import { levelForPrefixes, mergePending, PendingLevelUpdates, roomCreators, withGhostLevels, withTopicLevel, type PendingLevels, type PowerLevelsContent } from './power-levels';
import type { GhostPresence } from './presence';
import type { GhostRenames } from './renames';

/** What the levels use: the bot's state, the rooms' channels and turns, and whose ghost is whose. */
export interface GhostLevelsDeps extends RoomTasks, NetworkDirectory {
  readonly ctx: Pick<BridgeContext, 'bot'>;
  readonly ghosts: Pick<GhostUserIds, 'parseUserId'>;
  readonly portals: Pick<Portals, 'channelsOfRoom'>;
}

export class GhostLevels {
  private readonly pending: PendingLevelUpdates;
  private readonly writes: Counter;

  constructor(
    private readonly rt: GhostLevelsDeps,
    private readonly presence: Pick<GhostPresence, 'ghostsIn'>,
    private readonly renames: Pick<GhostRenames, 'nickOf'>,
    registry: Registry,
    /** Resolves when the ghost joins already running in the room are done (see running-work.ts). */
    joinsSettled: (roomId: RoomId) => Promise<void> = async () => undefined,
  ) {
    this.pending = new PendingLevelUpdates((roomId) => {
      let taken: PendingLevels | undefined;
      rt.roomTask(roomId, 'irc.power-levels', async () => {
        await joinsSettled(roomId);
        taken = mergePending(taken, this.pending.take(roomId));
        if (taken) await this.write(roomId, taken);
      });
    });
    this.writes = new Counter({
      name: 'bridgekit_irc_power_level_writes_total', help: 'Power level events written for ghosts (and the topic level that follows +t)', registers: [registry],
    });
  }

  /** The ghost's level in the room is to be checked (or every ghost's, with 'all'). */
  request(roomId: RoomId, ghost: UserId | 'all'): void {
    this.pending.request(roomId, ghost);
  }

  /** `m.room.topic` needs `level` in the room from now on, written with the room's next level change. */
  requestTopicLevel(roomId: RoomId, level: number): void {
    this.pending.requestTopicLevel(roomId, level);
  }

  /** The level a member's prefixes give in this room: the highest over the room's channels. */
  levelOf(roomId: RoomId, network: IrcNetwork, nick: string): number {
    let level = 0;
    for (const portal of this.rt.portals.channelsOfRoom(roomId)) {
      if (portal.network !== network.id) continue;
      const prefixes = network.roster.prefixesOf(portal.channel, nick);
      if (prefixes) level = Math.max(level, levelForPrefixes(prefixes, network.isupport, network.config.modePowerLevels));
    }
    return level;
  }

  /** Power levels of one room, in its turn: every change requested since the last write, at once. */
  private async write(roomId: RoomId, pending: PendingLevels): Promise<void> {
    const { bot } = this.rt.ctx;
    const current = await bot.getState<PowerLevelsContent>(roomId, 'm.room.power_levels');
    if (!current) return;
    const withTopic = pending.topicLevel === undefined ? undefined : withTopicLevel(current, pending.topicLevel);
    if (!pending.all && pending.ghosts.size === 0) {
      if (withTopic) await this.send(roomId, withTopic);
      return;
    }
    const ghosts = await this.presence.ghostsIn(roomId);
    const candidates = new Set(pending.ghosts);
    if (pending.all) {
      for (const ghost of ghosts) candidates.add(ghost);
      for (const userId of Object.keys(current.users ?? {})) if (this.rt.ghosts.parseUserId(userId)) candidates.add(userId as UserId);
    }
    const wanted = new Map<UserId, number>();
    for (const ghost of candidates) {
      const network = this.rt.network(this.rt.ghosts.parseUserId(ghost)?.network ?? '');
      const nick = network && this.renames.nickOf(network, ghost);
      wanted.set(ghost, network && nick && ghosts.has(ghost) ? this.levelOf(roomId, network, nick) : 0);
    }
    const next = withGhostLevels(withTopic ?? current, bot.userId, wanted, await roomCreators(bot, roomId)) ?? withTopic;
    if (next) await this.send(roomId, next);
  }

  private async send(roomId: RoomId, content: PowerLevelsContent): Promise<void> {
    await this.rt.ctx.bot.sendState(roomId, 'm.room.power_levels', '', content);
    this.writes.inc();
  }
}
