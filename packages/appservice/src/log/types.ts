/** The logger a Connector gets. Backed by winston; secrets in messages and metadata are redacted. */
export interface Logger {
  error(message: string, meta?: Record<string, unknown>): void;
  warn(message: string, meta?: Record<string, unknown>): void;
  info(message: string, meta?: Record<string, unknown>): void;
  debug(message: string, meta?: Record<string, unknown>): void;
  /** A logger that adds `meta` (e.g. `{ room, network }`) to every line. */
  child(meta: Record<string, unknown>): Logger;
}
