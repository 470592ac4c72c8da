/**
 * Keeps the ghosts of portal rooms in step with the IRC channels: who is joined (JOIN, PART,
 * QUIT, KICK, NAMES), under which name (NICK), with which power level (prefix modes).
 *
 * Every membership change is a *request to reconcile* one ghost in one room: it is coalesced,
 * paced (`membership_pacing`) and, when its turn comes, run in the room's order, where it looks
 * at the channel as it is *then* (the bot's roster) and at the room's joined ghosts, and does
 * the one thing needed — or nothing, which is what makes bursts cheap: a nick that parted and
 * rejoined before its turn costs no request at all. Netsplit QUITs are held first (netsplit.ts),
 * and so are the leaves a NAMES after the bot's own reconnect asks for (rejoin-grace.ts).
 *
 * What `membership_sync` means here:
 *   - all:  every channel member has a ghost in the room (NAMES at join, then JOIN/PART/QUIT/KICK);
 *   - lazy: ghosts join when they first speak; PART/QUIT/KICK of a ghost that is in the room
 *           are mirrored, and a NAMES sync removes ghosts of people no longer in the channel;
 *   - none: no membership is mirrored at all (ghosts still join to speak).
 * Only IRC changes move ghosts: a disconnect of the bot or of a puppet never does (the roster
 * forgets a channel on disconnect, and nothing is reconciled until NAMES arrives again).
 */
import type { BridgeContext, Intent, RoomId, UserId } from '@bridgekit/appservice';
import { Counter, Gauge } from 'prom-client';
import type { Clock } from '../irc/clock';
import { isIrcError } from '../irc/errors';
import { GhostIdTooLongError } from '../mapping/ghost-ids';
import type { IrcNick } from '../mapping/ids';
import type { IrcNetwork } from '../network/network';
import type { IrcBridgeConfig } from '../config/types';
import type { GhostUserIds } from '../mapping/ghost-ids';
import type { Diagnostics, GhostResolver, NetworkDirectory, RoomTasks } from '../parts';
import type { Portals } from '../portals/portals';
import { GhostBans, unlessBanned } from './bans';
import { isNetsplitQuit, NetsplitHold, type HeldQuit } from './netsplit';
import { PacedQueue } from './paced-queue';
import { RejoinGrace, type HeldLeave } from './rejoin-grace';
import { GhostLevels } from './ghost-levels';
import { RunningRoomWork } from './running-work';
import { GhostPresence } from './presence';
import { GhostRenames } from './renames';

/** Why a ghost may have to leave; `sync` just aligns it with the channel. */
export type MemberChange =
  | { kind: 'sync'; reason?: string }
  | { kind: 'part'; reason: string }
  | { kind: 'quit'; reason: string }
  | { kind: 'kick'; by: string; reason: string };

interface Reconcile {
  roomId: RoomId;
  network: IrcNetwork;
  nick: IrcNick;
  /** Resolved when asked: a rename released meanwhile must not change who leaves. */
  ghost: UserId;
  change: MemberChange;
}

/** Rooms whose joined ghosts are remembered at once (each set is the room's ghost membership). */
const MAX_ROOMS_REMEMBERED = 2000;
/** Ghost bans remembered at once (bans.ts). */
const MAX_BANS_REMEMBERED = 10_000;

/** What ghost sync uses: the Matrix side, the ghosts' IDs, the portals, the networks and the room turns. */
export interface GhostSyncDeps extends Diagnostics, RoomTasks, NetworkDirectory {
  readonly ctx: BridgeContext;
  readonly config: Pick<IrcBridgeConfig, 'membershipPacing'>;
  readonly ghosts: GhostUserIds;
  readonly portals: Portals;
}

export class GhostSync implements GhostResolver {
  readonly renames: GhostRenames;
  readonly presence: GhostPresence;
  /** Ghosts Matrix users banned from portal rooms: they neither join nor speak there. */
  readonly bans = new GhostBans(MAX_BANS_REMEMBERED);
  private readonly queue: PacedQueue<Reconcile>;
  private readonly levels: GhostLevels;
  private readonly holds = new Map<string, NetsplitHold>();
  private readonly rejoinGrace: RejoinGrace;
  private readonly joining = new RunningRoomWork();
  private readonly metrics: { changes: Counter<'change'>; dropped: Counter };
  private warnedFull = false;

  constructor(private readonly rt: GhostSyncDeps, private readonly clock: Clock) {
    const { ctx, config } = rt;
    // A private chat holds its ghost for its person even when they share no channel with us.
    this.renames = new GhostRenames(ctx.store.ghosts, rt.ghosts, (network, nick) => rt.portals.hasPrivateChatWith(network, nick), rt.log);
    this.presence = new GhostPresence({
      load: (roomId) => ctx.bot.joinedMembers(roomId),
      isGhost: (userId) => rt.ghosts.parseUserId(userId) !== undefined,
      maxRooms: MAX_ROOMS_REMEMBERED,
    });
    const pacing = config.membershipPacing;
    this.queue = new PacedQueue<Reconcile>({
      ratePerSecond: pacing.ratePerSecond,
      burst: pacing.burst,
      maxQueued: pacing.maxQueued,
      clock,
      release: (r) => rt.roomTask(r.roomId, 'irc.membership', () => this.joining.track(r.roomId, () => this.reconcile(r))),
    });
    this.rejoinGrace = new RejoinGrace({ clock, maxHeld: pacing.maxQueued, onExpired: (network, leaves) => this.rejoinGraceOver(network, leaves) });
    this.levels = new GhostLevels(rt, this.presence, this.renames, ctx.metrics, (roomId) => this.joining.settled(roomId));
    const registers = [ctx.metrics];
    const queue = this.queue;
    const holds = this.holds;
    this.metrics = {
      changes: new Counter({ name: 'bridgekit_irc_ghost_membership_total', help: 'Ghost joins, leaves and kicks sent to the homeserver', labelNames: ['change'], registers }),
      dropped: new Counter({ name: 'bridgekit_irc_ghost_membership_dropped_total', help: 'Ghost membership changes dropped because the paced queue was full', registers }),
    };
    new Gauge({ name: 'bridgekit_irc_ghost_membership_queued', help: 'Ghost membership changes waiting for their turn', registers, collect() { this.set(queue.size); } });
    const bans = this.bans;
    new Gauge({ name: 'bridgekit_irc_ghost_bans_remembered', help: 'Ghost bans from portal rooms remembered (bounded; the oldest are learnt again when needed)', registers, collect() { this.set(bans.size); } });
    new Gauge({ name: 'bridgekit_irc_netsplit_held', help: 'Netsplit QUITs held, waiting to see whether the user rejoins', registers, collect() { this.set([...holds.values()].reduce((n, h) => n + h.size, 0)); } });
  }

  /** JOIN of an IRC user (not one of ours) in a bridged channel. */
  async ghost(network: IrcNetwork, nick: IrcNick): Promise<Intent> {
    const intent = this.rt.ctx.intent(this.renames.userIdFor(network, nick));
    await intent.ensureProfile({ displayName: nick });
    return intent;
  }

  async ghostIntent(network: IrcNetwork, ghost: UserId): Promise<Intent> {
    const intent = this.rt.ctx.intent(ghost);
    const nick = this.renames.nickOf(network, ghost);
    if (nick !== undefined) await intent.ensureProfile({ displayName: nick });
    return intent;
  }

  joined(network: IrcNetwork, channel: string, nick: IrcNick): void {
    this.holdOf(network).returned(network.fold(nick));
    const rooms = this.rt.portals.roomsForChannel(network, channel);
    this.rejoinGrace.returned(network, rooms, nick);
    if (network.config.membershipSync !== 'all') return;
    for (const roomId of rooms) this.request(roomId, network, nick, { kind: 'sync' });
  }

  /** PART or KICK of an IRC user (not one of ours) from a bridged channel. */
  left(network: IrcNetwork, channel: string, nick: IrcNick, change: MemberChange): void {
    for (const roomId of this.rt.portals.roomsForChannel(network, channel)) this.request(roomId, network, nick, change);
    const elsewhere = this.channelsOf(network, nick).some((c) => network.fold(c) !== network.fold(channel));
    if (!elsewhere) this.renames.release(network, nick);
  }

  /**
   * QUIT of an IRC user. Runs before the roster forgets them, so it still knows their channels.
   * `inNetsplitBatch`: the server said so (IRCv3 `netsplit` batch), whatever the reason reads.
   */
  quit(network: IrcNetwork, nick: IrcNick, reason: string, inNetsplitBatch = false): void {
    const channels = this.channelsOf(network, nick);
    if (channels.length === 0) return;
    if ((inNetsplitBatch || isNetsplitQuit(reason)) && this.holdOf(network).hold(network.fold(nick), { nick, channels, reason })) return;
    this.leaveAfterQuit(network, nick, channels, reason);
  }

  /**
   * The ghost that speaks for `nick` now (`renames.userIdFor`); undefined when the nick cannot
   * have one (its user ID would be too long). Any other failure is logged and counted too.
   */
  ghostOf(network: IrcNetwork, nick: IrcNick): UserId | undefined {
    try {
      return this.renames.userIdFor(network, nick);
    } catch (error) {
      if (!(error instanceof GhostIdTooLongError)) {
        this.rt.metrics.handlerErrors.inc({ handler: 'irc.ghost-of' });
        this.rt.log.error('Could not work out the ghost of an IRC nick', { network: network.id, nick, error: (error as Error).message });
      }
      return undefined;
    }
  }

  /**
   * NICK: the same person, renamed. Their ghost keeps speaking for them under the new name;
   * returns it (undefined when neither nick fits in a user ID: nothing to rename).
   */
  renamed(network: IrcNetwork, oldNick: IrcNick, newNick: IrcNick): UserId | undefined {
    let ghost: UserId;
    try {
      ghost = this.renames.rename(network, oldNick, newNick);
    } catch (error) {
      if (isIrcError(error)) return undefined;
      throw error;
    }
    const shown = this.channelsOf(network, oldNick).flatMap((c) => this.rt.portals.roomsForChannel(network, c))
      .find((roomId) => this.presence.isJoined(roomId, ghost) !== false);
    // Profiles are global: one update renames the ghost in every room. Only worth it when it is in one.
    // The name is read when the task runs (ghostIntent), so a slow room cannot restore an older one.
    if (shown) this.rt.roomTask(shown, 'irc.nick', async () => void await this.ghostIntent(network, ghost));
    return ghost;
  }

  /** A private chat with `nick` ended: their ghost is free unless a channel or another chat still has them. */
  privateChatEnded(network: IrcNetwork, nick: IrcNick): void {
    if (this.channelsOf(network, nick).length === 0) this.renames.release(network, nick);
  }

  /** A channel member spoke: their ghost is about to join the room (the message handler joins it). */
  spoke(network: IrcNetwork, channel: string, nick: IrcNick): void {
    const ghost = this.ghostOf(network, nick);
    if (!ghost) return;
    for (const roomId of this.rt.portals.roomsForChannel(network, channel)) {
      if (this.presence.isJoined(roomId, ghost) !== false || this.bans.has(roomId, ghost)) continue;
      this.presence.joined(roomId, ghost);
      if (this.levels.levelOf(roomId, network, nick) > 0) this.levels.request(roomId, ghost);
    }
  }

  /** A Matrix user kicked or banned the ghost from the room: it is gone, and so is its power level. */
  removedFromRoom(roomId: RoomId, ghost: UserId): void {
    this.presence.left(roomId, ghost);
    this.levels.request(roomId, ghost);
  }

  /** A member's prefix modes changed (+o, -v, ...). */
  statusChanged(network: IrcNetwork, channel: string, nick: IrcNick): void {
    const ghost = this.ghostOf(network, nick);
    if (!ghost) return;
    for (const roomId of this.rt.portals.roomsForChannel(network, channel)) {
      if (this.presence.isJoined(roomId, ghost) !== false) this.levels.request(roomId, ghost);
    }
  }

  /**
   * NAMES is complete (the bot joined or rejoined): ghosts of people no longer in the channel
   * leave, in `all` mode missing members join, and every ghost's power level is checked.
   * After the bot's own reconnect those leaves wait for the netsplit grace (rejoin-grace.ts).
   */
  namesReceived(network: IrcNetwork, channel: string): void {
    const afterReconnect = this.rejoinGrace.namesAfterReconnect(network, channel);
    if (network.config.membershipSync === 'none') return;
    for (const roomId of this.rt.portals.roomsForChannel(network, channel)) {
      this.rt.roomTask(roomId, 'irc.names-sync', async () => {
        const ghosts = await this.presence.ghostsIn(roomId);
        const reason = `Not in ${channel} on IRC any more`;
        for (const ghost of ghosts) {
          const nick = this.renames.nickOf(network, ghost);
          if (!nick || this.inRoomChannels(roomId, network, nick)) continue;
          if (afterReconnect && this.rejoinGrace.hold(network, { roomId, ghost, nick, channels: [channel], reason })) continue;
          this.request(roomId, network, nick, { kind: 'sync', reason }, ghost);
        }
        if (network.config.membershipSync === 'all') {
          for (const nick of network.roster.members(channel)) {
            if (this.isOurs(network, nick) || this.isJoinedGhost(ghosts, network, nick)) continue;
            this.request(roomId, network, nick, { kind: 'sync' });
          }
        }
        this.levels.request(roomId, 'all');
      });
    }
  }

  /**
   * The bot's connection closed (it reconnects by itself): the bridged channels it was in are
   * the ones whose next NAMES comes before their users are back. Runs before the roster forgets them.
   */
  connectionLost(network: IrcNetwork): void {
    const channels = network.bot.wantedChannels.filter((c) => network.roster.members(c).length > 0 && this.rt.portals.roomsForChannel(network, c).length > 0);
    this.rejoinGrace.connectionLost(network, channels);
  }

  /** Shutdown: held netsplit QUITs, held leaves and waiting changes are dropped (the next NAMES sync redoes them). */
  stop(): void {
    for (const hold of this.holds.values()) hold.clear();
    this.rejoinGrace.clear();
    this.queue.clear();
  }

  private request(roomId: RoomId, network: IrcNetwork, nick: IrcNick, change: MemberChange, ghost?: UserId): void {
    if (network.config.membershipSync === 'none') return;
    let resolved: UserId;
    try {
      resolved = ghost ?? this.renames.userIdFor(network, nick);
    } catch (error) {
      if (isIrcError(error)) return; // a nick too long for a user ID never had a ghost
      throw error;
    }
    const key = `${roomId} ${network.id} ${network.fold(nick)}`;
    if (this.queue.push(key, { roomId, network, nick, ghost: resolved, change })) {
      if (this.queue.size === 0) this.warnedFull = false;
      return;
    }
    this.metrics.dropped.inc();
    if (!this.warnedFull) {
      this.warnedFull = true;
      this.rt.log.warn('Ghost membership queue full; dropping changes until it drains (the next NAMES sync repairs them)', {
        network: network.id, maxQueued: this.rt.config.membershipPacing.maxQueued,
      });
    }
  }

  /** One ghost, one room, in the room's turn: align with the channel as it is now. */
  private async reconcile({ roomId, network, nick, ghost, change }: Reconcile): Promise<void> {
    const ghosts = await this.presence.ghostsIn(roomId);
    const here = ghosts.has(ghost);
    if (this.inRoomChannels(roomId, network, nick)) {
      if (here || network.config.membershipSync !== 'all') return;
      const joined = await unlessBanned({ ctx: this.rt.ctx, log: this.rt.log, metrics: this.rt.metrics, ghostSync: this }, network, roomId, ghost, async () => {
        await (await this.ghost(network, nick)).join(roomId);
        return true;
      });
      if (!joined) return;
      this.presence.joined(roomId, ghost);
      this.metrics.changes.inc({ change: 'join' });
      if (this.levels.levelOf(roomId, network, nick) > 0) this.levels.request(roomId, ghost);
      return;
    }
    if (!here) return;
    if (change.kind === 'kick') {
      await this.rt.ctx.bot.kick(roomId, ghost, `Kicked by ${change.by} on IRC${change.reason ? `: ${change.reason}` : ''}`);
      this.metrics.changes.inc({ change: 'kick' });
    } else {
      await this.rt.ctx.intent(ghost).leave(roomId, leaveReason(change));
      this.metrics.changes.inc({ change: 'leave' });
    }
    this.presence.left(roomId, ghost);
    this.levels.request(roomId, ghost);
  }

  private leaveAfterQuit(network: IrcNetwork, nick: IrcNick, channels: readonly string[], reason: string): void {
    for (const channel of channels) {
      for (const roomId of this.rt.portals.roomsForChannel(network, channel)) this.request(roomId, network, nick, { kind: 'quit', reason });
    }
    this.renames.release(network, nick);
  }

  private holdOf(network: IrcNetwork): NetsplitHold {
    let hold = this.holds.get(network.id);
    if (!hold) {
      hold = new NetsplitHold({
        clock: this.clock,
        graceMs: network.config.netsplitGraceSeconds * 1000,
        maxHeld: this.rt.config.membershipPacing.maxQueued,
        onExpired: (quits) => this.netsplitExpired(network, quits),
      });
      this.holds.set(network.id, hold);
    }
    return hold;
  }

  private netsplitExpired(network: IrcNetwork, quits: HeldQuit[]): void {
    this.rt.log.info('Netsplit grace over; mirroring the QUITs of users who did not come back', { network: network.id, users: quits.length });
    for (const quit of quits) {
      const gone = quit.channels.filter((c) => !network.roster.find(c, quit.nick));
      if (gone.length === quit.channels.length) this.leaveAfterQuit(network, quit.nick, gone, quit.reason);
      else for (const c of gone) this.left(network, c, quit.nick, { kind: 'quit', reason: quit.reason });
    }
  }

  /** The grace after the bot's reconnect is over: ghosts still missing from the channel leave (reconcile looks again). */
  private rejoinGraceOver(network: IrcNetwork, leaves: HeldLeave[]): void {
    this.rt.log.info('Reconnect grace over; ghosts of users who did not come back leave', { network: network.id, users: leaves.length });
    for (const { roomId, nick, ghost, channels, reason } of leaves) {
      // The bot lost the channel again meanwhile: nothing moves until its next NAMES (which holds anew).
      if (channels.every((c) => network.roster.members(c).length === 0)) continue;
      this.request(roomId, network, nick, { kind: 'sync', reason }, ghost);
    }
  }

  /** `m.room.topic` needs `level` in the room from now on, written with the room's next level change. */
  setTopicLevel(roomId: RoomId, level: number): void {
    this.levels.requestTopicLevel(roomId, level);
  }

  private inRoomChannels(roomId: RoomId, network: IrcNetwork, nick: string): boolean {
    return this.rt.portals.channelsOfRoom(roomId).some((p) => p.network === network.id && network.roster.find(p.channel, nick) !== undefined);
  }

  /** The bridged channels the nick is in, as the bot sees them. */
  private channelsOf(network: IrcNetwork, nick: string): string[] {
    return network.roster.channelsOf(nick).filter((c) => this.rt.portals.roomsForChannel(network, c).length > 0);
  }

  private isJoinedGhost(ghosts: ReadonlySet<UserId>, network: IrcNetwork, nick: IrcNick): boolean {
    const ghost = this.ghostOf(network, nick);
    return ghost === undefined || ghosts.has(ghost); // no ghost possible: nothing to join
  }

  private isOurs(network: IrcNetwork, nick: string): boolean {
    return network.fold(nick) === network.fold(network.botNick) || network.ownNicks.has(nick);
  }
}

function leaveReason(change: MemberChange): string | undefined {
  if (change.kind === 'quit') return change.reason ? `Quit: ${change.reason}` : 'Quit';
  if (change.kind === 'part') return change.reason || undefined;
  return change.kind === 'sync' ? change.reason : undefined;
}
