import type { SectionSchema } from './schema';

// The core's keys as they appear in the YAML file (snake_case, like Synapse's homeserver.yaml).
// Every default here is also written, commented, in config.sample.yaml: change both together.

const port = (def: number): SectionSchema => ({ type: 'integer', minimum: 1, maximum: 65535, default: def });
const bindAddress = (def: string): SectionSchema => ({
  type: 'string', minLength: 1, default: def, expected: 'an IP address to listen on, e.g. 127.0.0.1 or 0.0.0.0',
});
const httpUrl = (example: string): SectionSchema => ({
  type: 'string', pattern: '^https?://[^\\s]+$', expected: `an http(s) URL like ${example}`,
});

export const CORE_CONFIG_SCHEMA: SectionSchema = {
  type: 'object',
  required: ['homeserver'],
  properties: {
    homeserver: {
      type: 'object',
      additionalProperties: false,
      required: ['url', 'domain'],
      properties: {
        url: { ...httpUrl('http://127.0.0.1:8008'), hint: "the homeserver's client-server API address, as the bridge reaches it" },
        domain: {
          type: 'string', pattern: '^[A-Za-z0-9.:\\[\\]-]+$',
          expected: 'the server name that appears in user IDs, e.g. example.org (no https://, no path)',
        },
      },
    },
    appservice: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        registration: { type: 'string', minLength: 1, default: 'registration.yaml' },
        bind_address: bindAddress('127.0.0.1'),
        port: port(8090),
        max_body_bytes: {
          anyOf: [{ type: 'integer', minimum: 1024 }, { type: 'string', pattern: '^\\s*\\d+(\\.\\d+)?\\s*([kmg]i?b|b)?\\s*$' }],
          default: '10mb',
          expected: 'a size of at least 1kb, as bytes (10485760) or with a unit ("10mb", "512kb")',
        },
        public_url: httpUrl('https://bridge.example.org'),
      },
    },
    metrics: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        enabled: { type: 'boolean', default: false },
        bind_address: bindAddress('127.0.0.1'),
        // Not 9090: that is Prometheus's own port, usually on the same host as what it scrapes.
        // The exporter range 9100-9999 is fully allocated, so the default sits next to the
        // bridge's other listeners (appservice 8090; the IRC media proxy 8091 and provisioning 8092 when given ports of their own).
        port: port(8093),
      },
    },
    database: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        path: { type: 'string', minLength: 1, default: 'bridgekit.db' },
      },
    },
    logging: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        level: { enum: ['error', 'warn', 'info', 'debug'], default: 'info' },
        format: { enum: ['text', 'json'], default: 'text' },
        file: { type: 'string', minLength: 1 },
      },
    },
    ingest: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        room_concurrency: { type: 'integer', minimum: 1, maximum: 1000, default: 8 },
        max_attempts: { type: 'integer', minimum: 1, maximum: 100, default: 5 },
        slow_handler_ms: { type: 'integer', minimum: 1, default: 10000 },
      },
    },
  },
};

/** The shape of the YAML after validation (before the one conversion to camelCase). */
export interface RawCoreConfig {
  homeserver: { url: string; domain: string };
  appservice: { registration: string; bind_address: string; port: number; max_body_bytes: number | string; public_url?: string };
  metrics: { enabled: boolean; bind_address: string; port: number };
  database: { path: string };
  logging: { level: 'error' | 'warn' | 'info' | 'debug'; format: 'text' | 'json'; file?: string };
  ingest: { room_concurrency: number; max_attempts: number; slow_handler_ms: number };
}

export const CORE_SECTIONS = Object.keys(CORE_CONFIG_SCHEMA.properties as Record<string, unknown>);
