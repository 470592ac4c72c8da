/**
 * Ghosts that Matrix users banned from a portal room. A ban on Matrix is mirrored on IRC only
 * when the banning user is a channel operator there (handlers/matrix-to-irc/kick-ban.ts); often
 * it is not, and the IRC user keeps talking. Their ghost cannot send into the room any more, and
 * that is the room's decision, not a failure: their lines are dropped, counted
 * (`bridgekit_irc_banned_ghost_dropped_total`) and logged once per ghost and room — not an
 * error per message.
 *
 * A ban is learnt from the room's member event, or — when the bridge missed it — from the
 * homeserver's M_FORBIDDEN, confirmed by the ghost's membership in the room. It is forgotten when
 * the ban is lifted. Bounded: the oldest bans are forgotten first (and learnt again at the next
 * refused send).
 */
import { isMatrixError, type RoomId, type UserId } from '@bridgekit/appservice';
import type { IrcNetwork } from '../network/network';
import type { IrcNick } from '../mapping/ids';
import type { Diagnostics, MatrixSide } from '../parts';

/** What ban handling needs of ghost sync (ghost-sync.ts): the remembered bans and who a ghost speaks for. */
export interface BanTracker {
  readonly bans: GhostBans;
  readonly renames: { nickOf(network: IrcNetwork, ghost: UserId): IrcNick | undefined };
  removedFromRoom(roomId: RoomId, ghost: UserId): void;
}

export interface BanDeps extends Diagnostics, MatrixSide {
  readonly ghostSync: BanTracker;
}

export class GhostBans {
  private readonly bans = new Set<string>();

  constructor(private readonly maxEntries: number) {}

  /** Records the ban; returns false when it was already known. */
  add(roomId: RoomId, ghost: UserId): boolean {
    const key = keyOf(roomId, ghost);
    if (this.bans.has(key)) return false;
    this.bans.add(key);
    if (this.bans.size > this.maxEntries) this.bans.delete(this.bans.values().next().value as string);
    return true;
  }

  lift(roomId: RoomId, ghost: UserId): void {
    this.bans.delete(keyOf(roomId, ghost));
  }

  has(roomId: RoomId, ghost: UserId): boolean {
    return this.bans.has(keyOf(roomId, ghost));
  }

  get size(): number {
    return this.bans.size;
  }
}

/**
 * Runs `action` (a send or join of the ghost in the room) unless the ghost is banned there.
 * Returns undefined when the line was dropped because of a ban; other errors are thrown.
 */
export async function unlessBanned<T>(rt: BanDeps, network: IrcNetwork, roomId: RoomId, ghost: UserId, action: () => Promise<T>): Promise<T | undefined> {
  if (rt.ghostSync.bans.has(roomId, ghost)) {
    rt.metrics.bannedGhostDrops.inc({ network: network.id });
    return undefined;
  }
  try {
    return await action();
  } catch (error) {
    if (!isMatrixError(error, 'M_FORBIDDEN') || !(await isBanned(rt, roomId, ghost))) throw error;
    ghostBanned(rt, network, roomId, ghost);
    rt.metrics.bannedGhostDrops.inc({ network: network.id });
    return undefined;
  }
}

/** The ghost is banned from the room (seen in its member event, or learnt from a refusal). */
export function ghostBanned(rt: BanDeps, network: IrcNetwork, roomId: RoomId, ghost: UserId): void {
  rt.ghostSync.removedFromRoom(roomId, ghost);
  if (!rt.ghostSync.bans.add(roomId, ghost)) return;
  const nick = rt.ghostSync.renames.nickOf(network, ghost);
  rt.log.info('IRC user banned from a bridged room; what they say on IRC is not bridged into it until the ban is lifted', { network: network.id, roomId, ghost, nick });
}

/** Asked only after a refusal, so it costs nothing while the ghost may send. */
async function isBanned(rt: Diagnostics & MatrixSide, roomId: RoomId, ghost: UserId): Promise<boolean> {
  try {
    const member = await rt.ctx.bot.getState<{ membership?: unknown }>(roomId, 'm.room.member', ghost);
    return member?.membership === 'ban';
  } catch (error) {
    rt.log.debug('Could not read the membership of a refused ghost', { roomId, ghost, error: (error as Error).message });
    return false;
  }
}

function keyOf(roomId: RoomId, ghost: UserId): string {
  return `${roomId} ${ghost}`;
}
