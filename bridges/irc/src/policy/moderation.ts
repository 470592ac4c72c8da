/**
 * The core's moderation policy lists (`ctx.moderation`) applied to IRC: a Matrix user an `m.ban`
 * rule matches (their user ID, or their server) gets no IRC connection. Their messages are not
 * said, their joins not made, they are told once per ban, and a connection open when the ban
 * arrives is QUIT. Ghosts are never judged here: the lists are about Matrix users.
 */
import type { BridgeContext, Logger, PolicyRule, UserId } from '@bridgekit/appservice';
import type { IrcMetrics } from '../metrics';
import type { IrcNetwork } from '../network/network';

/** The one sentence a banned user is told (once per ban). */
export const BANNED_NOTICE = 'Nothing you say here reaches IRC: you are banned from using this bridge by a moderation list; ask its moderators if you think this is a mistake.';

/** What the bridge refused a banned user: the label of the refusals metric. */
export type RefusedAction = 'message' | 'join' | 'connect' | 'private_chat' | 'quit';

/** Users remembered as told (and as logged); past this the oldest are forgotten (told again at worst). */
const MAX_REMEMBERED = 10_000;

export interface ModerationGateDeps {
  readonly ctx: Pick<BridgeContext, 'moderation' | 'isBridgeUser'>;
  readonly log: Logger;
  readonly metrics: Pick<IrcMetrics, 'policyRefusals'>;
  readonly networks: () => IrcNetwork[];
}

export class ModerationGate {
  /** User → the event ID of the rule they were told about: a new rule (a re-ban) tells again. */
  private readonly told = new Map<UserId, string>();
  /** User → the rule their refusals were last logged with at info (the rest go to debug). */
  private readonly logged = new Map<UserId, string>();
  private unsubscribe?: () => void;

  constructor(private readonly deps: ModerationGateDeps) {}

  /**
   * The rule banning this Matrix user, with the refusal logged (the rule, for admins) and
   * counted; undefined when they may use the bridge. The bridge's own users are never banned here.
   */
  refuse(userId: UserId, action: Exclude<RefusedAction, 'quit'>): PolicyRule | undefined {
    if (this.deps.ctx.isBridgeUser(userId)) return undefined;
    const rule = this.deps.ctx.moderation.isBanned(userId);
    if (!rule) return undefined;
    this.deps.metrics.policyRefusals.inc({ action });
    const first = this.logged.get(userId) !== rule.eventId;
    if (first) remember(this.logged, userId, rule.eventId);
    this.deps.log[first ? 'info' : 'debug']('Refused a Matrix user banned by a moderation policy list', { userId, action, ...describe(rule) });
    return rule;
  }

  /** Whether to tell the user about `rule` now: true once per user and rule. */
  shouldTell(userId: UserId, rule: PolicyRule): boolean {
    if (this.told.get(userId) === rule.eventId) return false;
    remember(this.told, userId, rule.eventId);
    return true;
  }

  /** Follows the lists: at every change, users banned now lose their IRC connections. Idempotent. */
  watch(): void {
    this.unsubscribe ??= this.deps.ctx.moderation.onChange(() => this.enforce());
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }

  /** QUITs every open connection of a now-banned user; forgets who was told about a lifted ban. */
  enforce(): void {
    const { moderation } = this.deps.ctx;
    for (const userId of [...this.told.keys()]) if (!moderation.isBanned(userId)) this.told.delete(userId);
    for (const userId of [...this.logged.keys()]) if (!moderation.isBanned(userId)) this.logged.delete(userId);
    for (const network of this.deps.networks()) {
      for (const puppet of [...network.puppets.all()]) {
        const state = puppet.connection.state;
        if (state === 'idle' || state === 'stopped') continue;
        const rule = moderation.isBanned(puppet.userId);
        if (!rule || this.deps.ctx.isBridgeUser(puppet.userId)) continue;
        this.deps.metrics.policyRefusals.inc({ action: 'quit' });
        this.deps.log.info('Closing the IRC connection of a Matrix user a moderation policy list now bans', {
          userId: puppet.userId, network: network.id, ...describe(rule),
        });
        network.puppets.disconnect(puppet.userId, 'Banned from this bridge by a moderation list').catch((error: Error) => {
          this.deps.log.warn('Could not close the IRC connection of a banned user', { userId: puppet.userId, network: network.id, error: error.message });
        });
      }
    }
  }
}

/** What an admin needs to find the rule: its list, entity, kind and reason. */
function describe(rule: PolicyRule): Record<string, string> {
  return { list: rule.roomId, rule: rule.eventId, kind: rule.kind, entity: rule.entity, reason: rule.reason };
}

function remember(map: Map<UserId, string>, userId: UserId, value: string): void {
  map.delete(userId);
  map.set(userId, value);
  if (map.size > MAX_REMEMBERED) map.delete(map.keys().next().value as UserId);
}
