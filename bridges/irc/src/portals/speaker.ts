/**
 * Who speaks notices in a room: the bot, or in a private chat (a DM with a ghost, which the bot
 * is not in) the chat's ghost.
 */
import { tellUser, type BridgeContext, type Intent, type RoomId, type UserId } from '@bridgekit/appservice';
import type { GhostResolver, NetworkDirectory, Speaker } from '../parts';
import type { Portals } from './portals';
import { chatGhost } from './private-chats';

export function portalSpeaker(deps: { ctx: BridgeContext; portals: Portals; networks: NetworkDirectory; ghosts: GhostResolver }): Speaker {
  const speakerIn = async (roomId: RoomId): Promise<Intent> => {
    const chat = deps.portals.privateChatOfRoom(roomId);
    const network = chat && deps.networks.network(chat.network);
    return chat && network ? chatGhost(deps.ghosts, network, chat) : deps.ctx.bot;
  };
  return {
    speakerIn,
    tell: async (roomId: RoomId, userId: UserId, text: string) => {
      await tellUser(await speakerIn(roomId), { roomId, userId }, text);
    },
  };
}
