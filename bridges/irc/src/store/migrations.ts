/**
 * The IRC connector's schema history (`Connector.migrations`, scope "irc"). Append-only: a later
 * migration goes at the end, never between, or existing databases would skip or repeat steps.
 */
import type { Migration } from '@bridgekit/appservice';
import { accountMigrations, ACCOUNT_MIGRATION_COUNT } from '../accounts';
import { linkMigrations } from './links-migration';

export function ircMigrations(): Migration[] {
  return [...accountMigrations(1), ...linkMigrations(1 + ACCOUNT_MIGRATION_COUNT)];
}
