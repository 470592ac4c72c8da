/**
 * The IRC bridge as a program: its name, command and version, the config section it reads, how
 * its connector is made from the config, and the namespaces `generate-registration` writes
 * (ghost prefix, alias prefix, bot localpart) and `check-config`/`run` compare.
 */
import { join } from 'node:path';
import type { BridgeApp } from '@bridgekit/appservice';
import { packageVersion } from '@bridgekit/appservice';
import { aliasPrefixOf, IRC_CONFIG_SECTION } from './config/parse';
import { IrcConnector } from './connector';

export const ircBridgeApp: BridgeApp = {
  name: 'irc',
  command: 'bridgekit-irc',
  // src/ under test, dist/ when built: the package root is the parent of either.
  version: packageVersion(join(__dirname, '..')),
  configSections: [IRC_CONFIG_SECTION],
  createConnector: (config) => new IrcConnector(config),
  registrationDefaults: (config) => {
    const irc = IRC_CONFIG_SECTION.read(config);
    return {
      senderLocalpart: irc.senderLocalpart,
      userPrefix: irc.ghostPrefix,
      aliasPrefix: aliasPrefixOf(irc.aliasTemplate),
      protocols: ['irc'],
      configKeys: { senderLocalpart: 'irc.sender_localpart', userPrefix: 'irc.ghost_prefix', aliasPrefix: 'irc.alias_template' },
    };
  },
};
