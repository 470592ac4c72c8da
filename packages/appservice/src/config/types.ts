/**
 * The core's configuration (YAML, camelCase keys). Top-level keys the core does not know are
 * handed to connectors untouched in `sections` (e.g. `irc:`), each validated by its connector.
 * Defaults are documented in config.sample.yaml.
 */
export interface BridgeConfig {
  homeserver: {
    /** Client-server API base URL, e.g. http://127.0.0.1:8008 */
    url: string;
    /** Server name, the part after ':' in user IDs. */
    domain: string;
  };
  appservice: {
    /** Path of the registration YAML (relative to the config file). */
    registration: string;
    bindAddress: string;
    port: number;
    /** Largest accepted transaction body, in bytes. */
    maxBodyBytes: number;
    /** Public base URL of this bridge, for links it hands out (media proxy). Optional. */
    publicUrl?: string;
  };
  /** /metrics and /health; a separate listener so it can stay off the public interface. */
  metrics: {
    enabled: boolean;
    bindAddress: string;
    port: number;
  };
  database: {
    /** SQLite file path (relative to the config file). */
    path: string;
    /**
     * The database's directory (the config's for ":memory:"): where files the bridge creates
     * itself, such as key files, go by default, so they stay with the data and not in whatever
     * directory the config happens to live in.
     */
    dir: string;
    /** How many pre-migration backups of the SQLite file are kept (the newest). */
    backupsKept: number;
    /** Present when `database.url` is set: the store is PostgreSQL, not the file at `path`. */
    postgres?: {
      url: string;
      poolSize: number;
      /** The server cancels a statement running longer (0: no limit). */
      statementTimeoutMs: number;
    };
  };
  logging: {
    level: 'error' | 'warn' | 'info' | 'debug';
    format: 'text' | 'json';
    /** Optional log file in addition to stderr. */
    file?: string;
  };
  ingest: {
    /** How many rooms are processed in parallel. */
    roomConcurrency: number;
    /** Attempts per event before it is dead-lettered. */
    maxAttempts: number;
    /** A handler running longer than this is logged as slow (it is not cancelled). */
    slowHandlerMs: number;
  };
  moderation: {
    /** Room IDs or aliases of the moderation policy lists the bridge applies (`ctx.moderation`). */
    policyRooms: string[];
  };
  shutdown: {
    /** How long a stop waits for queued work to finish (ms); the rest stays in the journal. */
    drainMs: number;
  };
  /** Unknown top-level sections, for connectors (e.g. `irc`). */
  sections: Record<string, unknown>;
  /** Directory of the config file: relative paths resolve against it. */
  baseDir: string;
  /** The config file's path (or "config" when parsed from text), for errors connectors raise about their sections. */
  source: string;
}
