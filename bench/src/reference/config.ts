/**
 * Files for matrix-appservice-irc (the reference bridge) in a bench world: a registration in its
 * format and a config in its documented format (config.sample.yaml), written as JSON (which is
 * YAML), pointing at the same fake homeserver and ngIRCd as Bridgekit's. What is set, and why,
 * is listed on `referenceConfig`; everything else keeps the reference's defaults.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { BOT_NICK, channelName, DOMAIN, roomIdOf } from '../bridge/config';

/** Where the reference is checked out and built (never inside this repository). */
export const REFERENCE_DIR = process.env.REFERENCE_IRC_DIR ?? '/work/ref/matrix-appservice-irc';

export interface ReferenceFiles {
  configPath: string;
  registrationPath: string;
}

export interface ReferenceConfigOptions {
  hsUrl: string;
  asPort: number;
  ircPort: number;
  rooms: number;
  asToken: string;
  hsToken: string;
}

/**
 * Set for the bench, and only these:
 *  - membershipLists.global.matrixToIrc initial + incremental: a Matrix join connects the user's
 *    IRC client and joins the channel, as Bridgekit's join-on-demand does (off by default there);
 *  - ircClients.maxClients 10,000 (default 30), nickTemplate `$DISPLAY[m]` (Bridgekit's default),
 *    idleTimeout 0 (no idle disconnects during a run);
 *  - ircClients.reconnectIntervalMs 0 (default 5,000): the reference spaces every connect, first ones
 *    included, by this interval (src/irc/Scheduler.ts), which is its connect gate; 0 turns it off, as
 *    the bench sets Bridgekit's connect_rate_per_second to its maximum, so neither gate is what is timed;
 *  - sendConnectionMessages false: no per-user notices about connecting (Bridgekit sends none);
 *  - enablePresence, metrics, provisioning, ident, debug API off (Bridgekit's bench config has no
 *    presence either); logging at `info`, the level Bridgekit's bench runs at, to stdout (the log file);
 *  - database: NeDB files in the world's dir (needs no service).
 */
export function writeReferenceFiles(dir: string, options: ReferenceConfigOptions): ReferenceFiles {
  const registration = {
    id: 'irc', hs_token: options.hsToken, as_token: options.asToken, url: `http://127.0.0.1:${options.asPort}`,
    sender_localpart: 'ircbot', rate_limited: false, protocols: ['irc'],
    namespaces: { users: [{ exclusive: true, regex: `@_irc_.*:${DOMAIN.replace('.', '\\.')}` }], aliases: [], rooms: [] },
  };
  const mappings: Record<string, { roomIds: string[] }> = {};
  for (let i = 0; i < options.rooms; i++) mappings[channelName(i, options.rooms)] = { roomIds: [roomIdOf(i)] };
  const dataDir = path.join(dir, 'nedb');
  mkdirSync(dataDir, { recursive: true });
  const config = {
    homeserver: { url: options.hsUrl, domain: DOMAIN, enablePresence: false },
    ircService: {
      servers: {
        '127.0.0.1': {
          name: 'Bench IRC', port: options.ircPort, ssl: false, sendConnectionMessages: false,
          botConfig: { enabled: true, nick: BOT_NICK, username: 'benchbot', joinChannelsIfNoUsers: true },
          dynamicChannels: { enabled: false },
          membershipLists: {
            enabled: true,
            global: { ircToMatrix: { initial: false, incremental: false }, matrixToIrc: { initial: true, incremental: true } },
          },
          mappings,
          matrixClients: { userTemplate: '@_irc_$NICK', displayName: '$NICK' },
          ircClients: { nickTemplate: '$DISPLAY[m]', allowNickChanges: true, maxClients: 10_000, idleTimeout: 0, reconnectIntervalMs: 0 },
        },
      },
      logging: { level: 'info', toConsole: true },
      metrics: { enabled: false },
      provisioning: { enabled: false },
      ident: { enabled: false },
    },
    database: { engine: 'nedb', connectionString: `nedb://${dataDir}` },
  };
  const configPath = path.join(dir, 'reference-config.yaml');
  const registrationPath = path.join(dir, 'reference-registration.yaml');
  writeFileSync(configPath, JSON.stringify(config, null, 2));
  writeFileSync(registrationPath, JSON.stringify(registration, null, 2));
  return { configPath, registrationPath };
}
