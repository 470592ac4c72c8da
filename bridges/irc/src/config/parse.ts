/**
 * The one place the raw `irc:` section (snake_case, from YAML) becomes `IrcBridgeConfig`
 * (camelCase, defaults filled, paths absolute, templates checked). Errors name the key and say
 * what to write instead, all of them at once.
 */
import { readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import type { BridgeConfig, ConfigProblem, RoomId } from '@bridgekit/appservice';
import { checkSection, ConfigError } from '@bridgekit/appservice';
import { assertEncoding } from '../format/sanitize';
import { GhostUserIds } from '../mapping/ghost-ids';
import { isIrcChannel, type IrcChannel, type NetworkId } from '../mapping/ids';
import { PortalAliases } from '../mapping/alias';
import { IRC_SECTION_SCHEMA } from './schema';
import type { IrcBridgeConfig, IrcNetworkConfig, NetworkAuthMethod, PermissionLevel } from './types';

/** The raw section after schema validation: snake_case with defaults filled in. */
interface RawSection {
  sender_localpart: string;
  ghost_prefix: string;
  alias_template: string;
  protocol_icon?: string;
  password_key_file?: string;
  permissions?: Record<string, PermissionLevel>;
  media: {
    mode?: 'proxy' | 'direct'; public_url?: string; bind_address: string; port?: number;
    signing_key_file?: string; link_ttl_seconds: number; max_bytes: number;
  };
  provisioning: { enabled: boolean; bind_address: string; port?: number; secret?: string; max_links_per_room: number };
  membership_pacing: { rate_per_second: number; burst: number; max_queued: number };
  homeserver_outage: { retry_minutes: number; max_held_per_room: number };
  networks: Record<string, RawNetwork>;
}

interface RawNetwork {
  name?: string;
  host: string;
  port?: number;
  tls: boolean;
  ca_file?: string;
  tls_reject_unauthorized: boolean;
  password?: string;
  auth: NetworkAuthMethod;
  bot: { nick: string; username: string; realname: string; sasl?: { account: string; password: string } };
  puppets: { nick_template: string; username_template: string; realname_template: string; max_connections: number; idle_timeout_seconds: number };
  connect_rate_per_second: number;
  flood: { burst: number; lines_per_second: number; max_queued: number };
  reconnect: { base_delay_seconds: number; max_delay_seconds: number };
  keepalive: { ping_interval_seconds: number; ping_timeout_seconds: number };
  fallback_encoding: string;
  dynamic_portals: boolean;
  static_rooms: Array<{ channel: string; room_id: string; key?: string }>;
  membership_sync: 'all' | 'none' | 'lazy';
  netsplit_grace_seconds: number;
  mode_power_levels: Record<string, number>;
  private_messages: boolean;
  publish_portals: boolean;
  messages: { paste_threshold_lines: number; reply_template: string; reply_quote_length: number; edit_template: string; redactions: 'ignore' | 'notice';
    formatting: { monospace_codes: boolean; strikethrough_codes: boolean }; };
}

const KEY = 'irc';
/** Default names of the key files the bridge creates, in the database's directory. */
const PASSWORD_KEY_FILE = 'irc-passwords.key';
const SIGNING_KEY_FILE = 'media-signing.key';

/**
 * Validates `config.sections.irc` and returns it camelCased. Relative paths resolve against the
 * config file's directory; key files the bridge creates default to the database's directory, so
 * they stay with the data. Throws `ConfigError` naming the config file and listing every problem.
 */
export function parseIrcConfig(config: Pick<BridgeConfig, 'sections' | 'baseDir' | 'homeserver' | 'database' | 'source'>): IrcBridgeConfig {
  const section = config.sections[KEY];
  if (section === undefined) {
    throw new ConfigError(config.source, [{ path: KEY, message: 'is required: add an `irc:` section with at least one network, e.g. irc: {networks: {libera: {host: irc.libera.chat}}} (see config.sample.yaml)' }]);
  }
  const { value, problems } = checkSection(IRC_SECTION_SCHEMA, section, KEY);
  if (problems.length > 0) throw new ConfigError(config.source, problems);
  const raw = value as RawSection;
  const path = (p: string) => (isAbsolute(p) ? p : resolve(config.baseDir, p));

  checkNames(raw, config.homeserver.domain, problems);
  const networks = new Map<NetworkId, IrcNetworkConfig>();
  for (const [id, net] of Object.entries(raw.networks)) {
    networks.set(id as NetworkId, toNetwork(id as NetworkId, net, path, problems));
  }
  const mediaMode = raw.media.mode ?? (raw.media.public_url !== undefined ? 'proxy' : 'direct');
  if (mediaMode === 'proxy' && raw.media.public_url === undefined) {
    problems.push({ path: `${KEY}.media.public_url`, message: 'is required when media.mode is "proxy": set it to the address IRC users reach the media proxy at, e.g. https://bridge.example.org' });
  }
  if (raw.provisioning.enabled && raw.provisioning.secret === undefined) {
    problems.push({ path: `${KEY}.provisioning.secret`, message: 'is required when provisioning is enabled: set it to a long random string' });
  }
  if (problems.length > 0) throw new ConfigError(config.source, problems);
  const created = (configured: string | undefined, name: string) => (configured !== undefined ? path(configured) : join(config.database.dir, name));

  return {
    senderLocalpart: raw.sender_localpart,
    ghostPrefix: raw.ghost_prefix,
    aliasTemplate: raw.alias_template,
    ...(raw.protocol_icon !== undefined ? { protocolIcon: raw.protocol_icon } : {}),
    passwordKeyFile: created(raw.password_key_file, PASSWORD_KEY_FILE),
    permissions: raw.permissions ?? { [config.homeserver.domain]: 'user' },
    media: {
      mode: mediaMode,
      modeConfigured: raw.media.mode !== undefined,
      publicUrl: (raw.media.public_url ?? config.homeserver.url).replace(/\/+$/, ''),
      bindAddress: raw.media.bind_address,
      ...(raw.media.port !== undefined ? { port: raw.media.port } : {}),
      signingKeyFile: created(raw.media.signing_key_file, SIGNING_KEY_FILE),
      linkTtlSeconds: raw.media.link_ttl_seconds,
      maxBytes: raw.media.max_bytes,
    },
    provisioning: {
      enabled: raw.provisioning.enabled,
      bindAddress: raw.provisioning.bind_address,
      ...(raw.provisioning.port !== undefined ? { port: raw.provisioning.port } : {}),
      ...(raw.provisioning.secret !== undefined ? { secret: raw.provisioning.secret } : {}),
      maxLinksPerRoom: raw.provisioning.max_links_per_room,
    },
    membershipPacing: {
      ratePerSecond: raw.membership_pacing.rate_per_second,
      burst: raw.membership_pacing.burst,
      maxQueued: raw.membership_pacing.max_queued,
    },
    homeserverOutage: {
      retryMinutes: raw.homeserver_outage.retry_minutes,
      maxHeldPerRoom: raw.homeserver_outage.max_held_per_room,
    },
    networks,
  };
}

/** The prefixes and the alias template must be usable as Matrix names on this homeserver. */
function checkNames(raw: RawSection, domain: string, problems: ConfigProblem[]): void {
  try {
    new GhostUserIds({ prefix: raw.ghost_prefix, server: domain });
  } catch (error) {
    problems.push({ path: `${KEY}.ghost_prefix`, message: (error as Error).message });
  }
  const firstNetwork = Object.keys(raw.networks)[0] as NetworkId | undefined;
  try {
    new PortalAliases({ template: raw.alias_template, server: domain, network: firstNetwork });
    if (aliasPrefixOf(raw.alias_template) === '') {
      problems.push({ path: `${KEY}.alias_template`, message: 'must start with fixed text before $NETWORK/$CHANNEL (e.g. "#_irc_$NETWORK_$CHANNEL"), or the bridge would claim every alias on the homeserver' });
    }
  } catch (error) {
    problems.push({ path: `${KEY}.alias_template`, message: (error as Error).message });
  }
  if (!raw.alias_template.includes('$NETWORK') && Object.keys(raw.networks).length > 1) {
    problems.push({ path: `${KEY}.alias_template`, message: 'must contain $NETWORK when more than one network is configured' });
  }
  if (raw.sender_localpart.startsWith(raw.ghost_prefix)) {
    problems.push({ path: `${KEY}.sender_localpart`, message: `must not start with ghost_prefix ${JSON.stringify(raw.ghost_prefix)}, or an IRC nick could map onto the bot` });
  }
}

/** The literal start of an alias template: `#_irc_$NETWORK_$CHANNEL` → `_irc_`. */
export function aliasPrefixOf(template: string): string {
  const body = template.replace(/^#/, '');
  const at = body.search(/\$(NETWORK|CHANNEL)/);
  return at < 0 ? body : body.slice(0, at);
}

function toNetwork(id: NetworkId, net: RawNetwork, path: (p: string) => string, problems: ConfigProblem[]): IrcNetworkConfig {
  const at = `${KEY}.networks.${id}`;
  let ca: string | undefined;
  if (net.ca_file !== undefined) {
    try {
      ca = readFileSync(path(net.ca_file), 'utf8');
    } catch (error) {
      problems.push({ path: `${at}.ca_file`, message: `cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}): point it at a PEM file the bridge can read` });
    }
  }
  try {
    assertEncoding(net.fallback_encoding);
  } catch (error) {
    problems.push({ path: `${at}.fallback_encoding`, message: (error as Error).message });
  }
  if (net.reconnect.max_delay_seconds < net.reconnect.base_delay_seconds) {
    problems.push({ path: `${at}.reconnect.max_delay_seconds`, message: `must be at least base_delay_seconds (${net.reconnect.base_delay_seconds})` });
  }
  const staticRooms: Array<{ channel: IrcChannel; roomId: RoomId; key?: string }> = [];
  net.static_rooms.forEach((room, i) => {
    if (!isIrcChannel(room.channel)) {
      problems.push({ path: `${at}.static_rooms[${i}].channel`, message: `must be a channel name starting with # or & without spaces, commas or colons (got ${JSON.stringify(room.channel)})` });
      return;
    }
    staticRooms.push({ channel: room.channel, roomId: room.room_id as RoomId, ...(room.key !== undefined ? { key: room.key } : {}) });
  });

  return {
    id,
    name: net.name ?? id,
    host: net.host,
    port: net.port ?? (net.tls ? 6697 : 6667),
    tls: net.tls,
    ...(ca !== undefined ? { ca } : {}),
    tlsRejectUnauthorized: net.tls_reject_unauthorized,
    ...(net.password !== undefined ? { password: net.password } : {}),
    auth: net.auth,
    bot: {
      nick: net.bot.nick,
      username: net.bot.username,
      realname: net.bot.realname,
      ...(net.bot.sasl ? { sasl: { account: net.bot.sasl.account, password: net.bot.sasl.password } } : {}),
    },
    puppets: {
      nickTemplate: net.puppets.nick_template,
      usernameTemplate: net.puppets.username_template,
      realnameTemplate: net.puppets.realname_template,
      maxConnections: net.puppets.max_connections,
      idleTimeoutSeconds: net.puppets.idle_timeout_seconds,
    },
    connectRatePerSecond: net.connect_rate_per_second,
    flood: { burst: net.flood.burst, linesPerSecond: net.flood.lines_per_second, maxQueued: net.flood.max_queued },
    reconnect: { baseDelaySeconds: net.reconnect.base_delay_seconds, maxDelaySeconds: net.reconnect.max_delay_seconds },
    keepalive: { pingIntervalSeconds: net.keepalive.ping_interval_seconds, pingTimeoutSeconds: net.keepalive.ping_timeout_seconds },
    fallbackEncoding: net.fallback_encoding,
    dynamicPortals: net.dynamic_portals,
    staticRooms,
    membershipSync: net.membership_sync,
    netsplitGraceSeconds: net.netsplit_grace_seconds,
    modePowerLevels: { ...net.mode_power_levels },
    privateMessages: net.private_messages,
    publishPortals: net.publish_portals,
    messages: {
      pasteThresholdLines: net.messages.paste_threshold_lines,
      replyTemplate: net.messages.reply_template,
      replyQuoteLength: net.messages.reply_quote_length,
      editTemplate: net.messages.edit_template,
      redactions: net.messages.redactions,
      formatting: { monospace: net.messages.formatting.monospace_codes, strikethrough: net.messages.formatting.strikethrough_codes },
    },
  };
}
