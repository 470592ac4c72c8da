/**
 * The IRC connector's schema history (`Connector.migrations`, scope "irc"). Append-only: a later
 * migration goes at the end, never between, or existing databases would skip or repeat steps.
 */
import type { Migration } from '@bridgekit/appservice';
import { accountMigrations, ACCOUNT_MIGRATION_COUNT, clientCertMigrations } from '../accounts';
import { sourceAddressMigrations } from '../source-address/repository';
import { linkMigrations } from './links-migration';
import { messageRefMigrations } from './message-refs-migration';

export function ircMigrations(): Migration[] {
  const before = [...accountMigrations(1), ...linkMigrations(1 + ACCOUNT_MIGRATION_COUNT)];
  const certs = clientCertMigrations(before.length + 1);
  const refs = messageRefMigrations(before.length + certs.length + 1);
  return [...before, ...certs, ...refs, ...sourceAddressMigrations(before.length + certs.length + refs.length + 1)];
}
