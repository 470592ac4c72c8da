/**
 * Every IRC → Matrix handler, in the order they run for one event. One file per event family;
 * to add one (membership, topic, mode, nick...), write the file and add it to this list.
 */
import type { AnyIrcHandler } from '../registry';
import { awayChanges, awayConnectionClosed, awayKicks, awayParts, awayQuits } from './away';
import { capabilityChanges } from './capabilities';
import { serverLinks } from './server-links';
import { botConnectionClosed, channelJoins, channelKicks, channelNames, channelParts, channelQuits, channelSpeakers } from './membership';
import { channelMessages } from './messages';
import { channelModes } from './modes';
import { nickChanges } from './nick';
import { operatorRefusals } from './op-refusals';
import { privateMessages } from './private';
import { serverRefusals } from './refusals';
import { channelTopics } from './topic';

export const IRC_HANDLERS: readonly AnyIrcHandler[] = [
  channelMessages,
  channelSpeakers, // after channelMessages: the speaker's ghost joins in the message's task
  privateMessages,
  serverRefusals,
  // Before the membership handlers, which may let go of a renamed user's ghost binding.
  awayQuits,
  awayParts,
  awayKicks,
  channelJoins,
  channelParts,
  channelQuits,
  channelKicks,
  channelNames,
  botConnectionClosed,
  nickChanges,
  channelTopics,
  channelModes,
  operatorRefusals,
  awayChanges,
  awayConnectionClosed,
  capabilityChanges,
  serverLinks,
];
