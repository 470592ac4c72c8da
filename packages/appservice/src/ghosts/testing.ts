// Shared by the ghosts' and portals' unit tests only: an intent that records what it was asked.
import type { RoomId, UserId } from '../ids';
import type { CreateRoomOptions, Intent, Profile } from '../intent/types';

export interface RecordedCall {
  userId: UserId;
  method: 'ensureProfile' | 'createRoom';
  args: Profile | CreateRoomOptions;
}

/** Intents for any user, recording profile writes and room creations (the rest is not needed). */
export function recordingIntents(): { intent(userId: UserId): Intent; calls: RecordedCall[] } {
  const calls: RecordedCall[] = [];
  let rooms = 0;
  const intent = (userId: UserId): Intent => ({
    userId,
    ensureProfile: async (profile: Profile) => { calls.push({ userId, method: 'ensureProfile', args: profile }); },
    createRoom: async (options: CreateRoomOptions) => {
      calls.push({ userId, method: 'createRoom', args: options });
      return `!room${++rooms}:example.org` as RoomId;
    },
  }) as unknown as Intent;
  return { intent, calls };
}
