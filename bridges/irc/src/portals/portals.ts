/**
 * Room ↔ IRC mappings, kept in the core store so restarts keep them. Two kinds share the
 * store's room links, told apart by their remote ID:
 *   - a channel portal: remote ID = the casefolded channel (`#matrix`);
 *   - a private chat: remote ID = `pm <matrix user> <casefolded nick>` (no channel starts with "pm ").
 * One channel may be linked to several rooms (an alias portal and a plumbed room): messages fan
 * out to all of them.
 */
import type { BridgeStore, RoomId, RoomLink, UserId } from '@bridgekit/appservice';
import type { IrcChannel, IrcNick, NetworkId } from '../mapping/ids';

export type PortalOrigin = 'alias' | 'static' | 'provisioning';

export interface ChannelPortal {
  roomId: RoomId;
  network: NetworkId;
  /** As first seen (case kept), for JOIN and display. */
  channel: IrcChannel;
  key?: string;
  origin: PortalOrigin;
}

export interface PrivateChat {
  roomId: RoomId;
  network: NetworkId;
  /** The Matrix user whose puppet talks in this conversation. */
  userId: UserId;
  /** The IRC user on the other side. */
  nick: IrcNick;
}

/** What the portals need from a network: its identity and its casefolding. */
export interface NetworkNames {
  readonly id: NetworkId;
  fold(name: string): string;
}

interface ChannelData { kind: 'channel'; channel: string; key?: string; origin: PortalOrigin; meta?: Record<string, string> }
interface PrivateData { kind: 'pm'; userId: string; nick: string }

export class Portals {
  constructor(private readonly store: BridgeStore) {}

  roomsForChannel(network: NetworkNames, channel: string): RoomId[] {
    return this.store.rooms.roomsOf(network.id, network.fold(channel)).map((l) => l.roomId);
  }

  channelsOfRoom(roomId: RoomId): ChannelPortal[] {
    return this.store.rooms.remotesOf(roomId).flatMap((link) => {
      const portal = toChannel(link);
      return portal ? [portal] : [];
    });
  }

  /** Every channel portal of a network (the bot joins them at start-up). */
  channels(network: NetworkId): ChannelPortal[] {
    return this.store.rooms.list(network).flatMap((link) => {
      const portal = toChannel(link);
      return portal ? [portal] : [];
    });
  }

  /** `meta`: who made the link and how (kept in the store for audits, e.g. linkedBy/approvedBy). */
  linkChannel(roomId: RoomId, network: NetworkNames, channel: IrcChannel, options: { origin: PortalOrigin; key?: string; meta?: Record<string, string> }): ChannelPortal {
    const data: ChannelData = {
      kind: 'channel', channel, origin: options.origin,
      ...(options.key !== undefined ? { key: options.key } : {}), ...(options.meta ? { meta: options.meta } : {}),
    };
    this.store.rooms.link(roomId, { network: network.id, remoteId: network.fold(channel), data: { ...data } });
    return { roomId, network: network.id, channel, origin: options.origin, ...(options.key !== undefined ? { key: options.key } : {}) };
  }

  unlinkChannel(roomId: RoomId, network: NetworkNames, channel: string): boolean {
    return this.store.rooms.unlink(roomId, network.id, network.fold(channel));
  }

  /** The channel's key changed (+k/-k on IRC): every room linked to it joins with the new one. */
  setChannelKey(network: NetworkNames, channel: string, key: string | undefined): void {
    for (const link of this.store.rooms.roomsOf(network.id, network.fold(channel))) {
      const { key: _old, ...rest } = link.data as Partial<ChannelData>;
      this.store.rooms.updateData(link.roomId, link.network, link.remoteId, key === undefined ? rest : { ...rest, key });
    }
  }

  privateChatOfRoom(roomId: RoomId): PrivateChat | undefined {
    for (const link of this.store.rooms.remotesOf(roomId)) {
      const chat = toPrivate(link);
      if (chat) return chat;
    }
    return undefined;
  }

  privateChatRoom(network: NetworkNames, userId: UserId, nick: string): RoomId | undefined {
    return this.store.rooms.roomsOf(network.id, privateRemoteId(network, userId, nick))[0]?.roomId;
  }

  linkPrivateChat(roomId: RoomId, network: NetworkNames, userId: UserId, nick: IrcNick): PrivateChat {
    const data: PrivateData = { kind: 'pm', userId, nick };
    this.store.rooms.link(roomId, { network: network.id, remoteId: privateRemoteId(network, userId, nick), data: { ...data } });
    return { roomId, network: network.id, userId, nick };
  }

  /** Is this room bridged at all (a channel portal or a private chat)? */
  isBridged(roomId: RoomId): boolean {
    return this.store.rooms.remotesOf(roomId).length > 0;
  }
}

function privateRemoteId(network: NetworkNames, userId: UserId, nick: string): string {
  return `pm ${userId} ${network.fold(nick)}`;
}

function toChannel(link: RoomLink): ChannelPortal | undefined {
  const data = link.data as Partial<ChannelData>;
  if (data.kind !== 'channel' || typeof data.channel !== 'string') return undefined;
  return {
    roomId: link.roomId,
    network: link.network as NetworkId,
    channel: data.channel as IrcChannel,
    origin: data.origin ?? 'alias',
    ...(typeof data.key === 'string' ? { key: data.key } : {}),
  };
}

function toPrivate(link: RoomLink): PrivateChat | undefined {
  const data = link.data as Partial<PrivateData>;
  if (data.kind !== 'pm' || typeof data.userId !== 'string' || typeof data.nick !== 'string') return undefined;
  return { roomId: link.roomId, network: link.network as NetworkId, userId: data.userId as UserId, nick: data.nick as IrcNick };
}
