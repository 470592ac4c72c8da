import { chmodSync, renameSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import yaml from 'js-yaml';
import { ConfigError } from '../errors/bridge-error';
import { parseYamlText, readTextFile } from '../config/yaml-file';
import type { Registration } from './types';
import { toWire, validateRegistration } from './validate';

const HEADER = `# Application-service registration, made by \`bridgekit generate-registration\`.
# Give this file to the homeserver (Synapse: app_service_config_files in homeserver.yaml)
# and point the bridge's config at it (appservice.registration). It holds the tokens that
# authenticate the bridge and the homeserver to each other: keep it private.
`;

export function loadRegistration(path: string): Registration {
  const absolute = resolve(path);
  const text = readTextFile(absolute, 'create it with `bridgekit generate-registration`, or fix appservice.registration in the config');
  return parseRegistration(text, absolute);
}

export function parseRegistration(yamlText: string, source: string): Registration {
  const doc = parseYamlText(yamlText, source);
  if (doc === null || doc === undefined) {
    throw new ConfigError(source, [{ path: '', message: 'is empty; create it with `bridgekit generate-registration`' }]);
  }
  return validateRegistration(doc, source);
}

export function registrationToYaml(reg: Registration): string {
  return HEADER + yaml.dump(toWire(reg), { schema: yaml.JSON_SCHEMA, lineWidth: -1, noRefs: true });
}

/**
 * Writes the registration readable by its owner only (it holds both tokens). The file is
 * replaced atomically so a crash never leaves half a registration behind.
 */
export function saveRegistration(path: string, reg: Registration): void {
  const target = resolve(path);
  const temp = `${target}.${process.pid}.tmp`;
  writeFileSync(temp, registrationToYaml(reg), { mode: 0o600 });
  chmodSync(temp, 0o600); // the mode above is masked by umask; this is not
  renameSync(temp, target);
}
