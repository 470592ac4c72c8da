import { chmodSync, renameSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import yaml from 'js-yaml';
import { ConfigError } from '../errors/bridge-error';
import { parseYamlText, readTextFile } from '../config/yaml-file';
import type { Registration } from './types';
import { toWire, validateRegistration } from './validate';

/** How a message names the command that writes a registration, when the caller does not say. */
export const GENERATE_COMMAND_FALLBACK = "the bridge's `generate-registration` command";

/** How registration errors name the command that makes a new file. */
export interface RegistrationFileOptions {
  /**
   * The exact command that (re)writes this registration, e.g.
   * `bridgekit-irc generate-registration --config config.yaml`; used in hints and the file's header.
   */
  generateCommand?: string;
}

const header = (madeBy: string) => `# Application-service registration, made by ${madeBy}.
# Give this file to the homeserver (Synapse: app_service_config_files in homeserver.yaml)
# and point the bridge's config at it (appservice.registration). It holds the tokens that
# authenticate the bridge and the homeserver to each other: keep it private.
`;

/** Reads and validates a registration YAML file; throws a ConfigError listing every problem. */
export function loadRegistration(path: string, options: RegistrationFileOptions = {}): Registration {
  const absolute = resolve(path);
  const text = readTextFile(absolute, `create it with ${quoted(options)}, or fix appservice.registration in the config`);
  return parseRegistration(text, absolute, options);
}

/** Parses and validates registration YAML text; `source` names it in errors. */
export function parseRegistration(yamlText: string, source: string, options: RegistrationFileOptions = {}): Registration {
  const doc = parseYamlText(yamlText, source);
  if (doc === null || doc === undefined) {
    throw new ConfigError(source, [{ path: '', message: `is empty; create it with ${quoted(options)}` }]);
  }
  return validateRegistration(doc, source, options);
}

/** The registration as the YAML a homeserver loads (snake_case keys). */
export function registrationToYaml(reg: Registration, options: RegistrationFileOptions = {}): string {
  return header(quoted(options)) + yaml.dump(toWire(reg), { schema: yaml.JSON_SCHEMA, lineWidth: -1, noRefs: true });
}

function quoted(options: RegistrationFileOptions): string {
  return options.generateCommand ? `\`${options.generateCommand}\`` : GENERATE_COMMAND_FALLBACK;
}

/**
 * Writes the registration readable by its owner only (it holds both tokens). The file is
 * replaced atomically so a crash never leaves half a registration behind.
 */
export function saveRegistration(path: string, reg: Registration, options: RegistrationFileOptions = {}): void {
  const target = resolve(path);
  const temp = `${target}.${process.pid}.tmp`;
  writeFileSync(temp, registrationToYaml(reg, options), { mode: 0o600 });
  chmodSync(temp, 0o600); // the mode above is masked by umask; this is not
  renameSync(temp, target);
}
