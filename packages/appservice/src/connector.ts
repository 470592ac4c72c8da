import type { Registry } from 'prom-client';
import type { ConfigSection } from './config/section';
import type { BridgeConfig } from './config/types';
import type {
  EditEvent, EncryptionEvent, EphemeralEvent, MatrixEvent, MembershipEvent, MessageEvent, ReactionEvent, RedactionEvent,
  RoomStateEvent, TombstoneEvent,
} from './events';
import type { ConnectorReadiness } from './health/readiness';
import type { RoomAlias, RoomId, UserId } from './ids';
import type { RoomTaskOptions } from './ingest/ingestor-api';
import type { BridgeOutbox } from './ingest/outbox-api';
import type { Intent } from './intent/types';
import type { RouteRegistry } from './http/routes/types';
import type { Logger } from './log/types';
import type { Registration } from './registration/types';
import type { BridgeStore, Migration } from './store/types';
import type { Ghosts } from './ghosts/ghosts';
import type { Portals } from './portals/portals';
import type { ModerationPolicy } from './moderation/policy-lists';

/**
 * What the core gives a Connector in `start()`. Everything here is safe to keep for the
 * lifetime of the bridge. `TSection` is the type of the connector's config section.
 */
export interface BridgeContext<TSection = unknown> {
  /** Act as a user in the bridge's namespace (a "puppet"/ghost). Intents are cached. */
  intent(userId: UserId): Intent;
  /** The bridge bot (`sender_localpart`). */
  readonly bot: Intent;
  readonly store: BridgeStore;
  readonly log: Logger;
  /** The bridge's metric registry: register the adapter's own metrics here. */
  readonly metrics: Registry;
  readonly config: BridgeConfig;
  /**
   * The connector's config section (`Connector.configSection`): validated, defaults filled,
   * keys camelCased, secrets already registered for redaction. `undefined` without a section.
   */
  readonly section: TSection;
  readonly registration: Registration;
  /** The homeserver's server name, e.g. `example.org`. */
  readonly domain: string;
  /** `@<localpart>:<domain>`. */
  userId(localpart: string): UserId;
  /** `#<localpart>:<domain>`. */
  roomAlias(localpart: string): RoomAlias;
  /** Is this user in the bridge's exclusive user namespace (or the bot)? */
  isBridgeUser(userId: UserId): boolean;
  isBridgeAlias(alias: RoomAlias): boolean;
  /**
   * Run `task` in the room's turn: the same ordering point Matrix events of that room use, so
   * network events and Matrix events of one room never overtake each other. Resolves when the
   * task ran. With `{ retry: true }` a retriable failure is retried with backoff through a
   * homeserver outage, the room's later work held behind it (not journaled: for state sync, not
   * for what a network said; that goes through `outbox`).
   *
   * Re-entrancy: called from inside the same room's turn (its Matrix handler, or a task of it),
   * `task` runs at once, inline and without retry, instead of waiting for a turn that cannot
   * come. The turn is known through AsyncLocalStorage; a connection or timer opened inside a
   * turn inherits it until the turn ends, so open long-lived ones with `outsideRoomTurn`.
   */
  inRoomOrder<T>(roomKey: string, task: () => Promise<T>, options?: RoomTaskOptions): Promise<T>;
  /**
   * Durable network → Matrix delivery: what the network said is journaled first, then delivered
   * in the room's turn with a stable transaction ID, held through outages, dead-lettered and
   * counted when it cannot be (ingest/outbox.ts).
   */
  readonly outbox: BridgeOutbox;
  /**
   * Aborted when the bridge begins to stop. A handler that waits for its network (a message held
   * until the connection is back) stops waiting then and throws `IngestorStoppedError`: the
   * event is neither failed nor dead-lettered, it stays in the journal for the next start.
   */
  readonly stopping: AbortSignal;
  /**
   * In a Matrix event's handler: a function that marks that event written to the network,
   * synchronously and durably. Call it right before the write that cannot be taken back (a line
   * on a socket, on a network with no idempotency key). A marked event is never run again, not
   * by a retry nor after a crash and restart: at most once, instead of a repeat when the
   * bridge dies between the write and the handler's end. Outside a handler it does nothing.
   */
  writtenMarker(): () => void;
  /** The homeserver's media repository (authenticated media), as the bot. */
  readonly media: MediaAccess;
  /**
   * Registers a value the logger must never print (a network password, a decrypted stored
   * password, a provisioning secret). The core's tokens are registered already.
   */
  addSecret(secret: string): void;
  /**
   * HTTP routes on the bridge's own listener, below `/_bridgekit` (a webhook, a media proxy, a
   * provisioning API); add them in `start()`. See `RouteRegistry`.
   */
  readonly routes: RouteRegistry;
  /**
   * Reads the config file again and applies what can change live (log level, the connector's
   * `reload`); an invalid file is refused and the running config kept. One reload at a time.
   */
  reloadConfig(): Promise<ReloadReport>;
  /** Room members' display names, from the member events the homeserver pushes (members/). */
  readonly members: RoomMembers;

  // ── Track store: remote identities and remote rooms ──
  /**
   * Remote identity → ghost: `await ctx.ghosts.intentFor({ network, remoteId, profile })`. User
   * IDs are built with the spec's escaping under the prefix of the registration's user namespace;
   * links and the last profile written are stored.
   */
  readonly ghosts: Ghosts;
  /** Room ↔ remote room links with a kind and typed metadata, and `create()` for new portal rooms. */
  readonly portals: Portals;
  /**
   * The moderation policy lists of `moderation.policy_rooms`, kept current: before serving a
   * Matrix user, `const ban = ctx.moderation.isBanned(userId)` (the rule, with its reason);
   * `ctx.moderation.onChange(...)` to end what a new ban forbids.
   */
  readonly moderation: ModerationPolicy;
}

/**
 * Who is in a room under which name, kept from the `m.room.member` events pushed to the bridge
 * (its own included), so a display name costs no request per message. Bounded: on a miss one
 * state request is made as the bot and its answer kept.
 */
export interface RoomMembers {
  /**
   * The user's display name in the room; undefined when they have none (or no member event).
   * Rejects when the room's state cannot be read (e.g. the bot is not in the room): the caller
   * may fall back to the user's global profile.
   */
  displayName(roomId: RoomId, userId: UserId): Promise<string | undefined>;
}

/** How a connector's ghosts are named (`Connector.ghostUserIds`). */
export interface GhostUserIdOptions {
  /**
   * The localpart prefix, when the registration's exclusive user namespace is not of the shape
   * `@<prefix>.*:<server>` the core reads it from. Must lie inside that namespace.
   */
  prefix?: string;
  /** false: `<prefix><remote ID>` for a connector with one network. Default true: `<prefix><network>_<remote ID>`. */
  includeNetwork?: boolean;
}

/** Reads media from the homeserver, e.g. for a proxy that gives remote users working links. */
export interface MediaAccess {
  /** Streams `mxc://server/id`; rejects with a MatrixError (M_NOT_FOUND, M_TOO_LARGE, ...) or NetworkError. */
  download(mxc: string, opts?: { timeoutMs?: number }): Promise<{ stream: import('node:stream').Readable; contentType: string; contentLength?: number }>;
}

/** How a client should validate one search field, and an example value to show. */
export interface ThirdPartyFieldType {
  /** A (coarse) regular expression for the field's value. */
  regexp: string;
  placeholder: string;
}

/** One independent configuration of a protocol, e.g. one IRC network. The homeserver adds `instance_id`. */
export interface ThirdPartyInstance {
  /** Unique across all instances. */
  networkId: string;
  /** Human-readable, e.g. the network's name. */
  desc: string;
  /** Preset search fields for this instance, e.g. `{ network: 'libera' }`. */
  fields: Record<string, string>;
  /** An `mxc://` URI overriding the protocol's icon. */
  icon?: string;
}

/** What `GET /thirdparty/protocol/{protocol}` answers. */
export interface ThirdPartyProtocol {
  /** Fields that identify a remote user, broadest first (e.g. network, then nickname). */
  userFields: string[];
  /** Fields that identify a remote location, broadest first (e.g. network, then channel). */
  locationFields: string[];
  /** One entry per name in `userFields` and `locationFields`. */
  fieldTypes: Record<string, ThirdPartyFieldType>;
  instances: ThirdPartyInstance[];
  /**
   * An `mxc://` URI. The spec requires one; omit it rather than invent one (clients then show
   * none). Sent only when set.
   */
  icon?: string;
}

/** A remote location (e.g. an IRC channel) and the Matrix room alias that reaches it. */
export interface ThirdPartyLocation {
  alias: RoomAlias;
  protocol: string;
  fields: Record<string, string>;
}

/** A remote user and the Matrix user who stands for them. */
export interface ThirdPartyUser {
  userId: UserId;
  protocol: string;
  fields: Record<string, string>;
}

/**
 * Third-party lookups (`/_matrix/app/v1/thirdparty/*`). The core answers 404 for an unknown
 * protocol, a lookup the provider lacks and an empty result; each method may return [].
 * `locations`/`users` are only called for a protocol in `protocols`. They run outside any room's
 * turn and block the homeserver's request: keep them quick.
 */
export interface ThirdPartyProvider {
  readonly protocols: Readonly<Record<string, ThirdPartyProtocol>>;
  /** `fields`: the query's search fields, e.g. `{ network: 'libera', channel: '#matrix' }`. */
  locations?(protocol: string, fields: Record<string, string>): Promise<ThirdPartyLocation[]>;
  users?(protocol: string, fields: Record<string, string>): Promise<ThirdPartyUser[]>;
  locationsByAlias?(alias: RoomAlias): Promise<ThirdPartyLocation[]>;
  usersByUserId?(userId: UserId): Promise<ThirdPartyUser[]>;
}

/**
 * The one interface a network adapter implements. The core owns HTTP, transaction dedupe,
 * per-room queues, the store schema for generic mappings, intents, metrics and logging.
 *
 * Contract (bridgev2's shape: a small required part, optional capabilities the core detects):
 * - `start` runs once after the store is open and before the HTTP listener accepts pushes.
 * - Matrix events are parsed into typed events (events/) and handed to the capability for their
 *   kind: `onMessage`, `onEdit`, ... Every one of them runs inside the room's queue: events of
 *   one room arrive one at a time, in homeserver order; rooms run in parallel. A handler may take
 *   as long as it needs (a watchdog logs slow ones) but must not enqueue work into its own room
 *   and await it. Events sent by the bridge's own users are filtered out before any handler.
 * - Errors, for every handler alike: a throw marks the event for retry with backoff (unless the
 *   error says `retriable: false`); after the last attempt it is dead-lettered and counted, and a
 *   BridgeError with `notifySender` has its `userMessage` told to the sender in the room.
 * - A connector without a capability: the core itself tells the sender, once per room and kind
 *   in a while, where they would expect an effect (a message, an edit, a reaction, a redaction of
 *   a bridged message, an encrypted room); membership and room state are ignored quietly. Events
 *   no capability takes (and every event of a connector that declares no capability at all) go
 *   to `onMatrixEvent` when it is there.
 * - `onUserQuery`/`onAliasQuery` answer the homeserver's queries for unknown IDs in the
 *   namespace: create the user/room and return true, or return false for 404. They block the
 *   homeserver's pushes, so keep them quick.
 */
export interface Connector<TSection = unknown> {
  /** Short name used in logs and metrics, e.g. "irc". */
  readonly name: string;
  /**
   * The connector's config section, declared once with `defineConfigSection`. The core reads it
   * when the bridge is built (a bad value stops it there, naming the file and key), registers
   * its secrets for redaction, and hands the typed value over as `ctx.section`.
   */
  readonly configSection?: ConfigSection<TSection>;
  /** Schema changes for the connector's own tables (scope = `name`). */
  readonly migrations?: Migration[];
  start(ctx: BridgeContext<TSection>): Promise<void>;
  stop(): Promise<void>;
  /** A new message (text, notice, emote, media, location, sticker). Room queue; may block. */
  onMessage?(event: MessageEvent): Promise<void>;
  /** An edit of an earlier message. Room queue; may block. Absent: the sender is told edits are not bridged. */
  onEdit?(event: EditEvent): Promise<void>;
  /** A redaction. Room queue; may block. Absent: the sender is told, if the redacted event was bridged. */
  onRedaction?(event: RedactionEvent): Promise<void>;
  /** A reaction. Room queue; may block. Absent: the sender is told reactions are not bridged. */
  onReaction?(event: ReactionEvent): Promise<void>;
  /** A join, leave, kick, ban, invite, profile change, ... Room queue; may block. Absent: ignored. */
  onMembership?(event: MembershipEvent): Promise<void>;
  /** The room's topic, name or avatar changed. Room queue; may block. Absent: ignored. */
  onRoomState?(event: RoomStateEvent): Promise<void>;
  /** The room was upgraded. Room queue; may block. Absent: ignored. */
  onTombstone?(event: TombstoneEvent): Promise<void>;
  /**
   * Encryption turned on, or an encrypted event. Room queue; may block. Absent: the sender is
   * told the bridge cannot read encrypted messages.
   */
  onEncryption?(event: EncryptionEvent): Promise<void>;
  /**
   * The raw fallback: events no capability took (unknown types, malformed content, kinds without
   * a handler that need no answer), or every event when the connector declares no capability.
   * Same queue, blocking and error rules as the capabilities.
   */
  onMatrixEvent?(event: MatrixEvent): Promise<void>;
  /**
   * Who tells users things in this room (failure and "unsupported" notices) when it is not the
   * bot, e.g. the ghost of a direct chat the bot is not in. Runs in the room's queue.
   */
  noticeSpeaker?(roomId: RoomId): Promise<Intent | undefined>;
  onUserQuery?(userId: UserId): Promise<boolean>;
  onAliasQuery?(alias: RoomAlias): Promise<boolean>;
  onEphemeral?(event: EphemeralEvent): Promise<void>;
  readonly thirdParty?: ThirdPartyProvider;
  /** How `ctx.ghosts` names ghosts; default: the prefix from the registration, network included. */
  readonly ghostUserIds?: GhostUserIdOptions;
  // --- operations (track ops) ---
  /**
   * Whether the connector can do its work now (e.g. every network's bot connected): `/ready` is
   * 503 while not, with `details` in its JSON. Called on every probe: keep it cheap and synchronous.
   */
  readiness?(): ConnectorReadiness;
  /**
   * The config was reloaded (SIGHUP, or `ctx.reloadConfig()`) and the new section is valid:
   * apply what can change live, without dropping connections. Returns the changed keys (YAML
   * paths) it applied and those that only a restart applies; the core logs both.
   */
  reload?(section: TSection, config: BridgeConfig): Promise<ReloadOutcome>;
}

/** What a connector did with a reloaded section. */
export interface ReloadOutcome {
  /** YAML key paths now in effect, e.g. `irc.networks.libera.flood`. */
  applied: string[];
  /** YAML key paths that changed but take effect only after a restart, e.g. `irc.networks.libera.host`. */
  needsRestart: string[];
}

/** The result of a whole config reload, as `!reload` shows it. */
export interface ReloadReport extends ReloadOutcome {
  /** false: the new config was refused (problems listed) and the running one kept. */
  ok: boolean;
  /** Why the new config was refused, one line per problem. */
  problems: string[];
}

export type { ConnectorReadiness };

export type { RoomId };
