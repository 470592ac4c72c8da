/**
 * Room changes that decide whether a room stays bridged: encryption turned on (refused loudly,
 * the room stops being bridged) and room upgrades (the links follow the tombstone). The policy
 * and its reasons are in portals/room-hygiene.ts.
 */
import { followRoomUpgrade, refuseEncryptedRoom } from '../../portals/room-hygiene';
import type { MatrixHandler } from '../registry';

export const encryptedRooms: MatrixHandler = {
  name: 'matrix.encryption',
  // m.room.encrypted too: encryption may have been turned on while the bridge was not listening.
  types: ['m.room.encryption', 'm.room.encrypted'],
  async handle(event, rt) {
    if (event.type === 'm.room.encryption' && event.stateKey !== '') return;
    await refuseEncryptedRoom(rt, event);
  },
};

export const roomUpgrades: MatrixHandler = {
  name: 'matrix.tombstone',
  types: ['m.room.tombstone'],
  async handle(event, rt) {
    await followRoomUpgrade(rt, event);
  },
};
