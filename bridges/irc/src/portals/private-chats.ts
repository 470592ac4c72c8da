/**
 * Private conversations between a Matrix user and an IRC user, both ways:
 *  - an IRC user messages a Matrix user's puppet → the ghost opens a DM room and invites them;
 *  - a Matrix user invites a ghost → the ghost joins and the room becomes that conversation.
 * Lines of one conversation are delivered strictly in order, including the first ones that
 * arrive while its room is still being created (handlers/irc-to-matrix/private.ts, through the
 * core's outbox, in one queue per Matrix user and network).
 *
 * A conversation is with a person, found by their current nick: after a NICK the chat moves to
 * the new nick and the person's ghost, already in the room, keeps speaking (renamed). That ghost
 * is theirs alone (ghosts/renames.ts): whoever takes the freed nick has another ghost, so their
 * messages open another room. When the Matrix user leaves the room, the conversation is
 * forgotten: the next IRC message opens a new room rather than talking into one nobody reads.
 */
import type { Intent, UserId } from '@bridgekit/appservice';
import type { IrcNick } from '../mapping/ids';
import type { IrcNetwork } from '../network/network';
import type { BridgeRuntime } from '../runtime';
import type { PrivateChat } from './portals';

/**
 * The ghost that speaks in a private chat, named like it is everywhere: after the nick of the
 * person it speaks for (the same name in the DM as in the channels' rooms, so none flips).
 */
export async function chatGhost(rt: BridgeRuntime, network: IrcNetwork, chat: PrivateChat): Promise<Intent> {
  if (!chat.ghost) return rt.ghost(network, chat.nick);
  return rt.ghostIntent(network, chat.ghost);
}

/**
 * NICK of an IRC user, after the ghost rename (`ghostSync.renamed`, which gave `ghost`): their
 * private chats move to the new nick. Only the first connection hearing the NICK finds
 * something to move. Call it from the IRC listener.
 */
export function renamePrivateChats(rt: BridgeRuntime, network: IrcNetwork, oldNick: IrcNick, newNick: IrcNick, ghost: UserId | undefined): void {
  // Chats stored before their ghost was recorded get the person's: they spoke through it.
  const moved = rt.portals.renamePrivateChats(network, oldNick, newNick, () => ghost);
  for (const chat of moved) {
    rt.log.info('Private chat follows a nick change', { network: network.id, userId: chat.userId, from: oldNick, to: newNick, roomId: chat.roomId });
    rt.roomTask(chat.roomId, 'irc.nick-private', async () => void await chatGhost(rt, network, chat));
  }
}

/** The Matrix user left (or was banned from) their private chat: it is forgotten, and its ghost leaves. */
export async function endPrivateChat(rt: BridgeRuntime, chat: PrivateChat, reason: string): Promise<void> {
  const network = rt.network(chat.network);
  if (!network) return;
  await rt.portals.unlinkPrivateChat(chat, network);
  rt.ghostSync.privateChatEnded(network, chat.nick);
  rt.log.info('Private chat left by its Matrix user; the next IRC message opens a new room', { network: network.id, userId: chat.userId, nick: chat.nick, roomId: chat.roomId });
  const ghost = chat.ghost ?? rt.ghostSync.renames.userIdFor(network, chat.nick);
  await rt.ctx.intent(ghost).leave(chat.roomId, reason);
}

/** The ghost creates a DM room with the Matrix user and the bridge remembers it. */
export async function openPrivateChat(rt: BridgeRuntime, network: IrcNetwork, userId: UserId, nick: IrcNick): Promise<PrivateChat> {
  const ghost = await rt.ghost(network, nick);
  const roomId = await ghost.createRoom({ invite: [userId], isDirect: true, preset: 'trusted_private_chat' });
  const chat = await rt.portals.linkPrivateChat(roomId, network, userId, nick, ghost.userId);
  rt.log.info('Opened a private chat', { network: network.id, userId, nick, roomId });
  return chat;
}
