/**
 * What the bridge remembers about each bridged message, in the core's message mapping, so a
 * later Matrix reply, edit or redaction can be rendered for IRC (IRC has no message IDs to
 * point at; most servers have no msgid):
 *   - `ref <json>`: who said it on IRC (the nick) and its first words — the first mapping of an
 *     event, which `remoteIdOf` returns;
 *   - `msgid <id>`: the IRCv3 msgid when the server sent one, for the reverse lookup.
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
    if (entry.msgid) await this.store.messages.put({ roomId: entry.roomId, eventId: entry.eventId, network: entry.network, remoteId: `msgid ${entry.msgid}` });
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

  eventOfMsgid(network: NetworkId, msgid: string): Promise<EventId | undefined> {
    return this.store.messages.eventIdOf(network, `msgid ${msgid}`);
  }
}
