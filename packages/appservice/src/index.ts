// The public API of @bridgekit/appservice: a deliberate list, no `export *` of internals.
export type { UserId, RoomId, EventId, RoomAlias } from './ids';
export { asUserId, asRoomId, asEventId, asRoomAlias, isUserId, isRoomId, localpartOf, serverNameOf } from './ids';
export type { MatrixEvent, EphemeralEvent, MessageContent } from './events';
export type { Connector, BridgeContext, ThirdPartyProvider } from './connector';
export type { Intent, Profile, CreateRoomOptions } from './intent/types';
export type {
  BridgeStore, Migration, RemoteRoom, RoomLink, RemoteUser,
  RoomMappingRepository, UserMappingRepository, MessageMappingRepository, KeyValueRepository,
} from './store/types';
export type { Registration, NamespaceEntry } from './registration/types';
export type { BridgeConfig } from './config/types';
export type { Logger } from './log/types';
