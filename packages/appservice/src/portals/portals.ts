/**
 * `ctx.portals`: the portal repository (room ↔ remote room, kind and metadata as columns) and a
 * helper that creates a portal room the way bridges are expected to: MSC2346 bridge info in its
 * initial state (`m.bridge` and the older `uk.half-shot.bridge`, which clients shipped first),
 * power levels, an alias, the direct flag; then links it. The room exists before the link: if
 * linking fails the error says which room was made, so nothing is left unexplained.
 */
import { BridgeError, errorMessage } from '../errors/bridge-error';
import type { RoomId, UserId } from '../ids';
import type { CreateRoomOptions, Intent } from '../intent/types';
import type { Portal, PortalKey, PortalRepository } from '../store/types';

/** One MSC2346 section: `id` is required by the MSC, the rest is for display. */
export interface BridgeInfoSection {
  id: string;
  displayname?: string;
  avatar_url?: string;
  external_url?: string;
}

/** What the bridge-info state says about the remote side; `bridgebot` and `creator` are filled in. */
export interface BridgeInfo {
  protocol: BridgeInfoSection;
  network?: BridgeInfoSection;
  /** The remote room; default `{ id: remoteId }`. */
  channel?: BridgeInfoSection;
  /** Default `<protocol.id>://<network>/<remote ID, URI-encoded>`: one per remote room. */
  stateKey?: string;
}

export interface CreatePortalOptions<M extends object> extends PortalKey {
  metadata?: M;
  name?: string;
  topic?: string;
  /** Localpart of an alias to create with the room (`#<alias>:<server>`). */
  alias?: string;
  /** A direct chat: `is_direct` on the invites, and the `trusted_private_chat` preset. */
  isDirect?: boolean;
  invite?: UserId[];
  /** Merged over the homeserver's default `m.room.power_levels`. */
  powerLevels?: Record<string, unknown>;
  bridgeInfo: BridgeInfo;
  /** Default: private (not in the room directory). */
  visibility?: 'public' | 'private';
  /** Default: `public_chat` for a room with an alias, `private_chat` otherwise. */
  preset?: CreateRoomOptions['preset'];
  /** More initial state (e.g. history visibility). */
  initialState?: CreateRoomOptions['initialState'];
  /** Who creates the room; default the bridge bot. */
  creator?: Intent;
  /** Default: the homeserver's default room version. */
  roomVersion?: string;
  /** Extra keys of the m.room.create event, e.g. `{ 'm.federate': false }` (fixed for the room's life). */
  creationContent?: Record<string, unknown>;
}

export interface Portals extends PortalRepository {
  create<M extends object = Record<string, unknown>>(options: CreatePortalOptions<M>): Promise<Portal<M>>;
}

/** The state event types a portal's bridge info is written as (MSC2346 and its older name). */
export const BRIDGE_INFO_TYPES = ['m.bridge', 'uk.half-shot.bridge'] as const;

/** The state key and content of a portal's bridge info. */
export function bridgeInfoState(bot: UserId, key: PortalKey, info: BridgeInfo): { stateKey: string; content: Record<string, unknown> } {
  const stateKey = info.stateKey ?? `${info.protocol.id}://${encodeURIComponent(key.network)}/${encodeURIComponent(key.remoteId)}`;
  const content: Record<string, unknown> = {
    bridgebot: bot,
    creator: bot,
    protocol: info.protocol,
    ...(info.network ? { network: info.network } : {}),
    channel: info.channel ?? { id: key.remoteId },
  };
  return { stateKey, content };
}

export function createPortals(repo: PortalRepository, bot: Intent): Portals {
  return {
    link: (portal) => repo.link(portal),
    unlink: (roomId, key) => repo.unlink(roomId, key),
    unlinkRoom: (roomId) => repo.unlinkRoom(roomId),
    byRoom: (roomId) => repo.byRoom(roomId),
    byRemote: (key) => repo.byRemote(key),
    list: (filter) => repo.list(filter),
    updateMetadata: (roomId, key, metadata) => repo.updateMetadata(roomId, key, metadata),
    async create<M extends object>(options: CreatePortalOptions<M>): Promise<Portal<M>> {
      const creator = options.creator ?? bot;
      const key: PortalKey = { network: options.network, remoteId: options.remoteId, kind: options.kind };
      const info = bridgeInfoState(bot.userId, key, options.bridgeInfo);
      const roomId: RoomId = await creator.createRoom({
        ...(options.alias !== undefined ? { aliasLocalpart: options.alias } : {}),
        ...(options.name !== undefined ? { name: options.name } : {}),
        ...(options.topic !== undefined ? { topic: options.topic } : {}),
        ...(options.invite?.length ? { invite: options.invite } : {}),
        ...(options.isDirect ? { isDirect: true } : {}),
        ...(options.powerLevels ? { powerLevelContentOverride: options.powerLevels } : {}),
        ...(options.roomVersion !== undefined ? { roomVersion: options.roomVersion } : {}),
        ...(options.creationContent ? { creationContent: options.creationContent } : {}),
        visibility: options.visibility ?? 'private',
        preset: options.preset ?? (options.isDirect ? 'trusted_private_chat' : options.alias !== undefined ? 'public_chat' : 'private_chat'),
        initialState: [
          ...BRIDGE_INFO_TYPES.map((type) => ({ type, stateKey: info.stateKey, content: info.content })),
          ...(options.initialState ?? []),
        ],
      });
      try {
        return await repo.link<M>({ roomId, ...key, metadata: options.metadata ?? ({} as M) });
      } catch (err) {
        throw new BridgeError('STORE_UNAVAILABLE', `Created room ${roomId} for ${key.kind} ${key.network} ${key.remoteId} but could not link it: ${errorMessage(err)}`, {
          cause: err, details: { roomId, ...key },
        });
      }
    },
  };
}

