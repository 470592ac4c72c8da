/**
 * What the bridge remembers about each bridged message, in the core's message mapping, so a
 * later Matrix reply, edit or redaction can be rendered for IRC (IRC has no message IDs to
 * point at; most servers have no msgid):
 *   - `ref <json>`: who said it on IRC (the nick) and its first words — the first mapping of an
 *     event, which `remoteIdOf` returns;
 *   - `msgid <id>`, under the pseudo-network `<network> msgid`: the IRCv3 msgid when the server
 *     gave one (an IRC line's own, or the echo of a line we sent), looked up both ways: msgid →
 *     event for IRC replies, event → msgid for Matrix replies sent as `+draft/reply`.
 * The core prunes old mappings; a reply to a pruned message is shown without a quote.
 */
import type { BridgeStore, EventId, RoomId } from '@bridgekit/appservice';
import type { NetworkId } from '../mapping/ids';

export interface MessageRef {
  /** The IRC nick the message is from (a ghost's nick, or the puppet's nick for Matrix users). */
  nick: string;
  /** The start of the message as plain text. */
  excerpt: string;
}

/** Long enough for any configured quote length; keeps rows small. */
const MAX_EXCERPT = 400;

export class MessageRefs {
  constructor(private readonly store: BridgeStore) {}

  async remember(entry: { roomId: RoomId; eventId: EventId; network: NetworkId; nick: string; text: string; msgid?: string }): Promise<void> {
    const ref: MessageRef = { nick: entry.nick, excerpt: Array.from(entry.text.replace(/\s+/g, ' ').trim()).slice(0, MAX_EXCERPT).join('') };
    // The event ID keeps the remote ID unique (the store's key is network + remote ID).
    await this.store.messages.put({ roomId: entry.roomId, eventId: entry.eventId, network: entry.network, remoteId: `ref ${JSON.stringify([entry.eventId, ref.nick, ref.excerpt])}` });
    if (entry.msgid) await this.store.messages.put({ roomId: entry.roomId, eventId: entry.eventId, network: msgidNamespace(entry.network), remoteId: `msgid ${entry.msgid}` });
  }

  /** The IRCv3 msgid of a bridged message, when the server gave it one. */
  async msgidOf(eventId: EventId, network: NetworkId): Promise<string | undefined> {
    const remoteId = await this.store.messages.remoteIdOf(eventId, msgidNamespace(network));
    return remoteId?.startsWith('msgid ') ? remoteId.slice('msgid '.length) : undefined;
  }

  async lookup(eventId: EventId, network: NetworkId): Promise<MessageRef | undefined> {
    const remoteId = await this.store.messages.remoteIdOf(eventId, network);
    if (!remoteId?.startsWith('ref ')) return undefined;
    try {
      const [, nick, excerpt] = JSON.parse(remoteId.slice(4)) as [string, string, string];
      return typeof nick === 'string' && typeof excerpt === 'string' ? { nick, excerpt } : undefined;
    } catch {
      return undefined; // not written by this version: no quote rather than a broken one
    }
  }

  async eventOfMsgid(network: NetworkId, msgid: string): Promise<EventId | undefined> {
    // Rows written before msgids had their own namespace sit under the network itself.
    return (await this.store.messages.eventIdOf(msgidNamespace(network), `msgid ${msgid}`)) ?? this.store.messages.eventIdOf(network, `msgid ${msgid}`);
  }
}

/** A separate key space, so an event's first mapping under the network stays its `ref`. */
function msgidNamespace(network: NetworkId): string {
  return `${network} msgid`;
}
