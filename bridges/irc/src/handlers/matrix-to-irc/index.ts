/**
 * Every Matrix → IRC handler, in the order they run for one event. One file per event family;
 * to add one (membership, topic, kick...), write the file and add it to this list.
 */
import type { MatrixHandler } from '../registry';
import { joinOnDemand } from './join-on-demand';
import { matrixMessages } from './messages';
import { privateChatInvites } from './private-invite';
import { matrixRedactions } from './redactions';

export const MATRIX_HANDLERS: readonly MatrixHandler[] = [
  matrixMessages,
  matrixRedactions,
  privateChatInvites,
  joinOnDemand,
];
