/**
 * The moderation policy lists a bridge subscribes to (`moderation.policy_rooms`): the bot joins
 * each room, reads its whole state at start, and then follows the state events the homeserver
 * pushes (the bot is a member, so its rooms' events come to the bridge like any other). A
 * connector asks `ctx.moderation.isBanned(userId)` before it does anything for a Matrix user,
 * and `onChange` tells it when rules moved, so it can end what a new ban forbids.
 *
 * A list that cannot be joined or read (a remote server down, no invite) does not stop the
 * bridge: it is logged with the fix, retried with backoff, and /ready names it until it loads.
 */
import { Gauge, type Registry } from 'prom-client';
import type { MatrixEvent } from '../events';
import type { RoomId, UserId } from '../ids';
import type { Logger } from '../log/types';
import { errorMessage } from '../errors/bridge-error';
import { PolicyRuleSet, policyKindOf, type PolicyRule, type PolicyStateEvent } from './policy-rules';

/** What a connector sees of the subscribed lists (`ctx.moderation`). */
export interface ModerationPolicy {
  /** The `m.ban` rule of a subscribed list that bans this user (by user ID or server), or undefined. */
  isBanned(userId: UserId): PolicyRule | undefined;
  /** `listener` runs after any rule was added, replaced or removed; returns a function that unsubscribes. */
  onChange(listener: () => void): () => void;
}

/** How the lists reach the homeserver: as the bot. */
export interface PolicyRoomAccess {
  /** Joins a room ID or alias; answers the room ID. */
  join(room: string): Promise<RoomId>;
  /** Every state event of the room. */
  state(roomId: RoomId): Promise<PolicyStateEvent[]>;
}

/** The rooms to follow, how to reach them, and where to log and count. */
export interface PolicyListsOptions {
  /** Room IDs or aliases, as configured. */
  rooms: readonly string[];
  access: PolicyRoomAccess;
  log: Logger;
  /** Where the rule and availability gauges go (the bridge's registry). */
  registry?: Registry;
  /** First retry of a list that failed to load; doubles up to `retryCapMs`. */
  retryMs?: number;
  retryCapMs?: number;
  timers?: { setTimeout(fn: () => void, ms: number): unknown; clearTimeout(handle: unknown): void };
}

/** One configured list and where it stands. */
interface ListState {
  /** As configured (an alias stays an alias in logs and labels). */
  readonly configured: string;
  rules?: PolicyRuleSet;
  /** Pushed events that arrived while the room's state was being read, applied after it. */
  pending?: MatrixEvent[];
  loaded: boolean;
  problem?: string;
  attempts: number;
  retry?: unknown;
}

/** The core's subscriber to the configured policy rooms; the bridge hands it to connectors as `ctx.moderation`. */
export class PolicyLists implements ModerationPolicy {
  private readonly lists: ListState[];
  private readonly byRoom = new Map<string, ListState>();
  private readonly listeners = new Set<() => void>();
  private readonly rulesGauge?: Gauge<'list'>;
  private readonly unavailableGauge?: Gauge;
  private readonly timers: NonNullable<PolicyListsOptions['timers']>;
  private stopped = false;

  constructor(private readonly opts: PolicyListsOptions) {
    this.lists = [...new Set(opts.rooms)].map((configured) => ({ configured, loaded: false, attempts: 0 }));
    this.timers = opts.timers ?? { setTimeout: (fn, ms) => setTimeout(fn, ms).unref(), clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout) };
    if (opts.registry) {
      const registers = [opts.registry];
      this.rulesGauge = new Gauge({ name: 'bridgekit_policy_rules', help: 'Rules held from each subscribed moderation policy list', labelNames: ['list'] as const, registers });
      this.unavailableGauge = new Gauge({ name: 'bridgekit_policy_lists_unavailable', help: 'Subscribed moderation policy lists not (yet) joined and read', registers });
      this.unavailableGauge.set(this.lists.length);
    }
  }

  /** Joins and reads every list once; a list that fails is retried in the background. Never throws. */
  async start(): Promise<void> {
    await Promise.all(this.lists.map((list) => this.load(list)));
  }

  stop(): void {
    this.stopped = true;
    for (const list of this.lists) if (list.retry !== undefined) this.timers.clearTimeout(list.retry);
  }

  isBanned(userId: UserId): PolicyRule | undefined {
    for (const list of this.lists) {
      const rule = list.rules?.banOf(userId);
      if (rule) return rule;
    }
    return undefined;
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * A pushed event: policy rule state and redactions in a subscribed room change the rules at
   * once (synchronously, before the transaction is acknowledged and before later events run).
   */
  observe(event: MatrixEvent): void {
    const list = this.byRoom.get(event.roomId);
    if (!list?.rules) return;
    const isRule = policyKindOf(event.type) !== undefined && event.stateKey !== undefined;
    const isRedaction = event.type === 'm.room.redaction';
    if (!isRule && !isRedaction) return;
    if (list.pending) {
      list.pending.push(event);
      return;
    }
    if (this.applyOne(list, list.rules, event)) this.changed();
  }

  /** For /ready: every list loaded, and each list's state. */
  readiness(): { ready: boolean; details: Record<string, string> } {
    const details: Record<string, string> = {};
    for (const list of this.lists) {
      const n = list.rules?.size ?? 0;
      details[list.configured] = list.loaded ? `${n} ${n === 1 ? 'rule' : 'rules'}` : `not loaded: ${list.problem ?? 'loading'}`;
    }
    return { ready: this.lists.every((l) => l.loaded), details };
  }

  private async load(list: ListState): Promise<void> {
    const log = this.opts.log;
    list.attempts++;
    try {
      const roomId = await this.opts.access.join(list.configured);
      const rules = this.byRoom.get(roomId)?.rules ?? new PolicyRuleSet(roomId);
      list.rules = rules;
      list.pending = [];
      this.byRoom.set(roomId, list);
      let state: PolicyStateEvent[];
      try {
        state = await this.opts.access.state(roomId);
      } catch (err) {
        list.pending = undefined;
        throw err;
      }
      rules.replaceAll(state);
      // What was pushed while the state was read is at least as new as it: apply it on top.
      const pushed = list.pending;
      list.pending = undefined;
      for (const event of pushed) this.applyOne(list, rules, event);
      list.loaded = true;
      list.problem = undefined;
      list.attempts = 0;
      log.info('Moderation policy list loaded', { list: list.configured, roomId, rules: rules.size });
      this.changed();
    } catch (err) {
      list.problem = errorMessage(err);
      const delay = Math.min((this.opts.retryMs ?? 30_000) * 2 ** (list.attempts - 1), this.opts.retryCapMs ?? 600_000);
      log.error('Cannot read a moderation policy list; its bans are not applied until it loads. Check that the room exists and the bridge bot may join it (invite it for an invite-only room)', {
        list: list.configured, error: list.problem, retryInSeconds: Math.round(delay / 1000),
      });
      this.updateGauges();
      if (!this.stopped) list.retry = this.timers.setTimeout(() => { list.retry = undefined; void this.load(list); }, delay);
    }
  }

  private applyOne(list: ListState, rules: PolicyRuleSet, event: MatrixEvent): boolean {
    if (event.type === 'm.room.redaction') {
      const redacts = event.redacts ?? (typeof event.content.redacts === 'string' ? event.content.redacts : undefined);
      const removed = redacts !== undefined && rules.redact(redacts);
      if (removed) this.opts.log.info('Moderation policy rule removed (redacted)', { list: list.configured, redacted: redacts, by: event.sender });
      return removed;
    }
    const changed = rules.apply(event);
    if (changed) {
      const entity = event.content.entity;
      this.opts.log.info(typeof entity === 'string' && entity ? 'Moderation policy rule set' : 'Moderation policy rule removed', {
        list: list.configured, type: event.type, stateKey: event.stateKey, entity, recommendation: event.content.recommendation, by: event.sender,
      });
    }
    return changed;
  }

  private changed(): void {
    this.updateGauges();
    for (const listener of this.listeners) {
      try {
        listener();
      } catch (err) {
        this.opts.log.error('A moderation policy listener failed', { error: errorMessage(err) });
      }
    }
  }

  private updateGauges(): void {
    for (const list of this.lists) this.rulesGauge?.set({ list: list.configured }, list.rules?.size ?? 0);
    this.unavailableGauge?.set(this.lists.filter((l) => !l.loaded).length);
  }
}
