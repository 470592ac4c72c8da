/**
 * One call that builds the provisioning API from what the connector has at `start(ctx)`:
 *
 *   const provisioning = createProvisioning({ ops, secret: cfg.provisioning.secret,
 *     maxLinksPerRoom: cfg.provisioning.maxLinksPerRoom, permissions: () => cfg.permissions,
 *     log: ctx.log, metrics: ctx.metrics });
 *   const listener = await listenProvisioning(provisioning.app, cfg.provisioning);
 *   // in the bot's private-message handler, first:
 *   //   if (await provisioning.approvals.handlePrivateMessage(network, from, text)) return;
 */
import type { Registry } from 'prom-client';
import type { Express } from 'express';
import type { Logger } from '@bridgekit/appservice';
import type { PermissionRules } from '../admin/permissions';
import { casefold } from '../mapping';
import { systemClock, type Clock } from '../irc';
import { createProvisioningApp } from './app';
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
  metrics?: Registry;
}

export interface Provisioning {
  app: Express;
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
  const app = createProvisioningApp({ secret: setup.secret, service, ...(log ? { log } : {}), ...(setup.metrics ? { metrics: setup.metrics } : {}) });
  return { app, approvals, service };
}
