import { LruMap } from '../cache/lru-map';
import type { Gauge } from 'prom-client';
import type { RoomId, UserId } from '../ids';
import type { Profile } from './types';

export interface IntentCacheLimits {
  /** Intent objects kept (cheap to recreate: their state lives in the caches below). */
  intents: number;
  /** Users known to be registered on the homeserver. */
  registered: number;
  /** (user, room) pairs known to be joined. */
  memberships: number;
  /** Global profiles as the homeserver has them. */
  profiles: number;
}

export const defaultCacheLimits: IntentCacheLimits = {
  intents: 5_000,
  registered: 50_000,
  memberships: 100_000,
  profiles: 20_000,
};

export type CacheName = keyof IntentCacheLimits;

/**
 * What every intent knows about the homeserver, shared so that evicting an `Intent` object
 * forgets nothing. All caches are bounded LRUs; a forgotten entry only costs one extra
 * (idempotent) request later.
 */
export class IntentState {
  private readonly registered: LruMap<UserId, true>;
  private readonly joined: LruMap<string, true>;
  private readonly profiles: LruMap<UserId, Profile>;
  /** Requests in flight, so concurrent `ensure*` calls for the same thing share one. */
  private readonly inflight = new Map<string, Promise<unknown>>();

  constructor(
    limits: IntentCacheLimits,
    private readonly gauge?: Gauge<'cache'>,
  ) {
    this.registered = new LruMap(limits.registered);
    this.joined = new LruMap(limits.memberships);
    this.profiles = new LruMap(limits.profiles);
  }

  isRegistered(userId: UserId): boolean {
    return this.registered.has(userId);
  }

  setRegistered(userId: UserId, registered: boolean): void {
    if (registered) this.registered.set(userId, true);
    else this.registered.delete(userId);
    this.report('registered', this.registered.size);
  }

  isJoined(userId: UserId, roomId: RoomId): boolean {
    return this.joined.has(membershipKey(userId, roomId));
  }

  setJoined(userId: UserId, roomId: RoomId, joined: boolean): void {
    if (joined) this.joined.set(membershipKey(userId, roomId), true);
    else this.joined.delete(membershipKey(userId, roomId));
    this.report('memberships', this.joined.size);
  }

  profileOf(userId: UserId): Profile | undefined {
    return this.profiles.get(userId);
  }

  setProfile(userId: UserId, profile: Profile | undefined): void {
    if (profile) this.profiles.set(userId, profile);
    else this.profiles.delete(userId);
    this.report('profiles', this.profiles.size);
  }

  /** Runs `work` unless the same `key` is already running, in which case its promise is shared. */
  once<T>(key: string, work: () => Promise<T>): Promise<T> {
    const running = this.inflight.get(key);
    if (running) return running as Promise<T>;
    const promise = work().finally(() => this.inflight.delete(key));
    this.inflight.set(key, promise);
    return promise;
  }

  /** The in-flight promise for `key`, if any. */
  running(key: string): Promise<unknown> | undefined {
    return this.inflight.get(key);
  }

  sizes(): Omit<Record<CacheName, number>, 'intents'> {
    return { registered: this.registered.size, memberships: this.joined.size, profiles: this.profiles.size };
  }

  report(cache: CacheName, size: number): void {
    this.gauge?.set({ cache }, size);
  }
}

function membershipKey(userId: UserId, roomId: RoomId): string {
  return `${userId}\u0000${roomId}`;
}
