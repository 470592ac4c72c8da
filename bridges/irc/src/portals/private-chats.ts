/**
 * Private conversations between a Matrix user and an IRC user, both ways:
 *  - an IRC user messages a Matrix user's puppet → the ghost opens a DM room and invites them;
 *  - a Matrix user invites a ghost → the ghost joins and the room becomes that conversation.
 * Lines of one conversation are delivered strictly in order, including the first ones that
 * arrive while its room is still being created.
 */
import type { Intent, RoomId, UserId } from '@bridgekit/appservice';
import type { IrcNick } from '../mapping/ids';
import type { IrcNetwork } from '../network/network';
import type { BridgeRuntime } from '../runtime';

/** Per-conversation promise chains; an entry lives only while lines are in flight. */
const chains = new Map<string, Promise<void>>();

/**
 * Delivers one IRC line of a conversation: `send` runs in the room's turn, after every earlier
 * line of the same conversation. Must be called synchronously from the IRC listener.
 */
export function deliverPrivate(
  rt: BridgeRuntime, network: IrcNetwork, userId: UserId, nick: IrcNick,
  send: (roomId: RoomId, ghost: Intent) => Promise<void>,
): void {
  const key = `${network.id} ${userId} ${network.fold(nick)}`;
  const previous = chains.get(key) ?? Promise.resolve();
  const next = previous.then(async () => {
    const roomId = rt.portals.privateChatRoom(network, userId, nick) ?? await openPrivateChat(rt, network, userId, nick);
    await rt.ctx.inRoomOrder(roomId, async () => send(roomId, await rt.ghost(network, nick)));
  }).catch((error: Error) => {
    rt.metrics.handlerErrors.inc({ handler: 'irc.private-message' });
    rt.log.error('Could not deliver a private IRC message', { network: network.id, userId, nick, error: error.message });
  });
  chains.set(key, next);
  void next.finally(() => {
    if (chains.get(key) === next) chains.delete(key);
  });
}

/** The ghost creates a DM room with the Matrix user and the bridge remembers it. */
async function openPrivateChat(rt: BridgeRuntime, network: IrcNetwork, userId: UserId, nick: IrcNick): Promise<RoomId> {
  const ghost = await rt.ghost(network, nick);
  const roomId = await ghost.createRoom({ invite: [userId], isDirect: true, preset: 'trusted_private_chat' });
  rt.portals.linkPrivateChat(roomId, network, userId, nick);
  rt.log.info('Opened a private chat', { network: network.id, userId, nick, roomId });
  return roomId;
}
