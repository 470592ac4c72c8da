/**
 * The values a bridge's logger redacts wherever they appear (bridge.ts): its own tokens and
 * database credentials, plus what the connector and config reloads register at run time.
 */

const MIN_SECRET_LENGTH = 4;
/** Bounds the redaction list (each log line is checked against all of it). */
const MAX_SECRETS = 10_000;

export class BridgeSecrets {
  private readonly values = new Set<string>();

  /** The appservice tokens and the database URL (with its password): always redacted. */
  constructor(tokens: readonly string[], databaseUrl?: string) {
    for (const token of tokens) this.values.add(token);
    if (databaseUrl) {
      this.values.add(databaseUrl);
      const password = passwordOf(databaseUrl);
      if (password) this.add(password);
    }
  }

  /** A secret registered at run time (a connector's password, a reloaded section's token). */
  add(secret: string): void {
    // Very short values would redact ordinary words; a secret that short is not one anyway.
    if (secret.length >= MIN_SECRET_LENGTH && this.values.size < MAX_SECRETS) this.values.add(secret);
  }

  /** Everything to redact now, for the logger to read at each line. */
  list(): string[] {
    return [...this.values];
  }
}

/** The password of a database URL, to redact wherever it might be logged. */
function passwordOf(url: string): string | undefined {
  try {
    return decodeURIComponent(new URL(url).password) || undefined;
  } catch {
    return undefined;
  }
}
