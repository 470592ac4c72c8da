/**
 * The check the Matrix → IRC handlers make first: is the sender banned by a moderation policy
 * list? Then nothing goes to IRC, and they are told once per ban, in the room they spoke in.
 */
import type { RoomId, UserId } from '@bridgekit/appservice';
import type { Speaker } from '../parts';
import { BANNED_NOTICE, type ModerationGate, type RefusedAction } from '../policy/moderation';

export interface ModerationRefusalDeps extends Pick<Speaker, 'tell'> {
  readonly moderation: Pick<ModerationGate, 'refuse' | 'shouldTell'>;
}

/** True when the user is banned (the refusal is logged and counted, and they were told once). */
export async function refusedByModeration(rt: ModerationRefusalDeps, roomId: RoomId, userId: UserId, action: 'message' | 'join'): Promise<boolean> {
  const rule = rt.moderation.refuse(userId, action satisfies RefusedAction);
  if (!rule) return false;
  if (rt.moderation.shouldTell(userId, rule)) await rt.tell(roomId, userId, BANNED_NOTICE);
  return true;
}
