/**
 * What the bridge remembers about each bridged message, as one typed message link in the core's
 * store, so a later Matrix reply, edit or redaction can be rendered for IRC (IRC has no message
 * IDs to point at; most servers have no msgid): who said it on IRC (the nick, the link's sender),
 * its first words (the excerpt), and the IRCv3 msgid when the server gave one (an IRC line's own,
 * or the echo of a line we sent) as the link's remote ID, looked up both ways: msgid → event for
 * IRC replies, event → msgid for Matrix replies sent as `+draft/reply`.
 * The core prunes old links; a reply to a pruned message is shown without a quote.
 */
import type { BridgeStore, EventId, Logger, RoomId } from '@bridgekit/appservice';
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
  constructor(private readonly store: Pick<BridgeStore, 'messages'>) {}

  async remember(entry: { roomId: RoomId; eventId: EventId; network: NetworkId; nick: string; text: string; msgid?: string }): Promise<void> {
    const excerpt = excerptOf(entry.text);
    await this.store.messages.put({
      roomId: entry.roomId, eventId: entry.eventId, network: entry.network, sender: entry.nick, excerpt,
      ...(entry.msgid ? { remoteId: entry.msgid } : {}),
    });
  }

  /**
   * `remember` without holding the caller (the room's turn): the store commits the link with the
   * writes near it, a few milliseconds later, and a lookup meanwhile already finds it. A link that
   * could not be stored only costs a later reply its quote, so the failure is logged, not thrown.
   */
  note(entry: Parameters<MessageRefs['remember']>[0], log: Logger): void {
    this.remember(entry).catch((err: unknown) => {
      log.warn('Could not remember a bridged message; a reply to it will show without a quote', { eventId: entry.eventId, error: err instanceof Error ? err.message : String(err) });
    });
  }

  /** The IRCv3 msgid of a bridged message, when the server gave it one. */
  msgidOf(eventId: EventId, network: NetworkId): Promise<string | undefined> {
    return this.store.messages.remoteIdOf(eventId, network);
  }

  /** Who said the message on IRC and how it began: the event's first link that knows. */
  async lookup(eventId: EventId, network: NetworkId): Promise<MessageRef | undefined> {
    const link = (await this.store.messages.linksOf(eventId, network)).find((l) => l.sender !== undefined);
    return link?.sender !== undefined ? { nick: link.sender, excerpt: link.excerpt ?? '' } : undefined;
  }

  eventOfMsgid(network: NetworkId, msgid: string): Promise<EventId | undefined> {
    return this.store.messages.eventIdOf(network, msgid);
  }
}

/**
 * The text on one line, at most MAX_EXCERPT code points. Runs once per bridged line: a short
 * single-spaced line (the usual chat line) is taken as it is, without splitting it into code points.
 */
export function excerptOf(text: string): string {
  // Only whitespace other than single inner spaces needs the rewrite: [^\S ] is any whitespace but ' '.
  const flat = /[^\S ]| {2}|^ | $/.test(text) ? text.replace(/\s+/g, ' ').trim() : text;
  // Code units bound code points from above: a text this short holds no more code points than allowed.
  return flat.length <= MAX_EXCERPT ? flat : Array.from(flat).slice(0, MAX_EXCERPT).join('');
}
