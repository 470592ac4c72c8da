/**
 * The bridge's files for a benchmark world: a registration made by the core's own
 * `generateRegistration`, and a config in the documented format (written as JSON, which is
 * YAML). Everything not set here keeps the default from config.sample.yaml; what is set, and
 * why, is listed in `benchNetwork`.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { generateRegistration, saveRegistration, type Registration } from '@bridgekit/appservice';

export const DOMAIN = 'bench.test';
export const BOT_NICK = 'BenchBot';
export const BOT_USER_ID = `@ircbot:${DOMAIN}`;
export const NETWORK_ID = 'bench';

/** Network keys a scenario may override (snake_case, as in the YAML). */
export type NetworkOverrides = Record<string, unknown>;

export function channelName(index: number, count: number): string {
  return count === 1 ? '#bench' : `#bench${index}`;
}

export function roomIdOf(index: number): string {
  return `!bench${index}:${DOMAIN}`;
}

/**
 * Defaults changed for load, and only these:
 *  - puppets.max_connections 10,000 (default 1,000) so the 5,000-puppet scenario is not refused;
 *  - connect_rate_per_second 10,000 (the schema's maximum; default 10), so the bridge's own gate
 *    does not hide how fast it can connect: a real deployment sets what its network allows;
 *  - flood burst 10 / 5 lines/s (default 5 / 0.5): loopback ngIRCd has no flood limit, and the
 *    Matrix → IRC scenario wants to measure the bridge, not waits (which are reported anyway);
 *  - reconnect base delay 1 s (default 2 s): the mass-reconnect scenario waits less.
 */
export function benchNetwork(ircPort: number, rooms: number, overrides: NetworkOverrides = {}): Record<string, unknown> {
  return {
    name: 'Bench IRC',
    host: '127.0.0.1',
    port: ircPort,
    tls: false,
    bot: { nick: BOT_NICK },
    puppets: { max_connections: 10_000 },
    connect_rate_per_second: 10_000,
    flood: { burst: 10, lines_per_second: 5, max_queued: 1000 },
    reconnect: { base_delay_seconds: 1, max_delay_seconds: 30 },
    static_rooms: Array.from({ length: rooms }, (_, i) => ({ channel: channelName(i, rooms), room_id: roomIdOf(i) })),
    ...overrides,
  };
}

/** A fresh registration (new tokens) pointing at the bridge's appservice port. */
export function writeRegistration(dir: string, asPort: number): Registration {
  const registration = generateRegistration({
    id: 'irc', url: `http://127.0.0.1:${asPort}`, senderLocalpart: 'ircbot', userPrefix: '_irc_', aliasPrefix: '_irc_', domain: DOMAIN,
  });
  saveRegistration(path.join(dir, 'registration.yaml'), registration);
  return registration;
}

export interface ConfigOptions {
  hsUrl: string;
  asPort: number;
  ircPort: number;
  rooms: number;
  network?: NetworkOverrides;
  roomConcurrency?: number;
  /** PostgreSQL instead of the SQLite file. */
  databaseUrl?: string;
}

/** Writes config.yaml next to registration.yaml; returns its path. */
export function writeConfig(dir: string, options: ConfigOptions): string {
  const config = {
    homeserver: { url: options.hsUrl, domain: DOMAIN },
    appservice: { registration: 'registration.yaml', bind_address: '127.0.0.1', port: options.asPort },
    database: options.databaseUrl ? { url: options.databaseUrl } : { path: 'bridge.db' },
    // The default level: what a deployment runs with.
    logging: { level: 'info', format: 'text' },
    ...(options.roomConcurrency ? { ingest: { room_concurrency: options.roomConcurrency } } : {}),
    irc: {
      media: { mode: 'direct' },
      networks: { [NETWORK_ID]: benchNetwork(options.ircPort, options.rooms, options.network) },
    },
  };
  const configPath = path.join(dir, 'config.yaml');
  writeFileSync(configPath, JSON.stringify(config, null, 2));
  return configPath;
}
