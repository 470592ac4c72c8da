/**
 * "This bridge does not carry that": said by the core for a connector without the capability, so
 * a user who edits, reacts or deletes is not left believing the other side saw it. Said at most
 * once per room and kind per window (a room of people reacting all day gets one notice an hour,
 * not one per reaction), and every unsupported event is counted either way.
 */
import { LruMap } from '../cache/lru-map';
import type { Counter } from 'prom-client';
import type { MatrixEvent } from '../events';
import type { RoomId } from '../ids';
import type { UnsupportedKind } from './route';

/** What the sender reads, per kind: what did not happen on the other side. */
export const UNSUPPORTED_SENTENCES: Readonly<Record<UnsupportedKind, string>> = {
  message: 'Messages of this kind are not bridged from this room, so the other side did not see yours.',
  edit: 'Edits are not bridged, so the other side still sees your original message.',
  reaction: 'Reactions are not bridged, so the other side did not see yours.',
  redaction: 'Deleting a message is not bridged, so it stays visible on the other side.',
  encryption: 'This bridge cannot read encrypted messages, so nothing said here is bridged while the room is encrypted.',
};

export interface UnsupportedNoticesDeps {
  /** Says `text` to the event's sender in its room. */
  tell(event: MatrixEvent, text: string): Promise<void>;
  now(): number;
  /** How long one notice covers a room and kind. */
  windowMs: number;
  /** How many (room, kind) pairs are remembered: bounds memory; the oldest is forgotten first. */
  maxRooms: number;
  /** kind, outcome: told | quiet | failed. */
  counter?: Counter<'kind' | 'outcome'>;
  onTellFailed(event: MatrixEvent, error: unknown): void;
}

export class UnsupportedNotices {
  private readonly lastTold: LruMap<string, number>;

  constructor(private readonly deps: UnsupportedNoticesDeps) {
    this.lastTold = new LruMap(deps.maxRooms);
  }

  /** Never throws: a notice that cannot be sent is logged, and the event is still done. */
  async answer(event: MatrixEvent, kind: UnsupportedKind): Promise<void> {
    const key = pairKey(event.roomId, kind);
    const now = this.deps.now();
    const last = this.lastTold.get(key);
    if (last !== undefined && now - last < this.deps.windowMs) {
      this.deps.counter?.inc({ kind, outcome: 'quiet' });
      return;
    }
    // Set before sending: a second event of the room waits for this one anyway (room queue), and a
    // failed send is not worth a notice per following event either.
    this.lastTold.set(key, now);
    try {
      await this.deps.tell(event, UNSUPPORTED_SENTENCES[kind]);
      this.deps.counter?.inc({ kind, outcome: 'told' });
    } catch (error) {
      this.deps.counter?.inc({ kind, outcome: 'failed' });
      this.deps.onTellFailed(event, error);
    }
  }
}

function pairKey(roomId: RoomId, kind: UnsupportedKind): string {
  return `${kind} ${roomId}`;
}
