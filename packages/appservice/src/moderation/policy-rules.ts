/**
 * The rules of one moderation policy list (a Matrix room of `m.policy.rule.*` state events),
 * kept as the room's state is: one rule per (event type, state key), replaced by a newer event
 * with the same key and removed by one with empty content or by a redaction. Pure: no I/O, so
 * the loader and the pushed events go through the same few lines.
 */
import type { UserId } from '../ids';
import { serverNameOf } from '../ids';

/** What a rule is about: a user ID glob, a server name glob, or a room ID/alias glob. */
export type PolicyEntityKind = 'user' | 'server' | 'room';

/** One rule of a list, as its state event says it. */
export interface PolicyRule {
  kind: PolicyEntityKind;
  /** The glob as written: `*` any run of characters, `?` exactly one. */
  entity: string;
  /** `m.ban` is the only one the spec defines; rules with others are kept but never match a ban. */
  recommendation: string;
  reason: string;
  /** The policy room the rule came from. */
  roomId: string;
  /** The state event that set it (a redaction of it removes the rule). */
  eventId: string;
}

// The spec's types, plus the two names earlier lists were published under (the spec asks
// consumers to read those too, since long-lived lists still carry them).
const TYPE_KINDS: ReadonlyMap<string, PolicyEntityKind> = new Map([
  ...(['user', 'server', 'room'] as const).flatMap((kind) => [
    [`m.policy.rule.${kind}`, kind],
    [`m.room.rule.${kind}`, kind],
    [`org.matrix.mjolnir.rule.${kind}`, kind],
  ] as const),
]);

/** The entity kind of a policy rule event type, or undefined for any other type. */
export function policyKindOf(type: string): PolicyEntityKind | undefined {
  return TYPE_KINDS.get(type);
}

/** A state event of a policy room, as far as the rules need it. */
export interface PolicyStateEvent {
  type: string;
  stateKey?: string;
  eventId: string;
  content: Record<string, unknown>;
}

/** The rules of one policy room, slot by slot as its state holds them; `banOf` answers the ban of a user. */
export class PolicyRuleSet {
  /** By `${type}\u0000${stateKey}`: the slot a newer event of the same key replaces. */
  private readonly rules = new Map<string, PolicyRule & { matches: (value: string) => boolean }>();
  /** Event ID → slot, so a redaction finds what it removes. */
  private readonly slotOfEvent = new Map<string, string>();

  constructor(readonly roomId: string) {}

  get size(): number {
    return this.rules.size;
  }

  /**
   * Applies one state event of the room; returns whether the rules changed. Content without a
   * string `entity` and `recommendation` (the spec's way to remove a rule is empty content)
   * clears the slot.
   */
  apply(event: PolicyStateEvent): boolean {
    const kind = policyKindOf(event.type);
    if (!kind || event.stateKey === undefined) return false;
    const slot = `${event.type}\u0000${event.stateKey}`;
    const { entity, recommendation, reason } = event.content;
    const had = this.remove(slot);
    if (typeof entity !== 'string' || !entity || typeof recommendation !== 'string') return had;
    const matches = compileGlob(entity, kind === 'server' ? 'fold' : 'exact');
    this.rules.set(slot, {
      kind, entity, recommendation, reason: typeof reason === 'string' ? reason : '', roomId: this.roomId, eventId: event.eventId, matches,
    });
    this.slotOfEvent.set(event.eventId, slot);
    return true;
  }

  /** A redaction of the event that set a rule removes the rule (its content is gone). */
  redact(eventId: string): boolean {
    const slot = this.slotOfEvent.get(eventId);
    return slot !== undefined && this.remove(slot);
  }

  /** Replaces every rule with the room's full state (after a (re)load). */
  replaceAll(events: readonly PolicyStateEvent[]): void {
    this.rules.clear();
    this.slotOfEvent.clear();
    for (const event of events) this.apply(event);
  }

  /**
   * The first `m.ban` rule that bans the user: a user rule matching the whole user ID, or a
   * server rule matching its server name.
   */
  banOf(userId: UserId): PolicyRule | undefined {
    const server = serverNameOf(userId);
    // A rule for `example.org` covers `example.org:8448` too: the port names no other server.
    const host = server.replace(/:\d+$/, '');
    for (const rule of this.rules.values()) {
      if (rule.recommendation !== 'm.ban') continue;
      if ((rule.kind === 'user' && rule.matches(userId)) || (rule.kind === 'server' && (rule.matches(server) || rule.matches(host)))) {
        const { matches: _, ...plain } = rule;
        return plain;
      }
    }
    return undefined;
  }

  private remove(slot: string): boolean {
    const old = this.rules.get(slot);
    if (!old) return false;
    this.rules.delete(slot);
    this.slotOfEvent.delete(old.eventId);
    return true;
  }
}

/**
 * A policy glob as a whole-value matcher. User IDs are compared as written (they are
 * case-sensitive on the wire); server names ignore case, as DNS does.
 */
export function compileGlob(glob: string, caseMode: 'exact' | 'fold'): (value: string) => boolean {
  const source = [...glob].map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\/]/g, '\\$&'))).join('');
  const re = new RegExp(`^${source}$`, caseMode === 'fold' ? 'isu' : 'su');
  return (value) => re.test(value);
}
