export { createIntentFactory } from './factory';
export type { IntentFactory, IntentFactoryDeps } from './factory';
export { defaultCacheLimits } from './state';
export type { IntentCacheLimits } from './state';
export type { Intent, Profile, CreateRoomOptions, StateEvent } from './types';
