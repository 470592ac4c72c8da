export { createPortals, bridgeInfoState, BRIDGE_INFO_TYPES } from './portals';
export type { Portals, CreatePortalOptions, BridgeInfo, BridgeInfoSection } from './portals';
