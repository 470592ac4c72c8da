/** How the core's policy lists reach their rooms: the bridge bot joins them and reads their state. */
import type { CsApiClient } from '../csapi/client';
import type { RoomAlias, RoomId, UserId } from '../ids';
import type { Intent } from '../intent/types';
import type { PolicyRoomAccess } from './policy-lists';

export function botPolicyAccess(bot: Intent, client: CsApiClient, botUserId: UserId): PolicyRoomAccess {
  return {
    join: (room) => bot.join(room as RoomId | RoomAlias),
    state: async (roomId) => (await client.roomState(roomId, { asUser: botUserId })).map((e) => ({
      type: e.type, stateKey: e.state_key, content: e.content, eventId: e.event_id ?? '',
    })),
  };
}
