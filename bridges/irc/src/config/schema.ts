/**
 * The `irc:` section as it appears in the YAML file (snake_case), in TypeBox: the one source of
 * both its validation and its TypeScript type (types.ts derives from it). Every default here is
 * also written, commented, in config.sample.yaml's `irc:` section: change both together (a test
 * checks they agree).
 */
import { join } from 'node:path';
import { mapOf, oneOf, secretString, Type, usePrecompiledValidator } from '@bridgekit/appservice';
import { DEFAULT_ALIAS_TEMPLATE } from '../mapping/alias';

const NETWORK_ID = '^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?$';
const CLOSED = { additionalProperties: false } as const;
/** A group of settings that may be left out entirely: every key inside has a default. */
const GROUP = { additionalProperties: false, default: {} } as const;

/** No default: a listener of its own is opened only where the admin asks for one. */
const ownPort = () => Type.Optional(Type.Integer({ minimum: 1, maximum: 65535, expected: 'a port for a listener of its own (leave it out to use the appservice listener)' }));
const bindAddress = (def: string) => Type.String({ minLength: 1, default: def, expected: 'an IP address to listen on, e.g. 127.0.0.1 or 0.0.0.0' });
const template = (def: string, variables: string) => Type.String({ minLength: 1, default: def, expected: `a template using ${variables}, e.g. ${JSON.stringify(def)}` });
const positive = (def: number, max: number) => Type.Number({ exclusiveMinimum: 0, maximum: max, default: def });
const count = (def: number, min: number, max: number) => Type.Integer({ minimum: min, maximum: max, default: def });
const flag = (def: boolean, hint?: string) => Type.Boolean({ default: def, ...(hint ? { hint } : {}) });
const text = () => Type.String({ minLength: 1 });
const PUPPET_VARIABLES = '$DISPLAY, $LOCALPART or $USERID';
const patterns = (expected: string) => Type.Array(Type.String({ minLength: 1, expected }), { default: [] });

const NETWORK_SCHEMA = Type.Object({
  /** Human name, shown in notices and admin replies (default: the network's key). */
  name: Type.Optional(text()),
  host: Type.String({ minLength: 1, pattern: '^[^\\s/:]+$|^\\[[0-9a-fA-F:.]+\\]$', expected: 'a host name or IP address without scheme or port, e.g. irc.libera.chat' }),
  /** Default 6697 with TLS, 6667 without. */
  port: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535 })),
  tls: flag(true),
  /** A PEM file with an extra CA to trust for this network's TLS. */
  ca_file: Type.Optional(Type.String({ minLength: 1, expected: 'the path of a PEM file with the CA certificate to trust' })),
  /** false accepts any certificate: test networks only. */
  tls_reject_unauthorized: flag(true, 'false accepts any certificate; use it only for test networks'),
  /** Server password (PASS), if the network needs one for everyone. */
  password: Type.Optional(secretString('server password (PASS)')),
  /** How a password a user stored with !storepass logs them in (see `NetworkAuthMethod`). */
  auth: oneOf(['auto', 'sasl', 'nickserv', 'server-password'], { default: 'auto' }),
  /** The bridge bot's own IRC presence, which listens to every bridged channel. */
  bot: Type.Object({
    nick: Type.String({ minLength: 1, default: 'MatrixBridge' }),
    username: Type.String({ minLength: 1, default: 'matrixbridge' }),
    realname: Type.String({ minLength: 1, default: 'Matrix bridge bot' }),
    sasl: Type.Optional(Type.Object({ account: text(), password: secretString('SASL password') }, CLOSED)),
  }, GROUP),
  /** Matrix users' connections. */
  puppets: Type.Object({
    nick_template: template('$DISPLAY[m]', PUPPET_VARIABLES),
    username_template: template('$LOCALPART', PUPPET_VARIABLES),
    realname_template: template('$DISPLAY ($USERID)', PUPPET_VARIABLES),
    /** Most Matrix users connected to this network at once; the next one gets a notice. */
    max_connections: count(1000, 0, 1_000_000),
    /** Disconnect a puppet after this long without activity (0 = never). Room memberships are kept. */
    idle_timeout_seconds: count(0, 0, 31_536_000),
  }, GROUP),
  /** New connections per second to this network (shared by the bot and all puppets). */
  connect_rate_per_second: positive(10, 10_000),
  /** Token bucket per connection: `burst` lines at once, then `lines_per_second`. */
  flood: Type.Object({
    burst: count(5, 1, 10_000),
    lines_per_second: positive(0.5, 10_000),
    max_queued: count(200, 1, 1_000_000),
  }, GROUP),
  reconnect: Type.Object({
    base_delay_seconds: positive(2, 3600),
    max_delay_seconds: positive(300, 86_400),
  }, GROUP),
  /** PING after this much silence, give up after `ping_timeout_seconds` more. */
  keepalive: Type.Object({
    ping_interval_seconds: count(30, 5, 3600),
    ping_timeout_seconds: count(120, 5, 3600),
  }, GROUP),
  /** The QUIT reason every connection of this network sends when the bridge stops. */
  quit_message: Type.String({ minLength: 1, maxLength: 300, default: 'Bridge shutting down', expected: 'a short sentence such as "Bridge restarting, back soon"' }),
  /** Encoding tried when a line is not valid UTF-8. */
  fallback_encoding: Type.String({ minLength: 1, default: 'cp1252' }),
  /** Whether joining `#<alias for a channel>` creates a portal on demand. */
  dynamic_portals: flag(true),
  /** Channels bridged to existing rooms. */
  static_rooms: Type.Array(Type.Object({
    channel: Type.String({ minLength: 2, expected: 'a channel name such as "#matrix"' }),
    room_id: Type.String({ pattern: '^![^:\\s]+(:[^\\s]+)?$', expected: 'a room ID such as "!abc:example.org"' }),
    key: Type.Optional(secretString('channel key')),
  }, CLOSED), { default: [] }),
  /** Which IRC members get ghosts in the room at start/join: all, none, or only when they speak. */
  membership_sync: oneOf(['all', 'none', 'lazy'], { default: 'lazy' }),
  /** Netsplit QUITs are mirrored only if the user has not rejoined within this time. */
  netsplit_grace_seconds: count(60, 0, 86_400),
  /** IRC away (away-notify) shown as the ghosts' Matrix presence: unavailable with the away message, online when back. */
  away_presence: flag(false, 'true sets the presence of ghosts in the rooms; it needs presence enabled on the homeserver'),
  /** Channel prefix mode letter (o, v, h, a, q...) → power level of the IRC user's ghost; the highest wins. */
  mode_power_levels: mapOf(
    Type.Integer({ minimum: 0, maximum: 99, hint: 'levels stay below the bridge bot\'s 100, or the bridge could never lower them again' }),
    {
      default: { q: 75, a: 60, o: 50, h: 25, v: 1 },
      keys: { pattern: '^[a-zA-Z]$', expected: 'a channel prefix mode letter such as o (op) or v (voice)' },
      expected: 'a mapping of prefix mode letters to power levels, e.g. {o: 50, v: 1}',
    },
  ),
  /** Which channels may be bridged and which Matrix users may use this network (policy/access.ts). */
  access: Type.Object({
    exclude_channels: patterns('channel globs such as "#ops-*" (case-insensitive) or /regular expressions/'),
    allow_channels: patterns('channel globs or /regular expressions/; empty allows every channel not excluded'),
    exclude_users: patterns('Matrix user ID globs such as "@*:spam.example" or /regular expressions/'),
    allow_users: patterns('Matrix user ID globs or /regular expressions/; empty allows every user not excluded'),
  }, GROUP),
  /** How the portals the bridge creates itself (dynamic portals, !join) are set up. */
  portal_rooms: Type.Object({
    /** Default: the homeserver's default room version. */
    room_version: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9.-]{1,32}$', expected: 'a room version such as "10" or "11"' })),
    join_rule: oneOf(['public', 'knock', 'invite'], { default: 'public' }),
    /** false: users on other homeservers can never join (m.federate in the create event; cannot change later). */
    federate: flag(true),
  }, GROUP),
  /**
   * One IPv6 source address per Matrix user, from this prefix (the bot keeps the host's default).
   * The host must accept the prefix's addresses as sources: see the README, "Per-user IPv6 source addresses".
   */
  ipv6: Type.Optional(Type.Object({
    prefix: Type.String({ minLength: 1, expected: 'an IPv6 prefix routed to this host, e.g. "2001:db8:1::/64"' }),
    /** The first address handed out (default: the prefix's second address, `…::1`). */
    start: Type.Optional(Type.String({ minLength: 1, expected: 'an IPv6 address inside the prefix, e.g. "2001:db8:1::1000"' })),
  }, CLOSED)),
  /** Whether IRC users may open a private conversation with a Matrix user (and the reverse). */
  private_messages: flag(true),
  /** Whether portals the bridge creates are listed in the room directory (never while the channel is +s). */
  publish_portals: flag(false),
  messages: Type.Object({
    /** Matrix messages older than this (seconds; e.g. delivered late after an outage) are not sent to IRC, and the sender is told. 0 = no limit. */
    max_age_seconds: count(0, 0, 31_536_000),
    /**
     * While the sender's IRC connection is down (the server restarting, a network outage), their
     * messages wait for it, in order, for at most this many seconds (and never past max_age_seconds);
     * then the sender is told. 0 = do not wait.
     */
    hold_seconds: count(900, 0, 86_400),
    /** Messages that would take more than this many IRC lines become a link to the full text. */
    paste_threshold_lines: count(3, 1, 1000),
    /** How a reply is shown on IRC: $NICK (who was replied to), $QUOTE (their words, shortened), $REPLY. */
    reply_template: template('$NICK: "$QUOTE" <- $REPLY', '$NICK, $QUOTE and $REPLY'),
    /** Longest $QUOTE, in characters. */
    reply_quote_length: count(40, 0, 400),
    /** How an edit is shown on IRC: $NEW (the new text). */
    edit_template: template('* $NEW', '$NEW'),
    /** Redactions of bridged messages: ignore, or send a short note to IRC. */
    redactions: oneOf(['ignore', 'notice'], { default: 'ignore' }),
    formatting: Type.Object({
      monospace_codes: flag(false, 'true sends inline code as \\x11 (many clients show it as junk); false as `backticks`'),
      strikethrough_codes: flag(false, 'true sends strikethrough as \\x1e (many clients show it as junk); false as ~~tildes~~'),
    }, GROUP),
  }, GROUP),
}, CLOSED);

export const IRC_SECTION_SCHEMA = Type.Object({
  /** The bridge bot's localpart, used by `generate-registration` (the registration file wins at run time). */
  sender_localpart: Type.String({ pattern: '^[a-z0-9._=/+-]+$', default: 'ircbot', expected: 'a lower-case localpart such as "ircbot"' }),
  /** Localpart prefix of ghost users, e.g. `_irc_` → `@_irc_libera_alice:hs`. Must match the registration's user namespace. */
  ghost_prefix: Type.String({ pattern: '^[a-z0-9._=/-]+$', default: '_irc_', expected: 'a lower-case localpart prefix such as "_irc_"' }),
  /** Portal alias template; its literal start is the alias namespace prefix. */
  alias_template: template(DEFAULT_ALIAS_TEMPLATE, '$NETWORK and $CHANNEL'),
  /** `mxc://` icon of the `irc` third-party protocol (clients show it beside the networks). */
  protocol_icon: Type.Optional(Type.String({ pattern: '^mxc://[A-Za-z0-9.:-]+/[A-Za-z0-9_-]+$', expected: 'an mxc:// content URI such as mxc://example.org/AbCdEf (upload the image to your homeserver first)' })),
  // No default here: it is the database's directory (parse.ts), not the config's.
  password_key_file: Type.Optional(text()),
  /** Who may use the bridge and its admin commands: a user ID, a server name, or `*` → level. */
  permissions: Type.Optional(mapOf(oneOf(['none', 'user', 'admin']))),
  media: Type.Object({
    // No default here: it follows public_url (parse.ts), so an admin who gives the proxy an address gets it.
    mode: Type.Optional(oneOf(['proxy', 'direct'])),
    public_url: Type.Optional(Type.String({ pattern: '^https?://[^\\s]+$', expected: 'an http(s) URL like https://bridge.example.org' })),
    /** Used with `port` only. */
    bind_address: bindAddress('127.0.0.1'),
    /** A listener of the proxy's own; absent: the proxy is a route on the appservice listener. */
    port: ownPort(),
    signing_key_file: Type.Optional(text()),
    /** How long a signed link stays valid. */
    link_ttl_seconds: count(604_800, 60, 315_360_000),
    /** Largest file the proxy streams. */
    max_bytes: count(104_857_600, 1024, 10_737_418_240),
  }, GROUP),
  provisioning: Type.Object({
    enabled: flag(false),
    /** Used with `port` only. */
    bind_address: bindAddress('127.0.0.1'),
    /** A listener of the API's own; absent: its routes are on the appservice listener. */
    port: ownPort(),
    secret: Type.Optional(secretString('bearer secret of the provisioning API')),
    max_links_per_room: count(2, 1, 100),
  }, GROUP),
  /** Ghost joins/leaves sent to the homeserver (NAMES syncs, JOIN/PART/QUIT, netsplits), all networks together. */
  membership_pacing: Type.Object({
    rate_per_second: positive(10, 10_000),
    burst: count(20, 1, 100_000),
    max_queued: count(10_000, 1, 10_000_000),
  }, GROUP),
  /**
   * IRC → Matrix work the homeserver does not take (unreachable, 5xx, 429) is retried for up to
   * `retry_minutes` (0 = not at all), the room's later lines held behind it in order (journaled,
   * so nothing held is lost at a stop or crash). `max_held_per_room` is deprecated and unused (held
   * lines wait in the journal, not in memory): still accepted so earlier configs load, warned about at start.
   */
  homeserver_outage: Type.Object({
    retry_minutes: count(15, 0, 10_080),
    max_held_per_room: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })),
  }, GROUP),
  /**
   * An identd (RFC 1413) answering IRC servers' ident queries for the bridge's own connections
   * with each connection's user name (puppets.username_template), so a network can ban one
   * Matrix user by ident. Off by default; port 113 needs root or CAP_NET_BIND_SERVICE.
   */
  ident: Type.Object({
    enabled: flag(false),
    address: Type.String({ minLength: 1, default: '::', expected: 'an IP address to listen on, e.g. "::" (all, IPv4 and IPv6) or 0.0.0.0' }),
    port: Type.Integer({ minimum: 1, maximum: 65535, default: 113 }),
  }, GROUP),
  networks: mapOf(NETWORK_SCHEMA, {
    minProperties: 1,
    keys: { pattern: NETWORK_ID, expected: 'a network name of 1-32 lower-case letters, digits or "-" (not at either end), e.g. libera' },
    expected: 'a mapping of network names (lower-case letters, digits, "-") to network settings, e.g. {libera: {host: irc.libera.chat}}',
  }),
}, CLOSED);

// Generated by build/precompile-validators.js (see the core's usePrecompiledValidator); compiled at start-up when absent.
usePrecompiledValidator(IRC_SECTION_SCHEMA, join(__dirname, 'schema.validator.cjs'));
