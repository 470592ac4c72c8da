/**
 * A fake of the core's side for unit tests of the connector: a `BridgeContext` whose intents
 * record what they would send to the homeserver, a real SQLite store in a temp dir (so restarts
 * are real), and the core's own room queues and outbox (its Ingestor on that store's journal),
 * on the test's clock.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { Registry } from 'prom-client';
import {
  buildUserId, createGhosts, createPortals, PolicyLists,
  asEventId, asRoomAlias, asRoomId, asUserId, ConnectorRoutes, createRouteMetrics, Ingestor, MatrixError, NetworkError, openStore, parseConfig,
  type BridgeConfig, type BridgeContext, type CreateRoomOptions, type EventId, type Intent, type Logger,
  type MatrixEvent, type Migration, type OpenedStore, type Profile, type RoomAlias, type RoomId, type RouteAddresses, type Timers, type UserId,
} from '@bridgekit/appservice';
import { IRC_CONFIG_SECTION } from '../config/parse';
import type { IrcBridgeConfig } from '../config/types';

export const DOMAIN = 'hs.test';
/** The fake bridge's one moderation policy list. */
export const POLICY_ROOM = asRoomId(`!policy:${DOMAIN}`);

/**
 * A pushed `m.policy.rule.*` state event of `POLICY_ROOM`: `entity` banned, or with
 * `entity` undefined the rule under `stateKey` removed (empty content, as the spec says).
 */
export function policyRuleEvent(kind: 'user' | 'server', stateKey: string, entity?: string, reason = 'spam'): MatrixEvent {
  return {
    eventId: asEventId(`$policy-${stateKey}-${entity ?? 'removed'}`), roomId: POLICY_ROOM, sender: asUserId(`@mod:${DOMAIN}`),
    type: `m.policy.rule.${kind}`, stateKey, originServerTs: 0,
    content: entity === undefined ? {} : { entity, recommendation: 'm.ban', reason },
  };
}

export interface SentEvent {
  sender: UserId;
  roomId: RoomId;
  type: string;
  content: Record<string, unknown>;
  eventId: EventId;
  /** Set for state events. */
  stateKey?: string;
  /** The caller's transaction ID, when it chose one. */
  txnId?: string;
}

/** A membership change the bridge made, as the room would show it. */
export interface MembershipChange {
  roomId: RoomId;
  userId: UserId;
  membership: 'join' | 'leave' | 'kick' | 'ban' | 'invite';
  /** Who did it (the user themselves for join/leave). */
  by: UserId;
  reason?: string;
}

export interface LogLine {
  level: string;
  message: string;
  meta?: Record<string, unknown>;
}

export class FakeMatrix {
  readonly sent: SentEvent[] = [];
  readonly created: Array<{ creator: UserId; roomId: RoomId; options: CreateRoomOptions }> = [];
  readonly joins: Array<{ userId: UserId; roomId: RoomId }> = [];
  readonly leaves: Array<{ userId: UserId; roomId: RoomId }> = [];
  readonly profiles = new Map<UserId, Profile>();
  /** Every display name change `ensureProfile` made, in order (to see names flip back and forth). */
  readonly profileLog: Array<{ userId: UserId; displayName: string | undefined }> = [];
  readonly uploads: Array<{ data: Buffer; contentType: string; mxc: string }> = [];
  /** Display names returned for m.room.member state reads. */
  readonly displayNames = new Map<UserId, string>();
  /**
   * Rooms whose state only their joined members may read (a DM between a Matrix user and a
   * ghost, which the bot is not in): anyone else's getState there fails with M_FORBIDDEN.
   */
  readonly membersOnly = new Set<RoomId>();
  /** Other state returned by getState, keyed `<roomId> <type> <stateKey>`. */
  readonly state = new Map<string, Record<string, unknown>>();
  /** Who sent each state event the bridge set or a room was created with (same keys as `state`). */
  readonly stateSenders = new Map<string, UserId>();
  /**
   * The version of rooms `createRoom` makes. From version 12 on, creators have unlimited power
   * and are not listed in `m.room.power_levels` (like Synapse 1.163, whose default is 12).
   */
  roomVersion = '11';
  /** While true, every event send fails as with an unreachable homeserver (NetworkError, retriable). */
  down = false;
  /**
   * While true, sends are stored but then fail as if the response was lost (NetworkError): the
   * case a retry with the same transaction ID must not duplicate.
   */
  loseResponses = false;
  /** When set, every upload fails with it (e.g. the homeserver refusing a paste as too large). */
  uploadFailure: Error | undefined;
  /** Every send attempt with a caller-chosen transaction ID, in order (repeats included). */
  readonly txnAttempts: Array<{ sender: UserId; roomId: RoomId; txnId: string }> = [];
  /** Every join, leave, kick, ban and invite, with who did it and why. */
  readonly memberLog: MembershipChange[] = [];
  /** Joined members per room (joins, room creation, sending), what joinedMembers returns. */
  readonly members = new Map<RoomId, Set<UserId>>();
  /** Room directory visibility changes, in order. */
  readonly directory: Array<{ userId: UserId; roomId: RoomId; visibility: 'public' | 'private' }> = [];
  /** Aliases removed through an intent, in order. */
  readonly deletedAliases: Array<{ userId: UserId; alias: RoomAlias }> = [];
  /** Presence set by ghosts, in order. */
  readonly presence: Array<{ userId: UserId; state: string; statusMsg?: string }> = [];
  /** Aliases that exist (made with a room, or seeded by a test) → their room. */
  readonly aliases = new Map<RoomAlias, RoomId>();
  /** `<roomId> <userId>` of users banned from rooms: their sends and joins there fail with M_FORBIDDEN. */
  private readonly bans = new Set<string>();
  private next = 0;

  /** A ban made on the homeserver (by a Matrix user), as the room now has it. */
  ban(roomId: RoomId, userId: UserId): void {
    this.bans.add(`${roomId} ${userId}`);
    this.setMember(roomId, userId, false);
    this.state.set(`${roomId} m.room.member ${userId}`, { membership: 'ban' });
  }

  /** What a homeserver answers a banned user who tries to act in the room. */
  private refuseBanned(roomId: RoomId, userId: UserId, endpoint: string): void {
    if (this.bans.has(`${roomId} ${userId}`)) throw new MatrixError('M_FORBIDDEN', 403, 'You are banned from this room', endpoint);
  }

  private setMember(roomId: RoomId, userId: UserId, joined: boolean): void {
    let set = this.members.get(roomId);
    if (!set) this.members.set(roomId, (set = new Set()));
    if (joined) set.add(userId);
    else set.delete(userId);
  }

  intent(userId: UserId): Intent {
    const m = this;
    const send = async (roomId: RoomId, type: string, content: Record<string, unknown>, stateKey?: string, txnId?: string) => {
      const unreachable = () => new NetworkError('unreachable', 'PUT /_matrix/client/v3/rooms/{roomId}/send/{eventType}/{txnId}', 'http://127.0.0.1:8008', new Error('connect ECONNREFUSED'));
      if (m.down) throw unreachable();
      m.refuseBanned(roomId, userId, 'POST /_matrix/client/v3/join/{roomIdOrAlias}');
      if (txnId !== undefined) m.txnAttempts.push({ sender: userId, roomId, txnId });
      // Like a homeserver: the same transaction from the same user is stored once.
      const earlier = txnId !== undefined ? m.sent.find((e) => e.txnId === txnId && e.sender === userId && e.roomId === roomId) : undefined;
      if (earlier) {
        if (m.loseResponses) throw unreachable();
        return earlier.eventId;
      }
      const eventId = asEventId(`$ev${++m.next}`);
      m.sent.push({ sender: userId, roomId, type, content, eventId, ...(stateKey !== undefined ? { stateKey } : {}), ...(txnId !== undefined ? { txnId } : {}) });
      m.setMember(roomId, userId, true); // like the real intent, sending joins first
      if (stateKey !== undefined) {
        m.state.set(`${roomId} ${type} ${stateKey}`, content);
        m.stateSenders.set(`${roomId} ${type} ${stateKey}`, userId);
      }
      if (m.loseResponses) throw unreachable();
      return eventId;
    };
    return {
      userId,
      ensureRegistered: async () => undefined,
      ensureProfile: async (profile) => {
        if (m.profiles.get(userId)?.displayName !== profile.displayName) m.profileLog.push({ userId, displayName: profile.displayName });
        m.profiles.set(userId, profile);
      },
      ensureJoined: async (roomId) => {
        m.refuseBanned(roomId, userId, 'POST /_matrix/client/v3/join/{roomIdOrAlias}');
        m.joins.push({ userId, roomId });
        m.setMember(roomId, userId, true);
      },
      sendMessage: (roomId, content, opts) => send(roomId, 'm.room.message', content, undefined, opts?.txnId),
      sendEvent: (roomId, type, content, opts) => send(roomId, type, content, undefined, opts?.txnId),
      sendState: (roomId, type, key, content) => send(roomId, type, content, key),
      getState: async <T>(roomId: RoomId, type: string, stateKey?: string) => {
        if (m.membersOnly.has(roomId) && !m.members.get(roomId)?.has(userId)) {
          throw new MatrixError('M_FORBIDDEN', 403, `User ${userId} not in room ${roomId}`, 'GET /_matrix/client/v3/rooms/{roomId}/state/{eventType}/{stateKey}');
        }
        const stored = m.state.get(`${roomId} ${type} ${stateKey ?? ''}`);
        if (stored) return stored as T;
        if (type !== 'm.room.member' || !stateKey) return undefined;
        const name = m.displayNames.get(stateKey as UserId);
        return (name ? { membership: 'join', displayname: name } : undefined) as T | undefined;
      },
      getStateEvent: async <T>(roomId: RoomId, type: string, stateKey = '') => {
        const content = await m.intent(userId).getState<T>(roomId, type, stateKey);
        if (content === undefined) return undefined;
        const sender = m.stateSenders.get(`${roomId} ${type} ${stateKey}`);
        return { content, ...(sender ? { sender } : {}) };
      },
      redact: async () => asEventId(`$redaction${++m.next}`),
      sendTyping: async () => undefined,
      createRoom: async (options) => {
        const roomId = asRoomId(`!room${++m.next}:${DOMAIN}`);
        m.created.push({ creator: userId, roomId, options });
        if (options.aliasLocalpart !== undefined) m.aliases.set(asRoomAlias(`#${options.aliasLocalpart}:${DOMAIN}`), roomId);
        m.setMember(roomId, userId, true);
        // What a homeserver puts in a new room: the creator at 100 (unlimited and unlisted from
        // room version 12 on), the preset's join rule.
        const roomVersion = options.roomVersion ?? m.roomVersion;
        m.state.set(`${roomId} m.room.create `, { room_version: roomVersion });
        m.stateSenders.set(`${roomId} m.room.create `, userId);
        m.state.set(`${roomId} m.room.power_levels `, {
          users: Number(roomVersion) >= 12 ? {} : { [userId]: 100 },
          users_default: 0, events_default: 0, state_default: 50, kick: 50, ban: 50, ...(options.powerLevelContentOverride ?? {}),
        });
        m.state.set(`${roomId} m.room.join_rules `, { join_rule: options.preset === 'public_chat' ? 'public' : 'invite' });
        for (const s of options.initialState ?? []) m.state.set(`${roomId} ${s.type} ${s.stateKey ?? ''}`, s.content);
        return roomId;
      },
      join: async (roomIdOrAlias) => {
        const roomId = roomIdOrAlias.startsWith('!') ? (roomIdOrAlias as RoomId) : asRoomId(`!joined${++m.next}:${DOMAIN}`);
        m.refuseBanned(roomId, userId, 'POST /_matrix/client/v3/join/{roomIdOrAlias}');
        m.joins.push({ userId, roomId });
        m.setMember(roomId, userId, true);
        m.memberLog.push({ roomId, userId, membership: 'join', by: userId });
        return roomId;
      },
      leave: async (roomId, reason) => {
        m.leaves.push({ userId, roomId });
        m.setMember(roomId, userId, false);
        m.memberLog.push({ roomId, userId, membership: 'leave', by: userId, ...(reason !== undefined ? { reason } : {}) });
      },
      invite: async (roomId, target) => void m.memberLog.push({ roomId, userId: target, membership: 'invite', by: userId }),
      kick: async (roomId, target, reason) => {
        m.leaves.push({ userId: target, roomId });
        m.setMember(roomId, target, false);
        m.memberLog.push({ roomId, userId: target, membership: 'kick', by: userId, ...(reason !== undefined ? { reason } : {}) });
      },
      ban: async (roomId, target, reason) => {
        m.leaves.push({ userId: target, roomId });
        m.ban(roomId, target);
        m.memberLog.push({ roomId, userId: target, membership: 'ban', by: userId, ...(reason !== undefined ? { reason } : {}) });
      },
      unban: async (roomId, target) => {
        m.bans.delete(`${roomId} ${target}`);
        m.state.set(`${roomId} m.room.member ${target}`, { membership: 'leave' });
      },
      joinedMembers: async (roomId) => [...(m.members.get(roomId) ?? [])],
      resolveAlias: async (alias) => m.aliases.get(alias),
      getProfile: async (target) => m.profiles.get(target),
      deleteAlias: async (alias) => {
        if (!m.aliases.delete(alias)) throw new MatrixError('M_NOT_FOUND', 404, 'Room alias not found', 'DELETE /_matrix/client/v3/directory/room/{roomAlias}');
        m.deletedAliases.push({ userId, alias });
      },
      setDirectoryVisibility: async (roomId, visibility) => void m.directory.push({ userId, roomId, visibility }),
      setDisplayName: async (displayName) => void m.profiles.set(userId, { displayName }),
      setAvatarUrl: async () => undefined,
      setPresence: async (state, statusMsg) => void m.presence.push({ userId, state, ...(statusMsg !== undefined ? { statusMsg } : {}) }),
      uploadContent: async (data, contentType) => {
        if (m.uploadFailure) throw m.uploadFailure;
        const mxc = `mxc://${DOMAIN}/upload${++m.next}`;
        m.uploads.push({ data, contentType, mxc });
        return mxc;
      },
    };
  }

  /** The room's current state event of that type and key, as the bridge last set it (or a test seeded it). */
  stateOf<T = Record<string, unknown>>(roomId: RoomId, type: string, stateKey = ''): T | undefined {
    return this.state.get(`${roomId} ${type} ${stateKey}`) as T | undefined;
  }

  /** Messages (m.room.message) sent into a room, in order. */
  messagesIn(roomId: RoomId): SentEvent[] {
    return this.sent.filter((e) => e.roomId === roomId && e.type === 'm.room.message');
  }

  /** The bodies of the notices in a room that mention `userId` (what the bridge told them), in order. */
  noticesTo(roomId: RoomId, userId: UserId): string[] {
    return this.messagesIn(roomId)
      .filter((e) => e.content.msgtype === 'm.notice' && (e.content['m.mentions'] as { user_ids?: string[] } | undefined)?.user_ids?.includes(userId))
      .map((e) => String(e.content.body));
  }

  /** Any change of a user's Matrix membership the bridge made (leave/kick). */
  membershipChanges(): Array<{ userId: UserId; roomId: RoomId }> {
    return [...this.leaves];
  }
}

/** Records log lines; values registered with `addSecret` are replaced by `[redacted]`, like the core's logger. */
export class FakeLogger implements Logger {
  constructor(readonly lines: LogLine[] = [], private readonly base: Record<string, unknown> = {}, readonly secrets: Set<string> = new Set()) {}
  error(message: string, meta?: Record<string, unknown>): void { this.record('error', message, meta); }
  warn(message: string, meta?: Record<string, unknown>): void { this.record('warn', message, meta); }
  info(message: string, meta?: Record<string, unknown>): void { this.record('info', message, meta); }
  debug(message: string, meta?: Record<string, unknown>): void { this.record('debug', message, meta); }
  child(meta: Record<string, unknown>): Logger { return new FakeLogger(this.lines, { ...this.base, ...meta }, this.secrets); }

  private record(level: string, message: string, meta?: Record<string, unknown>): void {
    const all: Record<string, unknown> = { ...this.base, ...meta };
    for (const [k, v] of Object.entries(all)) if (typeof v === 'string') all[k] = this.redact(v);
    this.lines.push({ level, message: this.redact(message), meta: all });
  }

  private redact(text: string): string {
    let out = text;
    for (const secret of this.secrets) out = out.split(secret).join('[redacted]');
    return out;
  }
}

export interface FakeBridge {
  /**
   * `ctx.moderation`: the core's policy lists subscribed to `POLICY_ROOM` (empty at start); a
   * test bans with `moderation.observe(policyRuleEvent(...))`.
   */
  moderation: PolicyLists;
  ctx: BridgeContext<IrcBridgeConfig>;
  matrix: FakeMatrix;
  store: OpenedStore;
  log: FakeLogger;
  metrics: Registry;
  dir: string;
  /** Every value the connector registered with `ctx.addSecret`. */
  secrets: Set<string>;
  /** The core's queues behind `ctx.inRoomOrder` and `ctx.outbox`. */
  ingestor: Ingestor;
  /** Starts the connector as the core does: `start`, then the journal's items are resumed. */
  start(connector: { start(ctx: BridgeContext): Promise<void> }): Promise<void>;
  /** The core's own route registry behind `ctx.routes`. */
  routes: ConnectorRoutes;
  /**
   * Opens the routes as the core would after `start()`: the connector's own listeners, and the
   * appservice listener's routes on a loopback port of their own (`appservice` in the result).
   */
  serveRoutes(): Promise<RouteAddresses>;
  /** Resolves when no room task runs or waits for its turn (those waiting out a retry delay wait for the clock). */
  settle(): Promise<void>;
  close(): void;
}

/** A bridge config with an `irc:` section; `irc` replaces the default section. */
export function bridgeConfig(irc: Record<string, unknown>, baseDir = '/tmp'): BridgeConfig {
  return parseConfig(JSON.stringify({ homeserver: { url: 'http://127.0.0.1:8008', domain: DOMAIN }, irc }), baseDir);
}

/**
 * `dir` holds the database (reuse it for a restart; the caller then removes it). `migrations`
 * are the connector's own (scope "irc").
 */
export function createFakeBridge(config: BridgeConfig, options: { dir?: string; migrations?: Migration[]; clock?: Timers & { now(): number } } = {}): FakeBridge {
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'bridgekit-irc-test-'));
  const store = openStore(join(dir, 'bridge.db'), {
    extraMigrations: options.migrations?.length ? [{ scope: 'irc', migrations: options.migrations }] : [],
  });
  const matrix = new FakeMatrix();
  const log = new FakeLogger();
  const metrics = new Registry();
  const ingestor = new Ingestor({
    journal: store.journal,
    handle: async () => { throw new Error('The fake bridge hands Matrix events to the connector through inRoomOrder'); },
    isEcho: () => false,
    roomConcurrency: 8, maxAttempts: 3, retryDelay: () => 1_000, slowHandlerMs: 60_000,
    ...(options.clock ? { timers: options.clock, now: () => options.clock!.now() } : {}),
    random: () => 0.5,
    log,
  });
  const bot = asUserId(`@ircbot:${DOMAIN}`);
  const moderation = new PolicyLists({ rooms: [POLICY_ROOM], access: { join: async () => POLICY_ROOM, state: async () => [] }, log, registry: metrics });
  void moderation.start();
  const routes = new ConnectorRoutes({ log, metrics: createRouteMetrics(metrics) });
  // As the core does when it builds a bridge: the section's secrets are redacted from the start.
  if (config.sections.irc !== undefined) for (const secret of IRC_CONFIG_SECTION.load(config).secrets) log.secrets.add(secret);
  const ctx: BridgeContext<IrcBridgeConfig> = {
    intent: (userId) => matrix.intent(userId),
    bot: matrix.intent(bot),
    reloadConfig: async () => ({ ok: true, problems: [], applied: [], needsRestart: [] }),
    store,
    log,
    metrics,
    config,
    // Read on first use, as the core would at construction: a test with no irc section never asks.
    get section() { return IRC_CONFIG_SECTION.read(config); },
    registration: {
      id: 'irc', url: null, asToken: 'as-secret-token', hsToken: 'hs-secret-token', senderLocalpart: 'ircbot',
      namespaces: { users: [], aliases: [], rooms: [] }, rateLimited: false,
    },
    domain: DOMAIN,
    userId: (localpart) => asUserId(buildUserId(localpart, DOMAIN)),
    roomAlias: (localpart): RoomAlias => asRoomAlias(`#${localpart}:${DOMAIN}`),
    isBridgeUser: (userId) => userId === bot || userId.startsWith('@_irc_'),
    // Both the default template (#_irc_…) and the one the harness spells out (#irc_…), like the e2e registration.
    isBridgeAlias: (alias) => /^#_?irc_/.test(alias),
    addSecret: (secret) => void log.secrets.add(secret),
    inRoomOrder: (roomKey, task, opts) => ingestor.inRoomOrder(roomKey, task, opts),
    outbox: ingestor.outbox,
    // No cache here: tests change display names between events, and the core's cache is tested in the core.
    members: {
      displayName: async (roomId, userId) => {
        const member = await matrix.intent(bot).getState<{ displayname?: unknown }>(roomId, 'm.room.member', userId);
        return typeof member?.displayname === 'string' ? member.displayname : undefined;
      },
    },
    media: {
      download: async (mxc) => ({ stream: Readable.from([Buffer.from(`content of ${mxc}`)]), contentType: 'text/plain' }),
    },
    routes,
    // The e2e registration's namespace is `@_irc_.*`: the prefix the core would read from it.
    ghosts: createGhosts({ prefix: '_irc_', domain: DOMAIN, links: store.ghosts, intent: (userId) => matrix.intent(userId) }),
    portals: createPortals(store.portals, matrix.intent(bot)),
    moderation,
  };
  return {
    ctx, matrix, store, log, metrics, dir, secrets: log.secrets, routes, moderation,
    serveRoutes: () => routes.listen({ appservice: { bindAddress: '127.0.0.1', port: 0 } }),
    ingestor,
    start: async (connector) => {
      await connector.start(ctx);
      ingestor.resume();
    },
    settle: async () => {
      // Unit tests that build a runtime without a connector never "start": resume here (once).
      ingestor.resume();
      // Tasks may queue more tasks: wait until the queues have been quiet for a few turns.
      let quiet = 0;
      for (let i = 0; i < 500 && quiet < 3; i++) {
        await new Promise((r) => setImmediate(r));
        quiet = ingestor.busy ? 0 : quiet + 1;
      }
    },
    close: () => {
      void ingestor.stop();
      store.close();
      if (!options.dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}
