/**
 * The bot's own reconnect (the IRC server restarted, or the link to it broke): the NAMES it gets
 * on rejoining is taken moments after the server came back, before most users' clients have
 * reconnected. Mirrored literally, every one of them would leave the room and join again a
 * second later. So after a reconnect, the first NAMES of each channel the bot was in when its
 * connection closed holds the leaves of the ghosts it misses, for the network's netsplit grace
 * (the hold of netsplit.ts): whoever JOINs in time never left as far as Matrix is concerned.
 *
 * The first join of the process, and a rejoin after the bot was kicked or parted (the roster
 * forgot the channel then, so it is not "lost" on close), sync at once as before.
 */
import type { RoomId, UserId } from '@bridgekit/appservice';
import type { Clock } from '../irc/clock';
import type { IrcNick } from '../mapping/ids';
import type { IrcNetwork } from '../network/network';
import { NetsplitHold, type HeldQuit } from './netsplit';

/** A ghost's leave from one room, held after the bot's reconnect; `channels` is the one NAMES was for. */
export interface HeldLeave extends HeldQuit {
  roomId: RoomId;
  ghost: UserId;
}

export interface RejoinGraceOptions {
  clock: Clock;
  /** Most leaves held at once per network; beyond that they happen at once (as before). */
  maxHeld: number;
  /** The grace ended for these leaves: the caller reconciles them with the channel as it is then. */
  onExpired: (network: IrcNetwork, leaves: HeldLeave[]) => void;
}

export class RejoinGrace {
  /** network → folded channels the bot was in when its connection closed, and has not had NAMES for since. */
  private readonly lost = new Map<string, Set<string>>();
  private readonly holds = new Map<string, NetsplitHold<HeldLeave>>();

  constructor(private readonly options: RejoinGraceOptions) {}

  /** The bot's connection closed while in these channels (a union: it may drop again before rejoining). */
  connectionLost(network: IrcNetwork, channels: readonly string[]): void {
    if (channels.length === 0) return;
    let lost = this.lost.get(network.id);
    if (!lost) this.lost.set(network.id, (lost = new Set()));
    for (const channel of channels) lost.add(network.fold(channel));
  }

  /** NAMES came for the channel: true once, for the first NAMES after a reconnect that lost it. */
  namesAfterReconnect(network: IrcNetwork, channel: string): boolean {
    return this.lost.get(network.id)?.delete(network.fold(channel)) === true;
  }

  /** Holds a ghost's leave; false when full (the caller leaves at once then). */
  hold(network: IrcNetwork, leave: Omit<HeldLeave, 'at'>): boolean {
    return this.holdOf(network).hold(keyOf(network, leave.roomId, leave.nick), leave);
  }

  /** The nick JOINed a channel of these rooms: their held leaves there are dropped. */
  returned(network: IrcNetwork, rooms: readonly RoomId[], nick: IrcNick): void {
    const hold = this.holds.get(network.id);
    if (hold) for (const roomId of rooms) hold.returned(keyOf(network, roomId, nick));
  }

  get size(): number {
    return [...this.holds.values()].reduce((n, h) => n + h.size, 0);
  }

  /** Shutdown: nothing held is mirrored, and no later NAMES counts as a reconnect. */
  clear(): void {
    for (const hold of this.holds.values()) hold.clear();
    this.lost.clear();
  }

  private holdOf(network: IrcNetwork): NetsplitHold<HeldLeave> {
    let hold = this.holds.get(network.id);
    if (!hold) {
      hold = new NetsplitHold<HeldLeave>({
        clock: this.options.clock,
        graceMs: network.config.netsplitGraceSeconds * 1000,
        maxHeld: this.options.maxHeld,
        onExpired: (leaves) => this.options.onExpired(network, leaves),
      });
      this.holds.set(network.id, hold);
    }
    return hold;
  }
}

function keyOf(network: IrcNetwork, roomId: RoomId, nick: string): string {
  return `${roomId} ${network.fold(nick)}`;
}
