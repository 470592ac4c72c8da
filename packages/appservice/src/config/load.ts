import { dirname, isAbsolute, resolve } from 'node:path';
import bytes from 'bytes';
import { ConfigError, type ConfigProblem } from '../errors/bridge-error';
import { CORE_CONFIG_SCHEMA, CORE_SECTIONS, type RawCoreConfig } from './core-schema';
import { checkSection } from './schema';
import { withoutNulls } from './nulls';
import { unknownSectionProblems } from './sections';
import type { BridgeConfig } from './types';
import { parseYamlText, readTextFile } from './yaml-file';

/** How a config is checked beyond the core's schema. */
export interface ParseConfigOptions {
  /**
   * The top-level sections the connector reads (e.g. `['irc']`). When given, any other key that
   * is not a core section is refused, with the closest known name suggested. When omitted,
   * unknown sections pass through to `sections` unchecked (for tools that load a config without
   * knowing its connector).
   */
  sections?: readonly string[];
}

/** Reads, validates and normalises the bridge's YAML config. Throws one ConfigError listing every problem. */
export function loadConfig(path: string, options: ParseConfigOptions = {}): BridgeConfig {
  const absolute = resolve(path);
  const text = readTextFile(absolute, 'copy config.sample.yaml there and edit it, or pass the right path with --config');
  return parseConfig(text, dirname(absolute), absolute, options);
}

/**
 * Parses config YAML. Relative paths in it (registration, database, log file) resolve against
 * `baseDir`, the config file's directory, so the bridge does not depend on its working directory.
 */
export function parseConfig(yamlText: string, baseDir: string, source = 'config', options: ParseConfigOptions = {}): BridgeConfig {
  const doc = parseYamlText(yamlText, source);
  if (doc === null || doc === undefined) {
    throw new ConfigError(source, [{ path: '', message: 'is empty; copy config.sample.yaml and fill in at least homeserver.url and homeserver.domain' }]);
  }
  if (typeof doc !== 'object' || Array.isArray(doc)) {
    throw new ConfigError(source, [{ path: '', message: 'must be a mapping of sections (homeserver:, appservice:, ...); see config.sample.yaml' }]);
  }
  if (options.sections !== undefined) {
    const unknown = unknownSectionProblems(Object.keys(doc), [...CORE_SECTIONS, ...options.sections]);
    if (unknown.length > 0) throw new ConfigError(source, unknown);
  }
  const core: Record<string, unknown> = {};
  const sections: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(doc)) {
    if (CORE_SECTIONS.includes(key)) core[key] = withoutNulls(value) ?? {};
    else sections[key] = value;
  }
  const { value, problems } = checkSection(CORE_CONFIG_SCHEMA, core, '');
  if (problems.length > 0) throw new ConfigError(source, problems);
  const raw = value as RawCoreConfig;
  const extra: ConfigProblem[] = [];
  const maxBodyBytes = parseByteSize(raw.appservice.max_body_bytes);
  if (maxBodyBytes === undefined || maxBodyBytes < 1024) {
    extra.push({ path: 'appservice.max_body_bytes', message: 'must be a size of at least 1kb, e.g. "10mb"' });
  }
  checkUrl(raw.homeserver.url, 'homeserver.url', extra);
  if (raw.appservice.public_url !== undefined) checkUrl(raw.appservice.public_url, 'appservice.public_url', extra);
  if (raw.metrics.enabled && raw.metrics.port === raw.appservice.port && raw.metrics.bind_address === raw.appservice.bind_address) {
    extra.push({ path: 'metrics.port', message: `must differ from appservice.port (${raw.appservice.port}): the metrics listener is separate; pick another port` });
  }
  if (raw.database.url !== undefined && !/^postgres(ql)?:\/\/[^/]/.test(raw.database.url)) {
    extra.push({ path: 'database.url', message: 'must be a PostgreSQL URL, e.g. postgresql://bridge:password@localhost:5432/bridge; leave it out to use the SQLite file at database.path' });
  }
  if (extra.length > 0) throw new ConfigError(source, extra);

  const at = (p: string) => (p === ':memory:' || isAbsolute(p) ? p : resolve(baseDir, p));
  const databasePath = at(raw.database.path);
  return {
    homeserver: { url: raw.homeserver.url.replace(/\/+$/, ''), domain: raw.homeserver.domain },
    appservice: {
      registration: at(raw.appservice.registration),
      bindAddress: raw.appservice.bind_address,
      port: raw.appservice.port,
      maxBodyBytes: maxBodyBytes as number,
      ...(raw.appservice.public_url !== undefined ? { publicUrl: raw.appservice.public_url.replace(/\/+$/, '') } : {}),
    },
    metrics: { enabled: raw.metrics.enabled, bindAddress: raw.metrics.bind_address, port: raw.metrics.port },
    database: {
      path: databasePath,
      dir: databasePath === ':memory:' ? baseDir : dirname(databasePath),
      backupsKept: raw.database.backups_kept,
      ...(raw.database.url !== undefined
        ? { postgres: { url: raw.database.url, poolSize: raw.database.pool_size, statementTimeoutMs: raw.database.statement_timeout_ms } }
        : {}),
    },
    logging: {
      level: raw.logging.level,
      format: raw.logging.format,
      ...(raw.logging.file !== undefined ? { file: at(raw.logging.file) } : {}),
    },
    ingest: {
      roomConcurrency: raw.ingest.room_concurrency,
      maxAttempts: raw.ingest.max_attempts,
      slowHandlerMs: raw.ingest.slow_handler_ms,
    },
    moderation: { policyRooms: raw.moderation.policy_rooms },
    shutdown: { drainMs: Math.round(raw.shutdown.drain_seconds * 1000) },
    sections,
    baseDir,
    source,
  };
}

/** `10485760`, `"10mb"`, `"512 KiB"` → bytes (binary units, as the `bytes` package reads them). */
export function parseByteSize(value: number | string): number | undefined {
  if (typeof value === 'number') return Number.isInteger(value) && value >= 0 ? value : undefined;
  const parsed = bytes.parse(value.replace(/ib\b/i, 'b').trim());
  return parsed === null || Number.isNaN(parsed) ? undefined : Math.floor(parsed);
}

function checkUrl(value: string, path: string, problems: ConfigProblem[]): void {
  try {
    new URL(value);
  } catch {
    problems.push({ path, message: `is not a valid URL (${JSON.stringify(value)}); write it like http://127.0.0.1:8008` });
  }
}
