// The admin room: declarative commands, permissions, the DM with the bridge bot. A deliberate list.
export type { AdminSetup } from './setup';
export { createAdminRooms } from './setup';
export type { AdminRoomOptions } from './admin-room';
export { AdminRooms } from './admin-room';
export type { AdminBridgeOps, AdminMatrixOps, AdminPuppet, BridgedRoom, NetworkSummary } from './ops';
export { matrixOpsFromIntent } from './ops';
export type { AdminCommand, CommandContext } from './command';
export { defineCommand } from './command';
export type { ArgSpec, ArgValues } from './args';
export { parseArgs, usageOf } from './args';
export type { CommandOutcome, CommandOutcomeKind, CommandInvocation, CommandRegistryOptions } from './registry';
export { CommandRegistry } from './registry';
export type { AdminCommandDeps } from './commands';
export { adminCommands, formatWhois } from './commands';
export type { PermissionLevel, PermissionRules } from './permissions';
export { permissionLevel, hasLevel, checkPermissionRules } from './permissions';
export { CommandError, isCommandError } from './errors';
export { ArgCursor, tokenize } from './tokenize';
