/**
 * /sync long-polling for one test user, turned into "wait until an event like this shows up".
 * Every event the user has seen since its first sync is kept (bounded), so a wait also finds an
 * event that arrived before the wait started — tests need not race to subscribe first.
 */
import { MatrixApiError } from './matrix-http';
import { WaitTimeoutError, delay } from './wait';

/** A room event in the client-server wire format, with `room_id` filled in from the sync section. */
export interface MatrixEvent {
  event_id: string;
  room_id: string;
  type: string;
  sender: string;
  origin_server_ts: number;
  content: Record<string, unknown>;
  state_key?: string;
  unsigned?: Record<string, unknown>;
  redacts?: string;
}

/** A stripped state event from an invite (no event_id). */
export interface StrippedStateEvent {
  type: string;
  sender: string;
  state_key: string;
  content: Record<string, unknown>;
}

export interface ReceivedInvite {
  roomId: string;
  /** Who sent the invite, from the invitee's m.room.member stripped state, when present. */
  inviter: string | undefined;
  state: StrippedStateEvent[];
}

interface RoomEventsSection {
  timeline?: { events?: Array<Omit<MatrixEvent, 'room_id'>> };
  state?: { events?: Array<Omit<MatrixEvent, 'room_id'>> };
}

export interface SyncResponse {
  next_batch: string;
  rooms?: {
    join?: Record<string, RoomEventsSection>;
    leave?: Record<string, RoomEventsSection>;
    invite?: Record<string, { invite_state?: { events?: StrippedStateEvent[] } }>;
  };
}

export type SyncFetcher = (since: string | undefined, timeoutMs: number) => Promise<SyncResponse>;

/** A point in a client's event history; a wait with `after` ignores what was seen before it. */
export type SyncPosition = number;

/** More than any scenario produces; the bound only keeps a runaway test from eating memory. */
const MAX_KEPT_EVENTS = 10_000;
/** Long-poll slice: a wait re-checks its deadline at least this often. */
const MAX_POLL_MS = 5_000;

export class SyncTracker {
  private since: string | undefined;
  private inFlight: Promise<void> | undefined;
  private readonly events: MatrixEvent[] = [];
  /** Absolute position of events[0]; grows when old events are dropped. */
  private firstPosition = 0;
  private readonly invites: ReceivedInvite[] = [];

  constructor(
    private readonly fetchSync: SyncFetcher,
    private readonly userId: string,
  ) {}

  /** The current end of the history, after catching up once; pass it as `after` to a later wait. */
  async position(): Promise<SyncPosition> {
    await this.syncOnce(0);
    return this.firstPosition + this.events.length;
  }

  async waitForEvent(roomId: string, predicate: (event: MatrixEvent) => boolean, timeoutMs: number, after: SyncPosition = 0): Promise<MatrixEvent> {
    return this.waitFor(`an event in ${roomId} matching ${predicate.toString()} (as ${this.userId})`, timeoutMs, () =>
      this.events.find((event, index) => this.firstPosition + index >= after && event.room_id === roomId && predicate(event)),
    );
  }

  async waitForInvite(predicate: (invite: ReceivedInvite) => boolean, timeoutMs: number): Promise<ReceivedInvite> {
    return this.waitFor(`an invite for ${this.userId} matching ${predicate.toString()}`, timeoutMs, () => this.invites.find(predicate));
  }

  private async waitFor<T>(what: string, timeoutMs: number, find: () => T | undefined): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let lastError: Error | undefined;
    for (;;) {
      const found = find();
      if (found !== undefined) return found;
      const remaining = deadline - Date.now();
      if (remaining <= 0) {
        const detail = this.describeRecent() + (lastError ? `\nlast /sync error: ${lastError.message}` : '');
        throw new WaitTimeoutError(what, timeoutMs, detail);
      }
      try {
        await this.syncOnce(Math.min(remaining, MAX_POLL_MS));
        lastError = undefined;
      } catch (err) {
        // A homeserver restarting mid-scenario refuses connections for a few seconds; keep
        // waiting until the deadline. Anything the homeserver itself refuses is a real error.
        if (!isTransient(err)) throw err;
        lastError = err as Error;
        await delay(Math.min(250, Math.max(0, deadline - Date.now())));
      }
    }
  }

  /** One /sync; concurrent callers share the request in flight. The first sync returns at once. */
  private syncOnce(pollMs: number): Promise<void> {
    if (!this.inFlight) {
      this.inFlight = this.fetchSync(this.since, this.since === undefined ? 0 : pollMs)
        .then((response) => this.ingest(response))
        .finally(() => {
          this.inFlight = undefined;
        });
    }
    return this.inFlight;
  }

  private ingest(response: SyncResponse): void {
    this.since = response.next_batch;
    for (const section of [response.rooms?.join, response.rooms?.leave]) {
      for (const [roomId, room] of Object.entries(section ?? {})) {
        for (const event of [...(room.state?.events ?? []), ...(room.timeline?.events ?? [])]) {
          this.events.push({ ...event, room_id: roomId });
        }
      }
    }
    for (const [roomId, invite] of Object.entries(response.rooms?.invite ?? {})) {
      const state = invite.invite_state?.events ?? [];
      const membership = state.find((e) => e.type === 'm.room.member' && e.state_key === this.userId);
      this.invites.push({ roomId, inviter: membership?.sender, state });
    }
    const excess = this.events.length - MAX_KEPT_EVENTS;
    if (excess > 0) {
      this.events.splice(0, excess);
      this.firstPosition += excess;
    }
  }

  /** The last few events seen, for timeout messages: usually shows what arrived instead. */
  private describeRecent(): string {
    const recent = this.events.slice(-10).map((e) => `  ${e.room_id} ${e.type} from ${e.sender}: ${JSON.stringify(e.content).slice(0, 200)}`);
    return recent.length > 0 ? `last events seen by ${this.userId}:\n${recent.join('\n')}` : `${this.userId} has seen no events`;
  }
}

/** Connection refused/reset or a 5xx while the homeserver restarts; 4xx answers are real errors. */
function isTransient(err: unknown): boolean {
  if (err instanceof MatrixApiError) return err.status >= 500;
  return err instanceof Error && (err.name === 'TypeError' || err.name === 'TimeoutError' || err.name === 'AbortError');
}
