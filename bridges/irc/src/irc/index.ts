// The IRC side: one connection facade, its events and errors, flood and reconnect policy.
// A deliberate list; test-ircd.ts is imported directly by tests that need a real server.
export type { IrcConnectOptions, SendReport, WhoisInfo } from './connection';
export { IrcConnection } from './connection';
export type {
  IrcConnectionEvents, IrcEventName, IrcListener, IrcSource, IrcTags, IrcMessageEvent, IrcJoinEvent,
  IrcPartEvent, IrcQuitEvent, IrcKickEvent, IrcNickEvent, IrcTopicEvent, IrcModeEvent, IrcNamesEvent,
  IrcInviteEvent, IrcRegisteredEvent, IrcServerErrorEvent, IrcCloseEvent, IrcCloseReason,
} from './events';
export type { IrcErrorCode } from './errors';
export { IrcError, isIrcError, JoinFailedError, IRC_ERROR_CODES, userReasonOf, SEE_THE_LOG_REASON } from './errors';
export type { FloodOptions, FloodStats, SendReceipt } from './flood';
export { FloodQueue, SendQueueFullError, SendQueueClearedError } from './flood';
export type { BackoffOptions, ConnectRateOptions } from './reconnect';
export { reconnectDelay, ConnectRateLimiter } from './reconnect';
export type { Isupport, ModeChange, PrefixMode, ChanModes } from './isupport';
export { DEFAULT_ISUPPORT, parseModeChanges, prefixesToModes, modesToPrefixes } from './isupport';
export type { Clock, TimerHandle } from './clock';
export { systemClock } from './clock';
