/**
 * The config file a scenario's bridge runs with. It follows config.sample.yaml (snake_case keys,
 * relative paths resolved against the file's directory) and, for the `irc:` section, the IRC
 * bridge's IrcBridgeConfig (bridges/irc/src/config/types.ts) in snake_case. When either changes,
 * this one function is what to update.
 */
import { mkdirSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import type { E2eEnv } from './env';
import { GHOST_LOCALPART_PREFIX, IRC_NETWORK_ID, SENDER_LOCALPART } from './namespaces';
import { writeYaml } from './synapse';

/** A partial config document; objects are merged into the defaults key by key, anything else replaces. */
export type BridgeConfigOverrides = { [key: string]: unknown };

export interface WrittenBridgeConfig {
  configPath: string;
  /** The directory holding the config, the bridge's database and key files. */
  dir: string;
  document: Record<string, unknown>;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function merge(base: Record<string, unknown>, overrides: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(overrides)) {
    const current = out[key];
    out[key] = isPlainObject(current) && isPlainObject(value) ? merge(current, value) : value;
  }
  return out;
}

/** The defaults: this run's homeserver, registration, IRC server; a fresh database per call. */
export function defaultBridgeConfig(env: E2eEnv): Record<string, unknown> {
  return {
    homeserver: { url: env.homeserver.url, domain: env.homeserver.serverName },
    appservice: {
      registration: env.appservice.registrationPath,
      bind_address: '127.0.0.1',
      port: env.appservice.port,
    },
    metrics: { enabled: false },
    database: { path: 'bridge.db' },
    logging: { level: 'debug', format: 'text' },
    irc: {
      sender_localpart: SENDER_LOCALPART,
      ghost_prefix: GHOST_LOCALPART_PREFIX,
      alias_template: '#irc_$NETWORK_$CHANNEL',
      password_key_file: 'password.key',
      permissions: { [env.homeserver.serverName]: 'admin' },
      media: { mode: 'direct' },
      networks: {
        [IRC_NETWORK_ID]: {
          name: 'E2E IRC',
          host: env.irc.host,
          port: env.irc.port,
          tls: false,
          bot: { nick: SENDER_LOCALPART, username: SENDER_LOCALPART, realname: 'Bridgekit e2e bridge bot' },
          dynamic_portals: true,
          // ngIRCd in the e2e tier has flood penalties off; let tests run at loopback speed.
          flood: { burst: 50, lines_per_second: 50 },
          connect_rate_per_second: 100,
          reconnect: { base_delay_seconds: 0.5, max_delay_seconds: 5 },
        },
      },
    },
  };
}

/** Writes `<runDir>/bridges/<pid>-<random>/config.yaml` from the defaults merged with `overrides`. */
export function writeBridgeConfig(env: E2eEnv, overrides: BridgeConfigOverrides = {}): WrittenBridgeConfig {
  // mkdtemp, not a counter: jest gives every test file a fresh module registry, so a module-level
  // counter restarts at 1 in each file and two files of one run would share a database.
  const parent = join(env.runDir, 'bridges');
  mkdirSync(parent, { recursive: true });
  const dir = mkdtempSync(join(parent, `${process.pid}-`));
  const document = merge(defaultBridgeConfig(env), overrides);
  const configPath = join(dir, 'config.yaml');
  writeYaml(configPath, document);
  return { configPath, dir, document };
}
