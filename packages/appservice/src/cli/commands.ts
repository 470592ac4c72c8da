/**
 * The three commands of a bridge's CLI. Each loads the config the same way (the connector's
 * declared sections are the only unknown top-level keys allowed) and names the real command in
 * its hints, as the user invoked it.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { Bridge } from '../bridge';
import { loadConfig } from '../config/load';
import type { ConfigSection } from '../config/section';
import type { BridgeConfig } from '../config/types';
import type { Connector } from '../connector';
import { ConfigError, errorMessage } from '../errors/bridge-error';
import { compareRegistrationWithConfig } from '../registration/config-match';
import { loadRegistration, saveRegistration } from '../registration/file';
import { generateRegistration } from '../registration/generate';
import type { Registration } from '../registration/types';
import type { BridgeApp } from './app';
import { quoteIfNeeded } from './invocation';
import { codeCacheStartupDone } from '../startup/code-cache';

/** What every command needs to know about how it was called. */
export interface CommandContext {
  app: BridgeApp;
  /** `--config` as given (for hints) and resolved. */
  configArg: string;
  /** `--registration` / `-r` as given, if it was. */
  registrationArg?: string;
  /** `bridgekit-irc` or `node bridges/irc/dist/main.js`. */
  invocation: string;
  out: (line: string) => void;
}

export function generate(ctx: CommandContext, url: string | undefined, force: boolean): number {
  const config = load(ctx);
  const target = registrationPath(ctx, config);
  if (existsSync(target) && !force) {
    ctx.out(`${target} already exists. Keep it (the homeserver knows its tokens), or pass --force to replace it with new tokens.`);
    return 1;
  }
  const { configKeys: _keys, ...defaults } = ctx.app.registrationDefaults(config);
  const registration = generateRegistration({
    id: ctx.app.name,
    url: url ?? config.appservice.publicUrl ?? `http://${config.appservice.bindAddress}:${config.appservice.port}`,
    domain: config.homeserver.domain,
    receiveEphemeral: true,
    ...defaults,
  });
  saveRegistration(target, registration, { generateCommand: commandLine(ctx, 'generate-registration') });
  ctx.out(`Wrote ${target}.`);
  ctx.out('Add its path to app_service_config_files in your homeserver.yaml, then restart the homeserver.');
  ctx.out(`Check the pair with: ${commandLine(ctx, 'check-config')}`);
  return 0;
}

/** Validates the config, then the registration if there is one yet: the order of the two steps is the user's. */
export function check(ctx: CommandContext): number {
  const config = load(ctx);
  const connector = ctx.app.createConnector(config);
  // The same reads the bridge does at start, so check-config passes exactly when run would.
  for (const section of declaredSections(ctx.app, connector)) section.read(config);
  const target = registrationPath(ctx, config);
  if (!existsSync(target)) {
    ctx.out(`${config.source} is valid. The registration ${target} does not exist yet: create it with `
      + `${commandLine(ctx, 'generate-registration')}, load it in the homeserver, then run check-config again to compare the two.`);
    return 0;
  }
  const registration = loadMatchingRegistration(ctx, config, target, connector);
  ctx.out(`${config.source} and ${target} are valid and agree (bridge "${registration.id}" for ${config.homeserver.domain}).`);
  return 0;
}

/** Starts the bridge; resolves with the exit code once SIGINT or SIGTERM has stopped it. */
export async function run(ctx: CommandContext): Promise<number> {
  const config = load(ctx);
  const connector = ctx.app.createConnector(config);
  const registration = loadMatchingRegistration(ctx, config, registrationPath(ctx, config), connector);
  // The store's lock was lost (bridge.ts): stop, then exit 1 so the service manager restarts us.
  let onFatal: (() => void) | undefined;
  let fatal = false;
  const bridge = new Bridge({
    config, registration, connector, version: ctx.app.version, loadConfig: () => load(ctx),
    onFatal: () => { fatal = true; onFatal?.(); },
  });
  // Before start: a SIGHUP's default action is to end the process, and logrotate sends one whenever it likes.
  // It reopens the log file first (so the reload's lines land in the new one), then reloads the config.
  let started = false;
  const onHangup = () => {
    const reopened = bridge.log.reopenFile();
    bridge.log.info(reopened ? 'SIGHUP: log file reopened; reloading the config' : 'SIGHUP: reloading the config');
    if (started) void bridge.reload();
    else bridge.log.warn('SIGHUP before the bridge finished starting: the config is not reloaded; send it again once started');
  };
  process.on('SIGHUP', onHangup);
  try {
    await bridge.start();
    started = true;
    // A bundled bin (requireWithCodeCache) writes its V8 code cache now, holding what a start compiled.
    codeCacheStartupDone();
  } catch (err) {
    bridge.log.error('The bridge could not start', { error: errorMessage(err) });
    await bridge.stop().catch(() => undefined);
    process.off('SIGHUP', onHangup);
    throw err;
  }
  return new Promise<number>((resolveExit) => {
    let stopping = false;
    const shutdown = (signal: string) => {
      if (stopping) return;
      stopping = true;
      bridge.log.info('Stopping', { signal });
      bridge.stop().then(
        () => resolveExit(fatal ? 1 : 0),
        (err) => {
          process.stderr.write(`Error while stopping: ${errorMessage(err)}\n`);
          resolveExit(1);
        },
      ).finally(() => process.off('SIGHUP', onHangup));
    };
    onFatal = () => shutdown('store lock lost');
    if (fatal) onFatal();
    process.once('SIGINT', () => shutdown('SIGINT'));
    process.once('SIGTERM', () => shutdown('SIGTERM'));
  });
}

export function load(ctx: CommandContext): BridgeConfig {
  // The connector exists only once the config is loaded, so the app lists its section up front.
  const names = (ctx.app.configSections ?? []).map((section) => (typeof section === 'string' ? section : section.key));
  return loadConfig(ctx.configArg, { sections: names });
}

/** The app's declared sections and the connector's own, each once. */
function declaredSections(app: BridgeApp, connector: Connector): ConfigSection[] {
  const sections = (app.configSections ?? []).filter((s): s is ConfigSection => typeof s !== 'string');
  if (connector.configSection && !sections.includes(connector.configSection)) sections.push(connector.configSection);
  return sections;
}

/** `-r` wins over the config's appservice.registration; a relative `-r` is relative to where the user is. */
function registrationPath(ctx: CommandContext, config: BridgeConfig): string {
  return ctx.registrationArg !== undefined ? resolve(ctx.registrationArg) : config.appservice.registration;
}

/** The registration, checked against the config: a domain or prefix the homeserver would refuse fails here, not at the first ghost. */
function loadMatchingRegistration(ctx: CommandContext, config: BridgeConfig, path: string, connector: Connector): Registration {
  const regenerate = commandLine(ctx, 'generate-registration');
  const registration = loadRegistration(path, { generateCommand: regenerate });
  const { senderLocalpart, userPrefix, aliasPrefix, configKeys } = ctx.app.registrationDefaults(config);
  const { problems, notes } = compareRegistrationWithConfig(
    registration,
    { domain: config.homeserver.domain, senderLocalpart, userPrefix, aliasPrefix, keys: configKeys },
    regenerate,
  );
  if (connector.onAliasQuery && aliasPrefix === undefined) {
    notes.push(`the connector answers alias queries, but ${ctx.app.name} declares no alias prefix, so its registration claims no aliases and the homeserver never asks; give registrationDefaults an aliasPrefix.`);
  }
  for (const note of notes) ctx.out(`Note: ${note}`);
  if (problems.length > 0) throw new ConfigError(`${path} (compared with ${config.source})`, problems);
  return registration;
}

/** `bridgekit-irc generate-registration --config config.yaml`, with the user's own paths. */
export function commandLine(ctx: Pick<CommandContext, 'invocation' | 'configArg' | 'registrationArg'>, command: string): string {
  const registration = ctx.registrationArg !== undefined ? ` --registration ${quoteIfNeeded(ctx.registrationArg)}` : '';
  return `${ctx.invocation} ${command} --config ${quoteIfNeeded(ctx.configArg)}${registration}`;
}
