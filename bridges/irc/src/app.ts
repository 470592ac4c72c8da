/**
 * The IRC bridge as a program: its name, how its connector is made from the config, and the
 * namespaces `generate-registration` writes (ghost prefix, alias prefix, bot localpart).
 */
import type { BridgeApp } from '@bridgekit/appservice';
import { aliasPrefixOf, parseIrcConfig } from './config/parse';
import { IrcConnector } from './connector';

export const ircBridgeApp: BridgeApp = {
  name: 'irc',
  createConnector: (config) => new IrcConnector(config),
  registrationDefaults: (config) => {
    const irc = parseIrcConfig(config);
    return { senderLocalpart: irc.senderLocalpart, userPrefix: irc.ghostPrefix, aliasPrefix: aliasPrefixOf(irc.aliasTemplate), protocols: ['irc'] };
  },
};
