import { Type, type Static } from '@sinclair/typebox';
import { oneOf } from './schema-helpers';

// The core's keys as they appear in the YAML file (snake_case, like Synapse's homeserver.yaml),
// in TypeBox like a connector's section: the schema is also the type (RawCoreConfig below).
// Every default here is also written, commented, in config.sample.yaml: change both together.

const CLOSED = { additionalProperties: false } as const;
/** A section that may be left out: every key inside has a default. */
const GROUP = { additionalProperties: false, default: {} } as const;

const port = (def: number) => Type.Integer({ minimum: 1, maximum: 65535, default: def });
const bindAddress = (def: string) => Type.String({ minLength: 1, default: def, expected: 'an IP address to listen on, e.g. 127.0.0.1 or 0.0.0.0' });
const httpUrl = (example: string, options: { hint?: string } = {}) => Type.String({ pattern: '^https?://[^\\s]+$', expected: `an http(s) URL like ${example}`, ...options });

export const CORE_CONFIG_SCHEMA = Type.Object({
  homeserver: Type.Object({
    url: httpUrl('http://127.0.0.1:8008', { hint: "the homeserver's client-server API address, as the bridge reaches it" }),
    domain: Type.String({
      pattern: '^[A-Za-z0-9.:\\[\\]-]+$',
      expected: 'the server name that appears in user IDs, e.g. example.org (no https://, no path)',
    }),
  }, CLOSED),
  appservice: Type.Object({
    registration: Type.String({ minLength: 1, default: 'registration.yaml' }),
    bind_address: bindAddress('127.0.0.1'),
    port: port(8090),
    max_body_bytes: Type.Union([Type.Integer({ minimum: 1024 }), Type.String({ pattern: '^\\s*\\d+(\\.\\d+)?\\s*([kmg]i?b|b)?\\s*$' })], {
      default: '10mb',
      expected: 'a size of at least 1kb, as bytes (10485760) or with a unit ("10mb", "512kb")',
    }),
    public_url: Type.Optional(httpUrl('https://bridge.example.org')),
  }, GROUP),
  metrics: Type.Object({
    enabled: Type.Boolean({ default: false }),
    bind_address: bindAddress('127.0.0.1'),
    // Not 9090: that is Prometheus's own port, usually on the same host as what it scrapes.
    // The exporter range 9100-9999 is fully allocated, so the default sits next to the
    // bridge's other listeners (appservice 8090, IRC media proxy 8091, provisioning 8092).
    port: port(8093),
  }, GROUP),
  database: Type.Object({
    path: Type.String({ minLength: 1, default: 'bridgekit.db' }),
    // PostgreSQL instead of the SQLite file at `path`: postgresql://user:password@host:port/database.
    url: Type.Optional(Type.String({ minLength: 1 })),
    pool_size: Type.Integer({ minimum: 1, maximum: 200, default: 10 }),
    statement_timeout_ms: Type.Integer({ minimum: 0, default: 30000 }),
    // Online copies of the SQLite file taken before a schema migration (<path>.pre-v…-to-v….bak).
    backups_kept: Type.Integer({ minimum: 1, maximum: 100, default: 3, hint: 'the newest pre-migration backups kept next to the database; older ones are deleted' }),
  }, GROUP),
  logging: Type.Object({
    level: oneOf(['error', 'warn', 'info', 'debug'], { default: 'info' }),
    format: oneOf(['text', 'json'], { default: 'text' }),
    file: Type.Optional(Type.String({ minLength: 1 })),
  }, GROUP),
  ingest: Type.Object({
    room_concurrency: Type.Integer({ minimum: 1, maximum: 1000, default: 8 }),
    max_attempts: Type.Integer({ minimum: 1, maximum: 100, default: 5 }),
    slow_handler_ms: Type.Integer({ minimum: 1, default: 10000 }),
  }, GROUP),
  moderation: Type.Object({
    // Moderation policy lists (m.policy.rule.* rooms) whose m.ban rules the bridge applies.
    policy_rooms: Type.Array(Type.String({
      // Room IDs of room version 12 carry no server name (!<hash>); aliases always do.
      pattern: '^(![^\\s]+|#[^:\\s]+:[^\\s]+)$', expected: 'a room ID (!abc:example.org, or !abc in room version 12) or alias (#ban-list:example.org)',
    }), { default: [] }),
  }, GROUP),
  shutdown: Type.Object({
    drain_seconds: Type.Number({
      minimum: 0, maximum: 3600, default: 3,
      hint: 'what is not finished by then stays in the journal and runs at the next start; keep it below your service manager\'s stop timeout',
    }),
  }, GROUP),
});

/** The shape of the YAML after validation (before the one conversion to camelCase). */
export type RawCoreConfig = Static<typeof CORE_CONFIG_SCHEMA>;

export const CORE_SECTIONS = Object.keys(CORE_CONFIG_SCHEMA.properties);
