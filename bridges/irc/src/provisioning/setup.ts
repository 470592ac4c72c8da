/**
 * One call that builds the provisioning API from what the connector has at `start(ctx)`:
 *
 *   const provisioning = createProvisioning({ ops, secret: cfg.provisioning.secret,
 *     maxLinksPerRoom: cfg.provisioning.maxLinksPerRoom, permissions: () => cfg.permissions,
 *     log: ctx.log, routes: ctx.routes });
 *   // in the bot's private-message handler, first:
 *   //   if (await provisioning.approvals.handlePrivateMessage(network, from, text)) return;
 */
import type { Logger, RouteRegistry } from '@bridgekit/appservice';
import type { PermissionRules } from '../admin/permissions';
import { casefold } from '../mapping';
import { systemClock, type Clock } from '../irc';
import { addProvisioningRoutes } from './app';
import { ApprovalBroker } from './approval';
import type { ProvisioningOps } from './ops';
import { ProvisioningService } from './service';

export interface ProvisioningSetup {
  ops: ProvisioningOps;
  secret: string;
  maxLinksPerRoom: number;
  permissions: () => PermissionRules;
  /** How long a channel operator has to answer (default 5 minutes). */
  approvalTimeoutMs?: number;
  /** Requests waiting for operators at once, bridge-wide (default 50). */
  maxPendingApprovals?: number;
  clock?: Clock;
  log?: Logger;
  /** Where the API's routes go (`ctx.routes`); the core counts their requests. */
  routes: RouteRegistry;
  /** A listener declared with `routes.listener` (`irc.provisioning.port`); default: the appservice listener. */
  listener?: string | undefined;
}

export interface Provisioning {
  /** Give it the bot's private messages (`handlePrivateMessage`). */
  approvals: ApprovalBroker;
  service: ProvisioningService;
}

export function createProvisioning(setup: ProvisioningSetup): Provisioning {
  const { ops, log } = setup;
  const approvals = new ApprovalBroker({
    send: (network, nick, text) => ops.sendPrivateMessage(network, nick, text),
    isOperator: (network, channel, nick) => ops.isChannelOperator(network, channel, nick),
    fold: (network, nick) => casefold(nick, ops.network(network)?.casemapping ?? 'rfc1459'),
    clock: setup.clock ?? systemClock,
    ...(setup.approvalTimeoutMs !== undefined ? { timeoutMs: setup.approvalTimeoutMs } : {}),
    ...(setup.maxPendingApprovals !== undefined ? { maxPending: setup.maxPendingApprovals } : {}),
    ...(log ? { log } : {}),
  });
  const service = new ProvisioningService(ops, approvals, { maxLinksPerRoom: setup.maxLinksPerRoom, permissions: setup.permissions }, log);
  addProvisioningRoutes(setup.routes, { secret: setup.secret, service, ...(setup.listener ? { listener: setup.listener } : {}) });
  return { approvals, service };
}
