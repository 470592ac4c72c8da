/**
 * The IRC bridge's config section: the schema (schema.ts) declared once with the core, plus what
 * the shape cannot say — names that must work as Matrix IDs on this homeserver, cross-field
 * rules, files to read, defaults that follow other keys — and the network map. Errors name the
 * key and say what to write instead, all of them at once.
 */
import { readFileSync } from 'node:fs';
import { isIPv4, isIPv6 } from 'node:net';
import { join } from 'node:path';
import { defineConfigSection, type BridgeConfig, type RefineContext, type RoomId } from '@bridgekit/appservice';
import { assertEncoding } from '../format/sanitize';
import { GhostUserIds } from '../mapping/ghost-ids';
import { isIrcChannel, type IrcChannel, type NetworkId } from '../mapping/ids';
import { PortalAliases } from '../mapping/alias';
import { casefold } from '../mapping/casefold';
import { channelRefusal } from '../policy/access';
import { compilePattern } from '../policy/patterns';
import { bigIntToIpv6, ipv6ToBigInt, parseIpv6Prefix, prefixContains, type Ipv6Prefix } from '../source-address/ipv6-prefix';
import { IRC_SECTION_SCHEMA } from './schema';
import type { IrcBridgeConfig, IrcNetworkConfig, IrcSection } from './types';

/** Default names of the key files the bridge creates, in the database's directory. */
const PASSWORD_KEY_FILE = 'irc-passwords.key';
const SIGNING_KEY_FILE = 'media-signing.key';

/**
 * The `irc:` section. Relative paths resolve against the config file's directory; key files the
 * bridge creates default to the database's directory, so they stay with the data. Reading it
 * throws a ConfigError naming the config file and listing every problem.
 */
export const IRC_CONFIG_SECTION = defineConfigSection({
  key: 'irc',
  schema: IRC_SECTION_SCHEMA,
  // The schema marks every password, key and secret `secret: true`; nothing else to add.
  missing: 'is required: add an `irc:` section with at least one network, e.g. irc: {networks: {libera: {host: irc.libera.chat}}} (see config.sample.yaml)',
  refine: toIrcConfig,
});

/** `IRC_CONFIG_SECTION.read(config)`: the validated, typed `irc:` section of this config. */
export function parseIrcConfig(config: BridgeConfig): IrcBridgeConfig {
  return IRC_CONFIG_SECTION.read(config);
}

function toIrcConfig(irc: IrcSection, ctx: RefineContext): IrcBridgeConfig {
  const { config } = ctx;
  checkNames(irc, config.homeserver.domain, ctx);
  const networks = new Map<NetworkId, IrcNetworkConfig>();
  for (const [id, net] of Object.entries(irc.networks)) networks.set(id as NetworkId, toNetwork(id as NetworkId, net, ctx));
  const mediaMode = irc.media.mode ?? (irc.media.publicUrl !== undefined ? 'proxy' : 'direct');
  if (mediaMode === 'proxy' && irc.media.publicUrl === undefined) {
    ctx.problem('media.public_url', 'is required when media.mode is "proxy": set it to the address IRC users reach the media proxy at, e.g. https://bridge.example.org');
  }
  if (irc.provisioning.enabled && irc.provisioning.secret === undefined) {
    ctx.problem('provisioning.secret', 'is required when provisioning is enabled: set it to a long random string');
  }
  const created = (configured: string | undefined, name: string) => (configured !== undefined ? ctx.resolvePath(configured) : join(config.database.dir, name));
  const { mode: _mode, publicUrl, signingKeyFile, ...media } = irc.media;
  return {
    ...irc,
    passwordKeyFile: created(irc.passwordKeyFile, PASSWORD_KEY_FILE),
    permissions: irc.permissions ?? { [config.homeserver.domain]: 'user' },
    media: {
      ...media,
      mode: mediaMode,
      modeConfigured: irc.media.mode !== undefined,
      publicUrl: (publicUrl ?? config.homeserver.url).replace(/\/+$/, ''),
      signingKeyFile: created(signingKeyFile, SIGNING_KEY_FILE),
    },
    networks,
  };
}

/** The prefixes and the alias template must be usable as Matrix names on this homeserver. */
function checkNames(irc: IrcSection, domain: string, ctx: RefineContext): void {
  try {
    new GhostUserIds({ prefix: irc.ghostPrefix, server: domain });
  } catch (error) {
    ctx.problem('ghost_prefix', (error as Error).message);
  }
  const firstNetwork = Object.keys(irc.networks)[0] as NetworkId | undefined;
  try {
    new PortalAliases({ template: irc.aliasTemplate, server: domain, network: firstNetwork });
    if (aliasPrefixOf(irc.aliasTemplate) === '') {
      ctx.problem('alias_template', 'must start with fixed text before $NETWORK/$CHANNEL (e.g. "#_irc_$NETWORK_$CHANNEL"), or the bridge would claim every alias on the homeserver');
    }
  } catch (error) {
    ctx.problem('alias_template', (error as Error).message);
  }
  if (!irc.aliasTemplate.includes('$NETWORK') && Object.keys(irc.networks).length > 1) {
    ctx.problem('alias_template', 'must contain $NETWORK when more than one network is configured');
  }
  if (irc.senderLocalpart.startsWith(irc.ghostPrefix)) {
    ctx.problem('sender_localpart', `must not start with ghost_prefix ${JSON.stringify(irc.ghostPrefix)}, or an IRC nick could map onto the bot`);
  }
}

/** The literal start of an alias template: `#_irc_$NETWORK_$CHANNEL` → `_irc_`. */
export function aliasPrefixOf(template: string): string {
  const body = template.replace(/^#/, '');
  const at = body.search(/\$(NETWORK|CHANNEL)/);
  return at < 0 ? body : body.slice(0, at);
}

function toNetwork(id: NetworkId, net: IrcSection['networks'][string], ctx: RefineContext): IrcNetworkConfig {
  const at = `networks.${id}`;
  let ca: string | undefined;
  if (net.caFile !== undefined) {
    try {
      ca = readFileSync(ctx.resolvePath(net.caFile), 'utf8');
    } catch (error) {
      ctx.problem(`${at}.ca_file`, `cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}): point it at a PEM file the bridge can read`);
    }
  }
  try {
    assertEncoding(net.fallbackEncoding);
  } catch (error) {
    ctx.problem(`${at}.fallback_encoding`, (error as Error).message);
  }
  if (net.reconnect.maxDelaySeconds < net.reconnect.baseDelaySeconds) {
    ctx.problem(`${at}.reconnect.max_delay_seconds`, `must be at least base_delay_seconds (${net.reconnect.baseDelaySeconds})`);
  }
  for (const [list, patterns] of Object.entries(net.access)) {
    patterns.forEach((pattern, i) => {
      try {
        compilePattern(pattern);
      } catch (error) {
        ctx.problem(`${at}.access.${snakeCase(list)}[${i}]`, (error as Error).message);
      }
    });
  }
  if (net.ipv6) checkIpv6(`${at}.ipv6`, net.ipv6, net.host, ctx);
  const staticRooms: Array<{ channel: IrcChannel; roomId: RoomId; key?: string }> = [];
  net.staticRooms.forEach((room, i) => {
    if (!isIrcChannel(room.channel)) {
      ctx.problem(`${at}.static_rooms[${i}].channel`, `must be a channel name starting with # or & without spaces, commas or colons (got ${JSON.stringify(room.channel)})`);
      return;
    }
    // The server's casemapping is not known yet: RFC 1459 folding, the usual one.
    if (channelRefusal(net.access, net.name ?? id, room.channel, (s) => casefold(s, 'rfc1459'))) {
      ctx.problem(`${at}.static_rooms[${i}].channel`, `is excluded by irc.${at}.access: remove it from the access lists or from static_rooms`);
    }
    staticRooms.push({ channel: room.channel, roomId: room.roomId as RoomId, ...(room.key !== undefined ? { key: room.key } : {}) });
  });
  const { caFile: _caFile, name, port, messages, ...rest } = net;
  const { monospaceCodes, strikethroughCodes } = messages.formatting;
  return {
    ...rest,
    id,
    // `[2001:db8::1]` is how the config lets an IPv6 address be written; sockets want it bare.
    host: net.host.replace(/^\[(.*)\]$/, '$1'),
    name: name ?? id,
    port: port ?? (net.tls ? 6697 : 6667),
    ...(ca !== undefined ? { ca } : {}),
    staticRooms,
    modePowerLevels: { ...net.modePowerLevels },
    messages: { ...messages, formatting: { monospace: monospaceCodes, strikethrough: strikethroughCodes } },
  };
}

/** The prefix must parse; `start` must lie inside it; the server must be reachable over IPv6. */
function checkIpv6(at: string, ipv6: { prefix: string; start?: string | undefined }, host: string, ctx: RefineContext): void {
  let prefix: Ipv6Prefix;
  try {
    prefix = parseIpv6Prefix(ipv6.prefix);
  } catch (error) {
    ctx.problem(`${at}.prefix`, (error as Error).message);
    return;
  }
  if (ipv6.start !== undefined && !(isIPv6(ipv6.start) && prefixContains(prefix, ipv6ToBigInt(ipv6.start)))) {
    ctx.problem(`${at}.start`, `must be an IPv6 address inside ${prefix.text}, e.g. "${bigIntToIpv6(prefix.base + 0x1000n)}" (got ${JSON.stringify(ipv6.start)})`);
  }
  if (isIPv4(host)) {
    ctx.problem(at, `needs the server reached over IPv6, but host ${host} is an IPv4 address: use the server's IPv6 address or a name with an AAAA record`);
  }
}

function snakeCase(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}
