/**
 * The account tables, as migrations the IRC connector appends to its own list
 * (`Connector.migrations`, scope "irc"). The core numbers a scope's migrations 1, 2, 3... without
 * gaps, so these cannot carry fixed numbers: the connector passes the first free version.
 * Once released, the combined list is append-only: a later migration of either owner goes at the
 * end, never between, or existing databases would skip or repeat steps.
 */
import type { Migration } from '@bridgekit/appservice';

type Step = Omit<Migration, 'version'>;

const STEPS: readonly Step[] = [
  {
    description: 'irc accounts: per-user settings, feature toggles and encrypted passwords',
    up(db) {
      db.exec(`
        CREATE TABLE irc_user_settings (
          user_id TEXT NOT NULL,
          network TEXT NOT NULL,
          nick TEXT,
          username TEXT,
          auto_commands TEXT NOT NULL DEFAULT '[]',
          updated_at INTEGER NOT NULL,
          PRIMARY KEY (user_id, network)
        );
        CREATE TABLE irc_user_features (
          user_id TEXT NOT NULL,
          feature TEXT NOT NULL,
          enabled INTEGER NOT NULL CHECK (enabled IN (0, 1)),
          updated_at INTEGER NOT NULL,
          PRIMARY KEY (user_id, feature)
        );
        CREATE TABLE irc_stored_passwords (
          user_id TEXT NOT NULL,
          network TEXT NOT NULL,
          account TEXT,
          key_id TEXT NOT NULL,
          iv BLOB NOT NULL,
          ciphertext BLOB NOT NULL,
          tag BLOB NOT NULL,
          stored_at INTEGER NOT NULL,
          PRIMARY KEY (user_id, network)
        );
      `);
    },
    // The same tables on PostgreSQL: times BIGINT (ms), the sealed password's parts BYTEA.
    postgres: `
      CREATE TABLE irc_user_settings (
        user_id TEXT NOT NULL, network TEXT NOT NULL, nick TEXT, username TEXT,
        auto_commands TEXT NOT NULL DEFAULT '[]', updated_at BIGINT NOT NULL,
        PRIMARY KEY (user_id, network)
      );
      CREATE TABLE irc_user_features (
        user_id TEXT NOT NULL, feature TEXT NOT NULL,
        enabled INTEGER NOT NULL CHECK (enabled IN (0, 1)), updated_at BIGINT NOT NULL,
        PRIMARY KEY (user_id, feature)
      );
      CREATE TABLE irc_stored_passwords (
        user_id TEXT NOT NULL, network TEXT NOT NULL, account TEXT, key_id TEXT NOT NULL,
        iv BYTEA NOT NULL, ciphertext BYTEA NOT NULL, tag BYTEA NOT NULL, stored_at BIGINT NOT NULL,
        PRIMARY KEY (user_id, network)
      );
    `,
  },
];

/** The account migrations numbered from `firstVersion` (the connector's next free version). */
export function accountMigrations(firstVersion: number): Migration[] {
  if (!Number.isInteger(firstVersion) || firstVersion < 1) {
    throw new TypeError(`accountMigrations(firstVersion): expected the next free migration version (>= 1), got ${firstVersion}`);
  }
  return STEPS.map((step, i) => ({ ...step, version: firstVersion + i }));
}

/** How many versions `accountMigrations` occupies. */
export const ACCOUNT_MIGRATION_COUNT = STEPS.length;

const CLIENT_CERT_STEP: Step = {
  description: 'irc accounts: per-user client certificates for CertFP (private keys sealed like passwords)',
  up(db) {
    db.exec(`
      CREATE TABLE irc_client_certs (
        user_id TEXT NOT NULL,
        network TEXT NOT NULL,
        cert_pem TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        key_id TEXT NOT NULL,
        iv BLOB NOT NULL,
        ciphertext BLOB NOT NULL,
        tag BLOB NOT NULL,
        created_at INTEGER NOT NULL,
        PRIMARY KEY (user_id, network)
      );
    `);
  },
  // The same table on PostgreSQL: the sealed key's parts BYTEA, the time BIGINT (ms).
  postgres: `
    CREATE TABLE irc_client_certs (
      user_id TEXT NOT NULL, network TEXT NOT NULL, cert_pem TEXT NOT NULL, fingerprint TEXT NOT NULL, key_id TEXT NOT NULL,
      iv BYTEA NOT NULL, ciphertext BYTEA NOT NULL, tag BYTEA NOT NULL, created_at BIGINT NOT NULL,
      PRIMARY KEY (user_id, network)
    );
  `,
};

/**
 * The client-certificate table (CertFP), added after the other IRC tables existed: its own
 * migration, appended at the end of the connector's list so existing databases run it next.
 */
export function clientCertMigrations(firstVersion: number): Migration[] {
  return [{ ...CLIENT_CERT_STEP, version: firstVersion }];
}

