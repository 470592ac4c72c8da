/**
 * Every IRC → Matrix handler, in the order they run for one event. One file per event family;
 * to add one (membership, topic, mode, nick...), write the file and add it to this list.
 */
import type { AnyIrcHandler } from '../registry';
import { channelMessages } from './messages';
import { privateMessages } from './private';
import { serverRefusals } from './refusals';

export const IRC_HANDLERS: readonly AnyIrcHandler[] = [
  channelMessages,
  privateMessages,
  serverRefusals,
];
