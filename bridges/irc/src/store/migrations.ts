/**
 * The IRC connector's schema history (`Connector.migrations`, scope "irc"). Append-only: a later
 * migration goes at the end, never between, or existing databases would skip or repeat steps.
 */
import type { Migration } from '@bridgekit/appservice';
import { accountMigrations, ACCOUNT_MIGRATION_COUNT, clientCertMigrations } from '../accounts';
import { sourceAddressMigrations } from '../source-address/repository';
import { linkMigrations } from './links-migration';

export function ircMigrations(): Migration[] {
  const links = linkMigrations(1 + ACCOUNT_MIGRATION_COUNT);
  const certs = clientCertMigrations(1 + ACCOUNT_MIGRATION_COUNT + links.length);
  const sourceAddresses = sourceAddressMigrations(1 + ACCOUNT_MIGRATION_COUNT + links.length + certs.length);
  return [...accountMigrations(1), ...links, ...certs, ...sourceAddresses];
}
