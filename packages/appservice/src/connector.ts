import type { Registry } from 'prom-client';
import type { ConfigSection } from './config/section';
import type { BridgeConfig } from './config/types';
import type { EphemeralEvent, MatrixEvent } from './events';
import type { RoomAlias, RoomId, UserId } from './ids';
import type { Intent } from './intent/types';
import type { Logger } from './log/types';
import type { Registration } from './registration/types';
import type { BridgeStore, Migration } from './store/types';

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
   * task ran. Never await this from inside a task of the same room (it would deadlock).
   */
  inRoomOrder<T>(roomKey: string, task: () => Promise<T>): Promise<T>;
  /** The homeserver's media repository (authenticated media), as the bot. */
  readonly media: MediaAccess;
  /**
   * Registers a value the logger must never print (a network password, a decrypted stored
   * password, a provisioning secret). The core's tokens are registered already.
   */
  addSecret(secret: string): void;
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
 * Contract:
 * - `start` runs once after the store is open and before the HTTP listener accepts pushes.
 * - `onMatrixEvent` runs inside the room's queue: events of one room arrive one at a time, in
 *   homeserver order; rooms run in parallel. It may take as long as it needs (a watchdog logs
 *   slow handlers). Throwing an error marks the event for retry with backoff; after the last
 *   attempt the event is dead-lettered with the error and counted in a metric. Events sent by
 *   the bridge's own users are filtered out before this is called.
 * - `onUserQuery`/`onAliasQuery` answer the homeserver's queries for unknown IDs in the
 *   namespace: create the user/room and return true, or return false for 404. They block the
 *   homeserver's pushes, so keep them quick.
 * - Optional members are capabilities: the core answers "unsupported" itself when absent.
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
  onMatrixEvent(event: MatrixEvent): Promise<void>;
  onUserQuery?(userId: UserId): Promise<boolean>;
  onAliasQuery?(alias: RoomAlias): Promise<boolean>;
  onEphemeral?(event: EphemeralEvent): Promise<void>;
  readonly thirdParty?: ThirdPartyProvider;
}

export type { RoomId };
