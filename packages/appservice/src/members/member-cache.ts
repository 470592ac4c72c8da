/**
 * Display names of room members, kept from the `m.room.member` events the homeserver pushes, so
 * a bridge that puts the sender's name on every message needs no request per message. It is a
 * bounded LRU: a miss (a member not seen since start, or forgotten) costs one state request as
 * the bot, whose answer is kept. Pushes are applied when the transaction is accepted, which may
 * be before the room's queue reaches earlier events: a name can be slightly newer than the event
 * being handled, never older than the last one pushed.
 */
import { LruMap } from '../cache/lru-map';
import type { Counter, Gauge } from 'prom-client';
import type { RoomMembers } from '../connector';
import type { MatrixEvent } from '../events';
import { isUserId, type RoomId, type UserId } from '../ids';

interface Member {
  membership: string;
  displayName?: string;
}

export interface MemberCacheDeps {
  /** The member's state event content in the room, undefined when there is none (404). */
  fetchMember(roomId: RoomId, userId: UserId): Promise<Record<string, unknown> | undefined>;
  /** Entries kept; the least recently used goes first. */
  max: number;
  metrics?: {
    /** result: hit | miss. */
    lookups: Counter<'result'>;
    /** cache: members. */
    size: Gauge<'cache'>;
  };
}

export class MemberCache implements RoomMembers {
  private readonly members: LruMap<string, Member>;

  constructor(private readonly deps: MemberCacheDeps) {
    this.members = new LruMap(deps.max);
  }

  /** Feeds a pushed event (any type; only valid member events count). Synchronous: called on accept. */
  observe(event: MatrixEvent): void {
    if (event.type !== 'm.room.member' || event.stateKey === undefined || !isUserId(event.stateKey)) return;
    const key = keyOf(event.roomId, event.stateKey);
    this.members.set(key, memberOf(event.content));
    this.updateSize();
  }

  async displayName(roomId: RoomId, userId: UserId): Promise<string | undefined> {
    const key = keyOf(roomId, userId);
    const known = this.members.get(key);
    if (known) {
      this.deps.metrics?.lookups.inc({ result: 'hit' });
      return known.displayName;
    }
    this.deps.metrics?.lookups.inc({ result: 'miss' });
    const content = await this.deps.fetchMember(roomId, userId);
    // A push that arrived while the request was out is newer than its answer: keep the push.
    const pushed = this.members.get(key);
    if (pushed) return pushed.displayName;
    const member: Member = content ? memberOf(content) : { membership: 'leave' };
    this.members.set(key, member);
    this.updateSize();
    return member.displayName;
  }

  get size(): number {
    return this.members.size;
  }

  private updateSize(): void {
    this.deps.metrics?.size.set({ cache: 'members' }, this.members.size);
  }
}

function memberOf(content: Record<string, unknown>): Member {
  const name = content.displayname;
  const membership = typeof content.membership === 'string' ? content.membership : 'leave';
  // A blank name shows as nothing in clients: treat it as none.
  return typeof name === 'string' && name.trim() ? { membership, displayName: name } : { membership };
}

function keyOf(roomId: RoomId, userId: UserId): string {
  // NUL appears in neither a room ID nor a user ID.
  return `${roomId}\u0000${userId}`;
}
