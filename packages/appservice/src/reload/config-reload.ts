/**
 * SIGHUP and `ctx.reloadConfig()`: reads the config file again and applies what can change live
 * (the log level, the drain bound, and the connector's section through `Connector.reload`). An
 * invalid file is refused with its problems logged, and the running config stays; changed
 * settings only a restart applies are named in the log. Reloads run one after another.
 */
import { loadConfig } from '../config/load';
import type { BridgeConfig } from '../config/types';
import type { Connector, ReloadReport } from '../connector';
import { ConfigError, errorMessage } from '../errors/bridge-error';
import type { Logger } from '../log/types';
import { coreChanges } from './core-changes';

export interface ConfigReloaderOptions {
  /** The running config, shared with the connector (`ctx.config`): only its live keys are changed in place. */
  config: BridgeConfig;
  connector: Pick<Connector, 'configSection' | 'reload'>;
  /** Reads the file again; default: the file the config came from, with the connector's section. */
  loadConfig?: () => BridgeConfig;
  log: Logger;
  setLogLevel(level: BridgeConfig['logging']['level']): void;
  /** Registers a reloaded section's secrets for redaction. */
  addSecret(secret: string): void;
  /** The section as the connector was started with, to tell whether a change needs a restart. */
  startedSection: unknown;
}

export class ConfigReloader {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly opts: ConfigReloaderOptions) {}

  /** Never throws: a refused reload answers `ok: false` with its problems. */
  reload(): Promise<ReloadReport> {
    const run = this.queue.then(() => this.reloadNow());
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async reloadNow(): Promise<ReloadReport> {
    const { connector, config: current, log } = this.opts;
    let next: BridgeConfig;
    let section: { value: unknown; secrets: readonly string[] } | undefined;
    try {
      next = this.opts.loadConfig
        ? this.opts.loadConfig()
        : loadConfig(current.source, connector.configSection ? { sections: [connector.configSection.key] } : {});
      section = connector.configSection?.load(next);
    } catch (err) {
      const problems = err instanceof ConfigError ? err.problems.map((p) => (p.path ? `${p.path}: ${p.message}` : p.message)) : [errorMessage(err)];
      log.error('Config reload refused; the running config stays in effect', { file: current.source, problems });
      return { ok: false, problems, applied: [], needsRestart: [] };
    }
    for (const secret of section?.secrets ?? []) this.opts.addSecret(secret);
    const core = coreChanges(current, next);
    current.logging.level = next.logging.level;
    current.shutdown = next.shutdown;
    this.opts.setLogLevel(next.logging.level);
    const applied = [...core.applied];
    const needsRestart = [...core.needsRestart];
    if (section && connector.reload) {
      try {
        const outcome = await connector.reload(section.value, next);
        applied.push(...outcome.applied);
        needsRestart.push(...outcome.needsRestart);
      } catch (err) {
        log.error('The connector could not apply the reloaded config; what it had applied stays', { error: errorMessage(err) });
        return { ok: false, problems: [errorMessage(err)], applied, needsRestart };
      }
    } else if (section && JSON.stringify(section.value) !== JSON.stringify(this.opts.startedSection)) {
      needsRestart.push(connector.configSection!.key);
    }
    log.info(applied.length > 0 ? 'Config reloaded' : 'Config reloaded; nothing that can change live has changed', { file: current.source, applied });
    if (needsRestart.length > 0) log.warn(`These changed settings need a restart to take effect: ${needsRestart.join(', ')}`, { needsRestart });
    return { ok: true, problems: [], applied, needsRestart };
  }
}
