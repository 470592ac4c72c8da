/**
 * Every Matrix → IRC handler, in the order they run for one event. One file per event family;
 * to add one (membership, topic, kick...), write the file and add it to this list.
 */
import type { AnyMatrixHandler } from '../registry';
import { joinOnDemand } from './join-on-demand';
import { ghostKicksAndBans } from './kick-ban';
import { ghostInvites, matrixDepartures } from './membership';
import { matrixMessages } from './messages';
import { privateChatInvites } from './private-invite';
import { privateChatDepartures } from './private-leave';
import { matrixRedactions } from './redactions';
import { encryptedRooms, roomUpgrades } from './room-hygiene';
import { matrixTopics } from './topic';

export const MATRIX_HANDLERS: readonly AnyMatrixHandler[] = [
  matrixMessages,
  matrixRedactions,
  privateChatInvites,
  privateChatDepartures,
  joinOnDemand,
  matrixDepartures,
  ghostInvites,
  ghostKicksAndBans,
  matrixTopics,
  encryptedRooms,
  roomUpgrades,
];
