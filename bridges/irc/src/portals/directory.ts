/**
 * Whether a portal is listed in the homeserver's public room directory. Only rooms the bridge
 * created itself (alias portals) are ever touched: a plumbed room's listing belongs to its
 * Matrix admins, so the bridge neither publishes nor hides it. A secret channel (+s) is never
 * listed; any other portal is listed only when the network's `publish_portals` says so.
 *
 * Portals are created unlisted, and listed only once the channel's modes (324, asked for when
 * the bot joins) show it is not secret. The listing last set is remembered per room, so the
 * modes reported after every reconnect cost no request — except for secret channels, which
 * are hidden again each time, because an admin may have listed the room by hand meanwhile.
 */
import type { RoomId } from '@bridgekit/appservice';
import type { BridgeRuntime } from '../runtime';

export type DirectoryVisibility = 'public' | 'private';

export function wantedVisibility(secret: boolean, publishPortals: boolean): DirectoryVisibility {
  return secret || !publishPortals ? 'private' : 'public';
}

/** Sets the room's listing unless the bridge already did (`force`: set it anyway). Run it in the room's turn. */
export async function updateDirectoryListing(rt: BridgeRuntime, roomId: RoomId, visibility: DirectoryVisibility, force: boolean): Promise<void> {
  const key = markerKey(roomId);
  const last = await rt.ctx.store.kv.get<DirectoryVisibility>(key) ?? 'private'; // how portals are created
  if (!force && last === visibility) return;
  await rt.ctx.bot.setDirectoryVisibility(roomId, visibility);
  await rt.ctx.store.kv.set(key, visibility);
  rt.log.info(visibility === 'public' ? 'Portal listed in the room directory' : 'Portal removed from the room directory', { roomId });
}

/** The room stopped being a portal: the bridge takes back a listing it made, and forgets it. Best effort. */
export async function unlistFormerPortal(rt: BridgeRuntime, roomId: RoomId): Promise<void> {
  const key = markerKey(roomId);
  const last = await rt.ctx.store.kv.get<DirectoryVisibility>(key);
  await rt.ctx.store.kv.delete(key);
  if (last !== 'public') return;
  await rt.ctx.bot.setDirectoryVisibility(roomId, 'private').catch((error: Error) => {
    rt.log.warn('Could not remove a room that is no longer bridged from the room directory', { roomId, error: error.message });
  });
}

/** A room upgrade: the homeserver moves the listing to the new room, and so does the marker. */
export async function moveDirectoryListing(rt: BridgeRuntime, from: RoomId, to: RoomId): Promise<void> {
  const last = await rt.ctx.store.kv.get<DirectoryVisibility>(markerKey(from));
  if (last === undefined) return;
  await rt.ctx.store.kv.delete(markerKey(from));
  await rt.ctx.store.kv.set(markerKey(to), last);
}

function markerKey(roomId: RoomId): string {
  return `irc.directory ${roomId}`;
}
