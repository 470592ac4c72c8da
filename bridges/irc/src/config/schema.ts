/**
 * The `irc:` section as it appears in the YAML file (snake_case). Every default here is also
 * written, commented, in config.sample.yaml's `irc:` section: change both together (a test
 * checks they agree).
 */
import type { SectionSchema } from '@bridgekit/appservice';
import { DEFAULT_ALIAS_TEMPLATE } from '../mapping/alias';

const NETWORK_ID = '^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?$';

/** No default: a listener of its own is opened only where the admin asks for one. */
const ownPort: SectionSchema = { type: 'integer', minimum: 1, maximum: 65535, expected: 'a port for a listener of its own (leave it out to use the appservice listener)' };
const bindAddress = (def: string): SectionSchema => ({
  type: 'string', minLength: 1, default: def, expected: 'an IP address to listen on, e.g. 127.0.0.1 or 0.0.0.0',
});
const template = (def: string, variables: string): SectionSchema => ({
  type: 'string', minLength: 1, default: def, expected: `a template using ${variables}, e.g. ${JSON.stringify(def)}`,
});
const secret = (what: string): SectionSchema => ({ type: 'string', minLength: 1, secret: true, expected: `the ${what} (a non-empty string)` });
const positive = (def: number, max: number): SectionSchema => ({ type: 'number', exclusiveMinimum: 0, maximum: max, default: def });
const count = (def: number, min: number, max: number): SectionSchema => ({ type: 'integer', minimum: min, maximum: max, default: def });

const NETWORK_SCHEMA: SectionSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['host'],
  properties: {
    name: { type: 'string', minLength: 1 },
    host: { type: 'string', minLength: 1, pattern: '^[^\\s/:]+$|^\\[[0-9a-fA-F:.]+\\]$', expected: 'a host name or IP address without scheme or port, e.g. irc.libera.chat' },
    port: { type: 'integer', minimum: 1, maximum: 65535 },
    tls: { type: 'boolean', default: true },
    ca_file: { type: 'string', minLength: 1, expected: 'the path of a PEM file with the CA certificate to trust' },
    tls_reject_unauthorized: { type: 'boolean', default: true, hint: 'false accepts any certificate; use it only for test networks' },
    password: secret('server password (PASS)'),
    auth: { enum: ['auto', 'sasl', 'nickserv', 'server-password'], default: 'auto' },
    bot: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        nick: { type: 'string', minLength: 1, default: 'MatrixBridge' },
        username: { type: 'string', minLength: 1, default: 'matrixbridge' },
        realname: { type: 'string', minLength: 1, default: 'Matrix bridge bot' },
        sasl: {
          type: 'object',
          additionalProperties: false,
          required: ['account', 'password'],
          properties: { account: { type: 'string', minLength: 1 }, password: secret('SASL password') },
        },
      },
    },
    puppets: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        nick_template: template('$DISPLAY[m]', '$DISPLAY, $LOCALPART or $USERID'),
        username_template: template('$LOCALPART', '$DISPLAY, $LOCALPART or $USERID'),
        realname_template: template('$DISPLAY ($USERID)', '$DISPLAY, $LOCALPART or $USERID'),
        max_connections: count(1000, 0, 1_000_000),
        idle_timeout_seconds: count(0, 0, 31_536_000),
      },
    },
    connect_rate_per_second: positive(10, 10_000),
    flood: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        burst: count(5, 1, 10_000),
        lines_per_second: positive(0.5, 10_000),
        max_queued: count(200, 1, 1_000_000),
      },
    },
    reconnect: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        base_delay_seconds: positive(2, 3600),
        max_delay_seconds: positive(300, 86_400),
      },
    },
    keepalive: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        ping_interval_seconds: count(30, 5, 3600),
        ping_timeout_seconds: count(120, 5, 3600),
      },
    },
    fallback_encoding: { type: 'string', minLength: 1, default: 'cp1252' },
    dynamic_portals: { type: 'boolean', default: true },
    static_rooms: {
      type: 'array',
      default: [],
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['channel', 'room_id'],
        properties: {
          channel: { type: 'string', minLength: 2, expected: 'a channel name such as "#matrix"' },
          room_id: { type: 'string', pattern: '^![^:\\s]+(:[^\\s]+)?$', expected: 'a room ID such as "!abc:example.org"' },
          key: secret('channel key'),
        },
      },
    },
    membership_sync: { enum: ['all', 'none', 'lazy'], default: 'lazy' },
    netsplit_grace_seconds: count(60, 0, 86_400),
    mode_power_levels: {
      type: 'object',
      default: { q: 75, a: 60, o: 50, h: 25, v: 1 },
      propertyNames: { type: 'string', pattern: '^[a-zA-Z]$', expected: 'a channel prefix mode letter such as o (op) or v (voice)' },
      additionalProperties: { type: 'integer', minimum: 0, maximum: 99, hint: 'levels stay below the bridge bot\'s 100, or the bridge could never lower them again' },
      expected: 'a mapping of prefix mode letters to power levels, e.g. {o: 50, v: 1}',
    },
    private_messages: { type: 'boolean', default: true },
    publish_portals: { type: 'boolean', default: false },
    messages: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        paste_threshold_lines: count(3, 1, 1000),
        reply_template: template('$NICK: "$QUOTE" <- $REPLY', '$NICK, $QUOTE and $REPLY'),
        reply_quote_length: count(40, 0, 400),
        edit_template: template('* $NEW', '$NEW'),
        redactions: { enum: ['ignore', 'notice'], default: 'ignore' },
        formatting: {
          type: 'object',
          additionalProperties: false,
          default: {},
          properties: {
            monospace_codes: { type: 'boolean', default: false, hint: 'true sends inline code as \\x11 (many clients show it as junk); false as `backticks`' },
            strikethrough_codes: { type: 'boolean', default: false, hint: 'true sends strikethrough as \\x1e (many clients show it as junk); false as ~~tildes~~' },
          },
        },
      },
    },
  },
};

export const IRC_SECTION_SCHEMA: SectionSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['networks'],
  properties: {
    sender_localpart: { type: 'string', pattern: '^[a-z0-9._=/+-]+$', default: 'ircbot', expected: 'a lower-case localpart such as "ircbot"' },
    ghost_prefix: { type: 'string', pattern: '^[a-z0-9._=/-]+$', default: '_irc_', expected: 'a lower-case localpart prefix such as "_irc_"' },
    alias_template: template(DEFAULT_ALIAS_TEMPLATE, '$NETWORK and $CHANNEL'),
    protocol_icon: { type: 'string', pattern: '^mxc://[A-Za-z0-9.:-]+/[A-Za-z0-9_-]+$', expected: 'an mxc:// content URI such as mxc://example.org/AbCdEf (upload the image to your homeserver first)' },
    // No default here: it is the database's directory (parse.ts), not the config's.
    password_key_file: { type: 'string', minLength: 1 },
    permissions: {
      type: 'object',
      additionalProperties: { enum: ['none', 'user', 'admin'] },
    },
    media: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        // No default here: it follows public_url (parse.ts), so an admin who gives the proxy an address gets it.
        mode: { enum: ['proxy', 'direct'] },
        public_url: { type: 'string', pattern: '^https?://[^\\s]+$', expected: 'an http(s) URL like https://bridge.example.org' },
        bind_address: bindAddress('127.0.0.1'),
        port: ownPort,
        signing_key_file: { type: 'string', minLength: 1 },
        link_ttl_seconds: count(604_800, 60, 315_360_000),
        max_bytes: count(104_857_600, 1024, 10_737_418_240),
      },
    },
    provisioning: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        enabled: { type: 'boolean', default: false },
        bind_address: bindAddress('127.0.0.1'),
        port: ownPort,
        secret: secret('bearer secret of the provisioning API'),
        max_links_per_room: count(2, 1, 100),
      },
    },
    membership_pacing: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        rate_per_second: positive(10, 10_000),
        burst: count(20, 1, 100_000),
        max_queued: count(10_000, 1, 10_000_000),
      },
    },
    homeserver_outage: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        retry_minutes: count(15, 0, 10_080),
        max_held_per_room: count(1000, 1, 1_000_000),
      },
    },
    networks: {
      type: 'object',
      minProperties: 1,
      propertyNames: { type: 'string', pattern: NETWORK_ID, expected: 'a network name of 1-32 lower-case letters, digits or "-" (not at either end), e.g. libera' },
      additionalProperties: NETWORK_SCHEMA,
      expected: 'a mapping of network names (lower-case letters, digits, "-") to network settings, e.g. {libera: {host: irc.libera.chat}}',
    },
  },
};
