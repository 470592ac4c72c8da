/**
 * The Matrix user of a private chat leaves it (or is banned from it): nobody reads the room any
 * more, so the chat is forgotten and its ghost leaves too. The IRC user's next message opens a
 * new DM room, with a new invite (portals/private-chats.ts).
 */
import { endPrivateChat } from '../../portals/private-chats';
import { matrixHandler } from '../registry';

export const privateChatDepartures = matrixHandler({
  name: 'matrix.private-leave',
  kinds: ['membership'],
  async handle(event, rt) {
    if (event.membership !== 'leave' && event.membership !== 'ban') return;
    const chat = rt.portals.privateChatOfRoom(event.roomId);
    if (!chat || event.userId !== chat.userId) return;
    await endPrivateChat(rt, chat, `${chat.userId} left this private chat; a new message from ${chat.nick} opens a new one.`);
  },
});
