/**
 * Room changes that decide whether a bridged room can stay bridged.
 *
 * Encryption: the bridge has no end-to-end encryption, so in an encrypted room it would still
 * post IRC lines (unencrypted, flagged by every client) while every Matrix message arrived as
 * ciphertext it cannot read and silently never reached IRC. Half a bridge is worse than none:
 * when a portal or private chat turns encryption on (or an encrypted event shows up in one),
 * the bridge says so in the room and stops bridging it — the links are removed, and the bot
 * parts channels no other room needs. Encryption cannot be turned off again, so the notice says
 * how to get a bridged room back: in a portal the bridge created, the bridge removes its own
 * alias (`#_irc_<network>_<channel>` by default) from the room, so joining that alias again makes a new
 * portal. (Rooms the bridge creates leave `m.room.encryption` at the homeserver's default power
 * level, 100, which only the bot has.)
 *
 * Upgrades: when a bridged room is replaced (`m.room.tombstone`), its links move to the new room
 * and the bot (or, in a private chat, the ghost) joins it; the old room is left behind.
 */
import type { MatrixEvent, RoomAlias, RoomId } from '@bridgekit/appservice';
import { isRoomId } from '@bridgekit/appservice';
import type { BridgeRuntime } from '../runtime';
import { ensureBridgeInfo, forgetBridgeInfo, removeBridgeInfo } from './bridge-info';
import { moveDirectoryListing, unlistFormerPortal } from './directory';
import type { ChannelPortal } from './portals';
import { chatGhost } from './private-chats';

/** Stops bridging a room that turned encryption on. Returns whether it was bridged. */
export async function refuseEncryptedRoom(rt: BridgeRuntime, event: MatrixEvent): Promise<boolean> {
  const { roomId } = event;
  const portals = rt.portals.channelsOfRoom(roomId);
  const chat = rt.portals.privateChatOfRoom(roomId);
  if (portals.length === 0 && !chat) return false;
  const what = chat ? `this conversation with ${chat.nick}` : portals.map((p) => `${p.channel} (${rt.network(p.network)?.config.name ?? p.network})`).join(', ');
  rt.log.warn('A bridged room turned on encryption; it is no longer bridged', { roomId, sender: event.sender, type: event.type });
  try {
    const freed = await freePortalAliases(rt, roomId, portals);
    const again = chat
      ? `To talk to ${chat.nick} through the bridge, start a new chat with encryption turned off, or wait for their next message (it opens one).`
      : freed.length > 0
        ? `Encryption cannot be turned off again, so the bridge removed its alias ${freed.join(', ')} from this room: join ${freed.length > 1 ? 'one of them' : 'it'} again to get a new bridged room without encryption.`
        : 'Encryption cannot be turned off again: to bridge the channel, use a room without encryption (a room admin can move the room\'s alias away from this room; joining the alias again then creates a new bridged room).';
    await rt.tell(roomId, event.sender, `This room now uses end-to-end encryption, which the bridge cannot read, so it has stopped bridging ${what} here instead of relaying only half of the conversation. ${again}`);
  } finally {
    await unlinkAll(rt, roomId);
  }
  await clearBridgeInfo(rt, roomId, portals);
  await unlistFormerPortal(rt, roomId);
  return true;
}

/**
 * The aliases the bridge made for portals it created in this room, deleted so that joining one
 * again creates a new portal (the homeserver asks the bridge only about aliases that do not
 * exist). Returns those deleted; a failure is logged and the old notice text used instead.
 */
async function freePortalAliases(rt: BridgeRuntime, roomId: RoomId, portals: readonly ChannelPortal[]): Promise<RoomAlias[]> {
  const freed: RoomAlias[] = [];
  for (const portal of portals) {
    if (portal.origin !== 'alias') continue;
    try {
      const alias = rt.aliases.aliasFor(portal.network, portal.channel);
      // An admin may have moved the alias away already: it then names another room, which keeps it.
      if (await rt.ctx.bot.resolveAlias(alias) !== roomId) continue;
      await rt.ctx.bot.deleteAlias(alias);
      freed.push(alias);
    } catch (error) {
      rt.metrics.handlerErrors.inc({ handler: 'matrix.encryption' });
      rt.log.warn('Could not remove the portal alias from a room that turned on encryption', { roomId, channel: portal.channel, error: (error as Error).message });
    }
  }
  return freed;
}

/** Follows an upgrade: the replacement room takes over every link of the old one. */
export async function followRoomUpgrade(rt: BridgeRuntime, event: MatrixEvent): Promise<boolean> {
  const oldRoom = event.roomId;
  const replacement = event.content.replacement_room;
  if (!rt.portals.isBridged(oldRoom) || event.stateKey !== '' || !isRoomId(replacement)) return false;
  const chat = rt.portals.privateChatOfRoom(oldRoom);
  const network = chat && rt.network(chat.network);
  try {
    if (chat && network) await (await chatGhost(rt, network, chat)).join(replacement);
    else await rt.ctx.bot.join(replacement);
  } catch (error) {
    rt.log.warn('Could not join the replacement of an upgraded room', { oldRoom, newRoom: replacement, error: (error as Error).message });
    // The homeserver's refusal (endpoint, status, errcode) is for the admin's log, not the room.
    await rt.tell(oldRoom, event.sender, `This room was upgraded, but the bridge could not join the new room, so it keeps using this room. Invite ${chat ? 'the IRC user' : rt.ctx.bot.userId} into the new room and upgrade again, or ask the bridge admin.`);
    return true;
  }
  const links = await rt.portals.moveRoom(oldRoom, replacement);
  rt.ghostSync.presence.forget(oldRoom);
  await forgetBridgeInfo(rt, oldRoom);
  await moveDirectoryListing(rt, oldRoom, replacement);
  rt.log.info('Followed a room upgrade', { oldRoom, newRoom: replacement, links });
  const portals = rt.portals.channelsOfRoom(replacement);
  rt.roomTask(replacement, 'matrix.room-upgrade', async () => {
    for (const portal of portals) {
      const net = rt.network(portal.network);
      if (net) await ensureBridgeInfo(rt, replacement, net, portal.channel);
    }
    if (portals.length > 0) {
      await rt.ctx.bot.sendMessage(replacement, { msgtype: 'm.notice', body: `Bridging of ${portals.map((p) => p.channel).join(', ')} continues in this room.` });
    }
  });
  if (!chat) {
    await clearBridgeInfo(rt, oldRoom, portals);
    await rt.ctx.bot.leave(oldRoom, 'This room was upgraded; the bridge moved to the new room.');
  }
  return true;
}

/** MSC2346 clients stop showing the room as bridged. Best effort: the room is unlinked either way. */
async function clearBridgeInfo(rt: BridgeRuntime, roomId: RoomId, portals: readonly ChannelPortal[]): Promise<void> {
  for (const portal of portals) {
    const network = rt.network(portal.network);
    if (!network) continue;
    await removeBridgeInfo(rt, roomId, network, portal.channel).catch((error: Error) => {
      rt.log.warn('Could not clear the bridge info of a room no longer bridged', { roomId, channel: portal.channel, error: error.message });
    });
  }
}

async function unlinkAll(rt: BridgeRuntime, roomId: RoomId): Promise<void> {
  const portals = rt.portals.channelsOfRoom(roomId);
  await rt.portals.unlinkRoom(roomId);
  for (const portal of portals) {
    const network = rt.network(portal.network);
    if (!network || rt.portals.roomsForChannel(network, portal.channel).length > 0) continue;
    network.bot.part(portal.channel, 'The bridged room turned on encryption').catch((error: Error) => {
      rt.log.warn('Could not part a channel no room bridges any more', { network: network.id, channel: portal.channel, error: error.message });
    });
  }
  rt.ghostSync.presence.forget(roomId);
  await forgetBridgeInfo(rt, roomId);
}
