/**
 * Which ghost speaks for an IRC nick. A ghost's user ID is derived from a nick, but an IRC nick
 * change is a rename of one person, not a new person: the Matrix room must not see a leave and
 * a join (issue #5). So after `NICK old → new` the ghost the person already had keeps speaking
 * for them, with the new nick as its display name, and the store remembers "new → that ghost".
 *
 * The mapping lives only while the person is around. It is dropped when they quit or leave the
 * bridged channels (`release`), and when someone else shows up with the nick the ghost was named
 * after (`claim`): that person gets the nick's own ghost, and the renamed person falls back to
 * the ghost of their current nick. Without that rule two people would share one Matrix user.
 *
 * Stored as core user mappings (`ghost <casefolded nick>` as the remote ID, so it cannot collide
 * with a Matrix user's stored nick), one per renamed ghost: bounded by the renamed people present.
 */
import type { BridgeStore, UserId } from '@bridgekit/appservice';
import type { GhostUserIds } from '../mapping/ghost-ids';
import type { IrcNick, NetworkId } from '../mapping/ids';

/** What the renames need from a network: its ID and its casefolding. */
export interface NickNetwork {
  readonly id: NetworkId;
  fold(name: string): string;
}

interface RenameData {
  nick: string;
}

export class GhostRenames {
  constructor(private readonly store: BridgeStore, private readonly ids: GhostUserIds) {}

  /**
   * The ghost that speaks for `nick`: the one it was renamed from, else the nick's own.
   * @throws GhostIdTooLongError when the nick's own ghost ID would be too long.
   */
  userIdFor(network: NickNetwork, nick: IrcNick): UserId {
    return this.mapped(network, nick) ?? this.ids.userIdFor(network.id, nick);
  }

  /** The nick a ghost of `network` speaks for now; undefined when it is not one of its ghosts. */
  nickOf(network: NickNetwork, userId: UserId): IrcNick | undefined {
    const parsed = this.ids.parseUserId(userId);
    if (!parsed || parsed.network !== network.id) return undefined;
    const data = this.store.users.get(userId, network.id)?.data as Partial<RenameData> | undefined;
    return typeof data?.nick === 'string' ? (data.nick as IrcNick) : parsed.nick;
  }

  /**
   * `oldNick` is now called `newNick`: returns the ghost that keeps speaking for them. Throws
   * GhostIdTooLongError only when neither nick has a usable ghost.
   */
  rename(network: NickNetwork, oldNick: IrcNick, newNick: IrcNick): UserId {
    const ghost = this.userIdFor(network, oldNick);
    let own: UserId | undefined;
    try {
      own = this.ids.userIdFor(network.id, newNick);
    } catch {
      own = undefined; // the new nick has no ghost of its own: the mapping is the only way
    }
    if (own === ghost) {
      this.store.users.remove(ghost, network.id); // back to the nick the ghost is named after
    } else {
      const data: RenameData = { nick: newNick };
      this.store.users.set(ghost, { network: network.id, remoteId: remoteIdOf(network, newNick), data: { ...data } });
    }
    return ghost;
  }

  /**
   * Someone arrived with `nick` (JOIN, NAMES): if the nick's own ghost still speaks for a person
   * who renamed away from it, that person lets go of it. Returns the ghost released, if any.
   */
  claim(network: NickNetwork, nick: IrcNick): UserId | undefined {
    if (this.mapped(network, nick)) return undefined; // they are the renamed person themselves
    let own: UserId;
    try {
      own = this.ids.userIdFor(network.id, nick);
    } catch {
      return undefined;
    }
    return this.store.users.remove(own, network.id) ? own : undefined;
  }

  /** The person using `nick` is gone (QUIT, left every bridged channel): forget their rename. */
  release(network: NickNetwork, nick: IrcNick): void {
    const ghost = this.mapped(network, nick);
    if (ghost) this.store.users.remove(ghost, network.id);
  }

  private mapped(network: NickNetwork, nick: string): UserId | undefined {
    const userId = this.store.users.byRemote(network.id, remoteIdOf(network, nick));
    return userId && this.ids.parseUserId(userId)?.network === network.id ? userId : undefined;
  }
}

function remoteIdOf(network: NickNetwork, nick: string): string {
  return `ghost ${network.fold(nick)}`;
}
