import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Bridge } from './bridge';
import { loadConfig } from './config/load';
import type { BridgeConfig } from './config/types';
import type { Connector } from './connector';
import { errorMessage, isBridgeError } from './errors/bridge-error';
import { generateRegistration } from './registration/generate';
import { loadRegistration, saveRegistration } from './registration/file';

/** What a bridge program tells the shared CLI about itself. */
export interface BridgeApp {
  /** Used as the registration `id` and in logs, e.g. "irc". */
  name: string;
  /** Builds the connector; validates the connector's config section (throw a ConfigError). */
  createConnector(config: BridgeConfig): Connector;
  /** Namespaces and bot name for `generate-registration`, derived from the connector's config. */
  registrationDefaults(config: BridgeConfig): { senderLocalpart: string; userPrefix: string; aliasPrefix: string; protocols?: string[] };
}

const USAGE = `Usage: <command> [options]

Commands:
  generate-registration  Write the registration YAML to give your homeserver
  check-config           Validate the config and registration, then exit
  run                    Start the bridge

Options:
  --config <file>   Bridge config (default: config.yaml)
  --output <file>   generate-registration: where to write (default: appservice.registration from the config)
  --url <url>       generate-registration: URL the homeserver uses to reach the bridge
                    (default: appservice.public_url, else http://<bind_address>:<port>)
  --force           generate-registration: overwrite an existing file (new tokens!)
  --help            Show this help`;

/** Runs one CLI command; resolves with the process exit code (the bridge's `run` resolves on SIGINT/SIGTERM). */
export async function runCli(app: BridgeApp, argv: string[] = process.argv.slice(2), out: (line: string) => void = (l) => process.stdout.write(`${l}\n`)): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        config: { type: 'string', default: 'config.yaml' },
        output: { type: 'string' },
        url: { type: 'string' },
        force: { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
    });
  } catch (err) {
    out(`${errorMessage(err)}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const command = positionals[0];
  if (values.help || !command) {
    out(USAGE);
    return values.help ? 0 : 2;
  }
  try {
    switch (command) {
      case 'generate-registration':
        return generate(app, values.config, values.output, values.url, values.force, out);
      case 'check-config':
        return check(app, values.config, out);
      case 'run':
        return await run(app, values.config);
      default:
        out(`Unknown command "${command}".\n\n${USAGE}`);
        return 2;
    }
  } catch (err) {
    out(isBridgeError(err) ? err.message : `Error: ${errorMessage(err)}`);
    return isBridgeError(err) && err.code === 'CONFIG_INVALID' ? 2 : 1;
  }
}

function generate(app: BridgeApp, configPath: string, output: string | undefined, url: string | undefined, force: boolean, out: (l: string) => void): number {
  const config = loadConfig(configPath);
  const target = output ?? config.appservice.registration;
  if (existsSync(target) && !force) {
    out(`${target} already exists. Keep it (the homeserver knows its tokens), or pass --force to replace it with new tokens.`);
    return 1;
  }
  const defaults = app.registrationDefaults(config);
  const registration = generateRegistration({
    id: app.name,
    url: url ?? config.appservice.publicUrl ?? `http://${config.appservice.bindAddress}:${config.appservice.port}`,
    domain: config.homeserver.domain,
    receiveEphemeral: true,
    ...defaults,
  });
  saveRegistration(target, registration);
  out(`Wrote ${target}.`);
  out('Add its path to app_service_config_files in your homeserver.yaml, then restart the homeserver.');
  return 0;
}

function check(app: BridgeApp, configPath: string, out: (l: string) => void): number {
  const config = loadConfig(configPath);
  const registration = loadRegistration(config.appservice.registration);
  app.createConnector(config);
  out(`${configPath} and ${config.appservice.registration} are valid (bridge "${registration.id}" for ${config.homeserver.domain}).`);
  return 0;
}

async function run(app: BridgeApp, configPath: string): Promise<number> {
  const config = loadConfig(configPath);
  const registration = loadRegistration(config.appservice.registration);
  const bridge = new Bridge({ config, registration, connector: app.createConnector(config) });
  try {
    await bridge.start();
  } catch (err) {
    bridge.log.error('The bridge could not start', { error: errorMessage(err) });
    await bridge.stop().catch(() => undefined);
    throw err;
  }
  return new Promise<number>((resolveExit) => {
    let stopping = false;
    const shutdown = (signal: string) => {
      if (stopping) return;
      stopping = true;
      bridge.log.info('Stopping', { signal });
      bridge.stop().then(
        () => resolveExit(0),
        (err) => {
          process.stderr.write(`Error while stopping: ${errorMessage(err)}\n`);
          resolveExit(1);
        },
      );
    };
    process.once('SIGINT', () => shutdown('SIGINT'));
    process.once('SIGTERM', () => shutdown('SIGTERM'));
  });
}
