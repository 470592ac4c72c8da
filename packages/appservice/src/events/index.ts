export type { MatrixEvent, EphemeralEvent, MessageContent } from './matrix-event';
export type {
  BridgeEvent, BridgeEventKind, EventOfKind, EventBase, Mentions, FormattedBody, MessageBody, MsgType,
  MessageEvent, EditEvent, RedactionEvent, ReactionEvent, Membership, MembershipAction, MembershipEvent,
  RoomStateEvent, EncryptionEvent, TombstoneEvent, RawEvent,
} from './typed';
export {
  isMessage, isEdit, isRedaction, isReaction, isMembership, isRoomState, isEncryption, isTombstone, isRaw,
  isTextMessage, isMediaMessage,
} from './typed';
export { parseEvent } from './parse';
