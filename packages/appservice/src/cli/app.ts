import type { ConfigSection } from '../config/section';
import type { BridgeConfig } from '../config/types';
import type { Connector } from '../connector';

/** What a bridge program tells the shared CLI about itself. */
export interface BridgeApp {
  /** Used as the registration `id` and in logs, e.g. "irc". */
  name: string;
  /** The command the bridge's package installs (its package.json `bin`), e.g. "bridgekit-irc"; hints name it. */
  command?: string;
  /** The bridge's version: printed by `--version`, logged at every start. */
  version?: string;
  /**
   * The top-level config sections the connector reads: declared sections (`defineConfigSection`),
   * which `check-config` validates, or bare names. Any other key that is not a core section is
   * refused, with the closest known name suggested (a misspelled `loging:` would otherwise be
   * ignored without a word).
   */
  configSections?: ReadonlyArray<string | ConfigSection>;
  /** Builds the connector. Its declared section is validated by the core; other checks may throw a ConfigError. */
  createConnector(config: BridgeConfig): Connector;
  /**
   * Namespaces and bot name for `generate-registration`, derived from the connector's config;
   * `check-config` and `run` compare them with the registration. `configKeys` names the config
   * keys they come from, so a mismatch says which key to change. A bridge that makes no room
   * aliases (no `onAliasQuery`) leaves `aliasPrefix` out: its registration claims no aliases.
   */
  registrationDefaults(config: BridgeConfig): {
    senderLocalpart: string;
    userPrefix: string;
    aliasPrefix?: string;
    protocols?: string[];
    configKeys?: { senderLocalpart?: string; userPrefix?: string; aliasPrefix?: string };
  };
}
