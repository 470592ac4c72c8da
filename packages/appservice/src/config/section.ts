/**
 * A connector's config section, declared once: its key, its TypeBox schema (the TypeScript type
 * is derived from it, so there is no second interface to disagree), its secrets, and optionally
 * the checks that need more than the shape (cross-field rules, files to read, maps to build).
 * The core reads it for the connector: validates (every problem named by file and key path, at
 * once), fills defaults, converts keys to camelCase once, and registers the secrets for
 * redaction before anything is logged.
 */
import { isAbsolute, resolve } from 'node:path';
import type { Static, TSchema } from '@sinclair/typebox';
import { ConfigError, type ConfigProblem } from '../errors/bridge-error';
import { camelCaseBySchema, type CamelCased } from './camel-case';
import { withoutNulls } from './nulls';
import { checkSection, type SectionSchema } from './schema';
import { collectSecrets } from './section-secrets';
import type { BridgeConfig } from './types';

/** The value a schema describes, as the connector reads it: defaults filled, keys camelCased. */
export type SectionValue<S extends TSchema> = CamelCased<Static<S>>;

/** What `refine` gets besides the value: the whole config, and where to report what is wrong. */
export interface RefineContext {
  readonly config: BridgeConfig;
  /** Records a problem at `path` (YAML keys below the section, e.g. `media.public_url`); all are thrown together. */
  problem(path: string, message: string): void;
  /** A path from the config resolved against the config file's directory (absolute paths kept). */
  resolvePath(path: string): string;
}

/** How a connector declares its config section: key, schema, secrets, further checks. */
export interface ConfigSectionSpec<S extends TSchema, T> {
  /** The top-level YAML key, e.g. `irc`. */
  key: string;
  /**
   * Built with TypeBox (`Type.Object({...}, { additionalProperties: false })`: a closed object
   * refuses unknown keys with a did-you-mean). Keys are snake_case, as the YAML has them.
   * Annotations shape messages: `expected` (what a valid value looks like), `hint` (what to do),
   * `secret: true` (never echoed, redacted from logs).
   */
  schema: S;
  /** Further secret paths, snake_case, `*` for any map key or list index: `['networks.*.password']`. */
  secrets?: readonly string[];
  /** The message when the section is absent (default: the section is read as `{}`, so only required keys fail). */
  missing?: string;
  /** Checks and conversions beyond the shape; runs only on a valid value. Report with `ctx.problem`. */
  refine?: (value: SectionValue<S>, ctx: RefineContext) => T;
}

/** A declared section; `read` validates it in one config (cached per config object). */
export interface ConfigSection<T = unknown> {
  readonly key: string;
  readonly schema: TSchema;
  /** The typed value; throws a ConfigError naming the config file and every bad key. */
  read(config: BridgeConfig): T;
  /** `read`, and the secret values found in the section, for the logger's redaction. */
  load(config: BridgeConfig): { value: T; secrets: readonly string[] };
}

export function defineConfigSection<S extends TSchema>(spec: ConfigSectionSpec<S, SectionValue<S>> & { refine?: undefined }): ConfigSection<SectionValue<S>>;
export function defineConfigSection<S extends TSchema, T>(spec: ConfigSectionSpec<S, T> & { refine: (value: SectionValue<S>, ctx: RefineContext) => T }): ConfigSection<T>;
export function defineConfigSection<S extends TSchema, T>(spec: ConfigSectionSpec<S, T>): ConfigSection<T> {
  const schema = spec.schema as unknown as SectionSchema;
  const cache = new WeakMap<BridgeConfig, { value: T; secrets: readonly string[] }>();
  const load = (config: BridgeConfig): { value: T; secrets: readonly string[] } => {
    const cached = cache.get(config);
    if (cached) return cached;
    const raw = config.sections[spec.key];
    if (raw === undefined && spec.missing !== undefined) throw new ConfigError(config.source, [{ path: spec.key, message: spec.missing }]);
    const { value: checked, problems } = checkSection(schema, withoutNulls(raw) ?? {}, spec.key);
    if (problems.length > 0) throw new ConfigError(config.source, problems);
    const secrets = collectSecrets(checked, schema, spec.secrets ?? []);
    const value = camelCaseBySchema(checked, schema) as SectionValue<S>;
    const result = { value: spec.refine ? refined(spec, value, config) : (value as unknown as T), secrets };
    cache.set(config, result);
    return result;
  };
  return { key: spec.key, schema: spec.schema, load, read: (config) => load(config).value };
}

function refined<S extends TSchema, T>(spec: ConfigSectionSpec<S, T>, value: SectionValue<S>, config: BridgeConfig): T {
  const problems: ConfigProblem[] = [];
  const result = spec.refine!(value, {
    config,
    problem: (path, message) => void problems.push({ path: path ? `${spec.key}.${path}` : spec.key, message }),
    resolvePath: (p) => (isAbsolute(p) ? p : resolve(config.baseDir, p)),
  });
  if (problems.length > 0) throw new ConfigError(config.source, problems);
  return result;
}
