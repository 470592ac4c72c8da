/**
 * Room changes that decide whether a room stays bridged: encryption turned on (refused loudly,
 * the room stops being bridged) and room upgrades (the links follow the tombstone). The policy
 * and its reasons are in portals/room-hygiene.ts.
 */
import { followRoomUpgrade, refuseEncryptedRoom } from '../../portals/room-hygiene';
import { matrixHandler } from '../registry';

export const encryptedRooms = matrixHandler({
  name: 'matrix.encryption',
  // Encrypted events too (source 'event'): encryption may have been turned on while the bridge was not listening.
  kinds: ['encryption'],
  async handle(event, rt) {
    await refuseEncryptedRoom(rt, event.raw);
  },
});

export const roomUpgrades = matrixHandler({
  name: 'matrix.tombstone',
  kinds: ['tombstone'],
  async handle(event, rt) {
    await followRoomUpgrade(rt, event.raw);
  },
});
