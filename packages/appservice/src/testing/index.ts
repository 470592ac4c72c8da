// `@bridgekit/appservice/testing`: the test kit for connectors. A real Bridge, an in-process
// homeserver that answers like Synapse and records every request, push helpers, a manual clock.
// Free of any test runner: use it from jest, vitest, node:test or a script.

export { createTestBridge, createTestConfig } from './test-bridge';
export type { TestBridge, TestBridgeOptions } from './test-bridge';
export { TestClock } from './clock';
export { TestLogger } from './logger';
export type { LoggedLine } from './logger';
export { PushHelpers } from './push';
export type { PushEvent, PushTarget, TransactionResult } from './push';
export { SentLog } from './sent';
export type { SentEvent, SentMembership } from './sent';
export { FakeHomeserver } from './homeserver/server';
export type { Fault, FaultMatch, RecordedRequest, AppserviceTarget, HomeserverOptions } from './homeserver/server';
export { HomeserverModel } from './homeserver/model';
export type { CreateRoomBody, Profile as HomeserverProfile, StoredMedia } from './homeserver/model';
export { Room, HomeserverRefusal } from './homeserver/rooms';
export type { StoredEvent, Membership } from './homeserver/rooms';
export { freePorts, freePort } from './ports';
