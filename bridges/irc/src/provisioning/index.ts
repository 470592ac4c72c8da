// The link/unlink HTTP API with chanop approval. A deliberate list.
export type { ProvisioningSetup, Provisioning } from './setup';
export { createProvisioning } from './setup';
export type { ProvisioningRoutesOptions } from './app';
export { addProvisioningRoutes, PROVISIONING_PREFIX } from './app';
export type { ProvisioningOps, ProvisioningNetwork, LinkedChannel } from './ops';
export type { ProvisioningPolicy } from './service';
export { ProvisioningService } from './service';
export type { ApprovalResult, ApprovalRequest, ApprovalBrokerOptions } from './approval';
export { ApprovalBroker } from './approval';
export type { LinkRequest, UnlinkRequest } from './validate';
export { parseLinkRequest, parseUnlinkRequest, parseRoomIdParam } from './validate';
export type { ProvisioningErrcode } from './errors';
export { ProvisioningError, PROVISIONING_ERRCODES } from './errors';
