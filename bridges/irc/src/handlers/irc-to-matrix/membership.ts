/**
 * IRC channel membership → the rooms' ghosts, through `rt.ghostSync` (ghosts/ghost-sync.ts says
 * what each `membership_sync` mode mirrors, and how bursts and netsplits are paced). Events of
 * our own puppets never get here (the dispatcher drops them): a Matrix user's reconnect, idle
 * disconnect or PART is not a membership change on Matrix.
 *
 * Two cases are not about ghosts:
 *   - the bot itself joins (asks for the channel's modes, checks the rooms' bridge info) or is
 *     kicked (the rooms are told: nothing arrives from the channel until it is back);
 *   - a Matrix user's puppet is kicked on IRC: the user is kicked from the channel's rooms too,
 *     and the puppet forgets the channel, so it does not quietly rejoin with their next message.
 */
import type { RoomId, UserId } from '@bridgekit/appservice';
import { SendQueueClearedError } from '../../irc/flood';
import type { IrcNetwork } from '../../network/network';
import { ensureBridgeInfo } from '../../portals/bridge-info';
import type { GhostSync } from '../../ghosts/ghost-sync';
import type { Diagnostics, MatrixSide, RoomTasks, Speaker } from '../../parts';
import type { Portals } from '../../portals/portals';
import { ircHandler } from '../registry';
import { noteJoin } from './history';

/** A kick from IRC is told in the room's turn, by the bot or to the user kicked. */
type KickDeps = Pick<Diagnostics, 'log'> & MatrixSide & RoomTasks;

/** What channel membership uses: the channel's rooms, the ghosts kept in step with it, and the room's turn for notices. */
type MembershipDeps = KickDeps & Pick<Speaker, 'tell'> & Parameters<typeof ensureBridgeInfo>[0] & {
  readonly portals: Pick<Portals, 'roomsForChannel'>;
  readonly ghostSync: Pick<GhostSync, 'joined' | 'left' | 'quit' | 'namesReceived' | 'spoke' | 'connectionLost'>;
};

export const channelJoins = ircHandler({
  name: 'irc.join',
  event: 'join',
  handle(e, { network }, rt: MembershipDeps) {
    if (rt.portals.roomsForChannel(network, e.channel).length === 0) return;
    if (e.self) {
      noteJoin(rt.ctx.store.kv, network.id, network.fold(e.channel), e.serverTime)
        .catch((error: Error) => rt.log.warn('Could not note when the bot joined a channel (history replay may be skipped)', { network: network.id, channel: e.channel, error: error.message }));
      // 324 comes back as a 'current' mode event (handlers/irc-to-matrix/modes.ts).
      network.bot.client.requestModes(e.channel).catch((error: Error) => {
        // The connection closed before the query left: the rejoin asks again. A bot in 1,000
        // channels would otherwise log 1,000 warnings for one disconnect during its start.
        if (error instanceof SendQueueClearedError) return;
        rt.log.warn('Could not ask for channel modes', { network: network.id, channel: e.channel, error: error.message });
      });
      return;
    }
    rt.ghostSync.joined(network, e.channel, e.nick);
  },
});

export const channelParts = ircHandler({
  name: 'irc.part',
  event: 'part',
  handle(e, { network }, rt: MembershipDeps) {
    if (e.self) return;
    rt.ghostSync.left(network, e.channel, e.nick, { kind: 'part', reason: e.reason });
  },
});

export const channelQuits = ircHandler({
  name: 'irc.quit',
  event: 'quit',
  handle(e, { network }, rt: MembershipDeps) {
    rt.ghostSync.quit(network, e.nick, e.reason, e.netsplit === true);
  },
});

export const channelKicks = ircHandler({
  name: 'irc.kick',
  event: 'kick',
  handle(e, { network }, rt: MembershipDeps) {
    const rooms = rt.portals.roomsForChannel(network, e.channel);
    if (rooms.length === 0) return;
    const why = `${e.nick} kicked ${e.kicked} from ${e.channel} on IRC${e.reason ? `: ${e.reason}` : ''}`;
    if (e.self) return botKicked(rt, network, rooms, why);
    const matrixUser = network.ownNicks.userOf(e.kicked);
    if (matrixUser) return puppetKicked(rt, network, e.channel, matrixUser, rooms, why);
    rt.ghostSync.left(network, e.channel, e.kicked, { kind: 'kick', by: e.nick, reason: e.reason });
  },
});

export const channelNames = ircHandler({
  name: 'irc.names',
  event: 'names',
  handle(e, { network }, rt: MembershipDeps) {
    const rooms = rt.portals.roomsForChannel(network, e.channel);
    if (rooms.length === 0) return;
    // The bot is (back) in the channel: the moment to check links made while it was elsewhere.
    for (const roomId of rooms) rt.roomTask(roomId, 'irc.bridge-info', async () => void await ensureBridgeInfo(rt, roomId, network, e.channel));
    rt.ghostSync.namesReceived(network, e.channel);
  },
});

/** The bot's connection closed: before the roster forgets its channels, ghost sync notes them (its NAMES on rejoining waits for the users). */
export const botConnectionClosed = ircHandler({
  name: 'irc.bot-close',
  event: 'close',
  handle(_e, { network }, rt: MembershipDeps) {
    rt.ghostSync.connectionLost(network);
  },
});

/** Runs after the message handler: its ghost is about to join, which lazy mode must know. */
export const channelSpeakers = ircHandler({
  name: 'irc.speaker',
  event: 'message',
  handle(e, { network }, rt: MembershipDeps) {
    if (e.self || e.fromServer || e.statusPrefix || !network.isChannel(e.target)) return;
    rt.ghostSync.spoke(network, e.target, e.nick);
  },
});

function botKicked(rt: KickDeps, network: IrcNetwork, rooms: readonly RoomId[], why: string): void {
  rt.log.warn('The bridge bot was kicked from a bridged channel', { network: network.id, why });
  for (const roomId of rooms) {
    rt.roomTask(roomId, 'irc.bot-kicked', async () => {
      await rt.ctx.bot.sendMessage(roomId, { msgtype: 'm.notice', body: `${why}. That was the bridge bot: messages from IRC will not arrive until it rejoins (after its next reconnect, or a bridge restart).` });
    });
  }
}

function puppetKicked(rt: KickDeps & Pick<Speaker, 'tell'>, network: IrcNetwork, channel: string, userId: UserId, rooms: readonly RoomId[], why: string): void {
  network.puppets.partChannel(userId, channel).catch((error: Error) => rt.log.debug('Kicked puppet could not forget the channel', { network: network.id, userId, error: error.message }));
  for (const roomId of rooms) {
    rt.roomTask(roomId, 'irc.puppet-kicked', async () => {
      try {
        await rt.ctx.bot.kick(roomId, userId, why);
      } catch (error) {
        // A plumbed room may not let the bot kick: the user should still know.
        rt.log.info('Could not mirror an IRC kick of a Matrix user', { roomId, userId, error: (error as Error).message });
        await rt.tell(roomId, userId, `${why}. Your next message here joins the channel again.`);
      }
    });
  }
}
