/**
 * One call that builds the admin room from what the connector has at `start(ctx)`:
 *
 *   const admin = createAdminRooms({ bot: ctx.bot, kv: ctx.store.kv, log: ctx.log, metrics: ctx.metrics,
 *     ops, accounts, permissions: () => config.permissions });
 *   // in onMatrixEvent, first: if (await admin.handleEvent(event)) return;
 */
import type { Registry } from 'prom-client';
import type { Intent, KeyValueRepository, Logger } from '@bridgekit/appservice';
import type { IrcAccounts } from '../accounts';
import { AdminRooms } from './admin-room';
import type { AdminCommand } from './command';
import { adminCommands } from './commands';
import { matrixOpsFromIntent, type AdminBridgeOps, type AdminMatrixOps } from './ops';
import type { PermissionRules } from './permissions';
import { CommandRegistry } from './registry';

export interface AdminSetup {
  /** The bridge bot (BridgeContext.bot), or AdminMatrixOps directly. */
  bot: Intent | AdminMatrixOps;
  kv: KeyValueRepository;
  ops: AdminBridgeOps;
  accounts: IrcAccounts;
  permissions: () => PermissionRules;
  /** Who may send raw IRC lines (!cmd, !autocmd); default 'admin'. */
  rawCommandPermission?: 'user' | 'admin';
  /** Extra commands of the connector, added to the built-in ones. */
  extraCommands?: readonly AdminCommand[];
  log?: Logger;
  metrics?: Registry;
}

export function createAdminRooms(setup: AdminSetup): AdminRooms {
  const matrix = 'botUserId' in setup.bot ? setup.bot : matrixOpsFromIntent(setup.bot);
  const commands = [
    ...adminCommands({ ops: setup.ops, accounts: setup.accounts, ...(setup.rawCommandPermission ? { rawCommandPermission: setup.rawCommandPermission } : {}) }),
    ...(setup.extraCommands ?? []),
  ];
  const registry = new CommandRegistry(commands, {
    networks: () => setup.ops.networks().map((n) => n.id),
    ...(setup.log ? { log: setup.log } : {}),
    ...(setup.metrics ? { metrics: setup.metrics } : {}),
  });
  return new AdminRooms({ matrix, registry, kv: setup.kv, permissions: setup.permissions, ...(setup.log ? { log: setup.log } : {}) });
}
