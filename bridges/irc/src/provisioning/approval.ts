/**
 * Chanop approval for links: the bridge bot asks an operator of the channel, in a private
 * message, whether a Matrix room may be bridged to it, and waits for "yes" or "no". Only the
 * asked nick's answer counts, and only while it is still an operator of the channel (checked
 * again when the answer arrives: ops can lose @ while a request waits).
 *
 * The connector passes the bot's private messages to `handlePrivateMessage`. One request per op
 * at a time (otherwise "yes" would be ambiguous) and a bridge-wide bound keep the state small.
 */
import type { Logger, RoomId, UserId } from '@bridgekit/appservice';
import type { Clock } from '../irc';
import type { IrcChannel, IrcNick, NetworkId } from '../mapping';
import { ProvisioningError } from './errors';

export type ApprovalResult = 'approved' | 'denied' | 'timeout';

export interface ApprovalRequest {
  network: NetworkId;
  channel: IrcChannel;
  opNick: IrcNick;
  roomId: RoomId;
  userId: UserId;
}

export interface ApprovalBrokerOptions {
  send(network: NetworkId, nick: IrcNick, text: string): Promise<void>;
  isOperator(network: NetworkId, channel: IrcChannel, nick: IrcNick): Promise<boolean>;
  /** Casefolds a nick the way the network does (for matching the answer's sender). */
  fold(network: NetworkId, nick: string): string;
  clock: Clock;
  /** How long the op has to answer (default 5 minutes). */
  timeoutMs?: number;
  /** Requests waiting at once, bridge-wide (default 50). */
  maxPending?: number;
  log?: Logger;
}

interface Pending {
  request: ApprovalRequest;
  settle(result: ApprovalResult): void;
}

const YES = new Set(['yes', 'y']);
const NO = new Set(['no', 'n']);

export class ApprovalBroker {
  private readonly pending = new Map<string, Pending>();
  private readonly timeoutMs: number;
  private readonly maxPending: number;

  constructor(private readonly options: ApprovalBrokerOptions) {
    this.timeoutMs = options.timeoutMs ?? 5 * 60_000;
    this.maxPending = options.maxPending ?? 50;
  }

  get size(): number {
    return this.pending.size;
  }

  /** Requests waiting for an answer that would add a link to `roomId`. */
  pendingForRoom(roomId: RoomId): number {
    let count = 0;
    for (const p of this.pending.values()) if (p.request.roomId === roomId) count++;
    return count;
  }

  /** Asks the op and resolves with their answer, or 'timeout'. */
  async request(request: ApprovalRequest): Promise<ApprovalResult> {
    const key = this.key(request.network, request.opNick);
    if (this.pending.has(key)) {
      throw new ProvisioningError('BK_APPROVAL_PENDING', `${request.opNick} is already answering another link request; try again when it is settled.`);
    }
    if (this.pending.size >= this.maxPending) {
      throw new ProvisioningError('BK_TOO_MANY_PENDING', 'Too many link requests are waiting for operators; try again in a few minutes.');
    }
    let settle!: (result: ApprovalResult) => void;
    const answer = new Promise<ApprovalResult>((resolve) => {
      settle = resolve;
    });
    const timer = this.options.clock.setTimeout(() => this.finish(key, 'timeout'), this.timeoutMs);
    this.pending.set(key, {
      request,
      settle: (result) => {
        this.options.clock.clearTimeout(timer);
        settle(result);
      },
    });
    const minutes = Math.max(1, Math.round(this.timeoutMs / 60_000));
    try {
      await this.options.send(
        request.network,
        request.opNick,
        `${request.userId} wants to bridge ${request.channel} to the Matrix room ${request.roomId}. ` +
          `As an operator of ${request.channel}, reply "yes" to allow it or "no" to refuse (within ${minutes} minute${minutes === 1 ? '' : 's'}).`,
      );
    } catch (error) {
      this.pending.get(key)?.settle('timeout');
      this.pending.delete(key);
      const reason = error instanceof Error ? error.message : String(error);
      throw new ProvisioningError('BK_NETWORK_UNAVAILABLE', `Could not ask ${request.opNick} on ${request.network}: ${reason}`, { cause: error });
    }
    const result = await answer;
    this.options.log?.info('Link approval settled', { network: request.network, channel: request.channel, room: request.roomId, result });
    return result;
  }

  /**
   * A private message to the bot. Returns true when it was an answer to a waiting request (the
   * connector then ignores it); false for anything else.
   */
  async handlePrivateMessage(network: NetworkId, from: IrcNick, text: string): Promise<boolean> {
    const key = this.key(network, from);
    const waiting = this.pending.get(key);
    if (!waiting) return false;
    const word = text.trim().toLowerCase().replace(/[.!]+$/, '');
    const result = YES.has(word) ? 'approved' : NO.has(word) ? 'denied' : undefined;
    if (result === undefined) return false;
    const { channel, roomId } = waiting.request;
    if (result === 'approved' && !(await this.options.isOperator(network, channel, from))) {
      await this.options.send(network, from, `Only an operator of ${channel} can approve this; the request is still waiting.`);
      return true;
    }
    // The answer may have raced with the timeout while we checked.
    if (this.pending.get(key) !== waiting) return true;
    this.finish(key, result);
    await this.options.send(network, from, result === 'approved' ? `Thanks: bridging ${channel} to ${roomId}.` : `Understood: ${channel} will not be bridged to ${roomId}.`);
    return true;
  }

  private finish(key: string, result: ApprovalResult): void {
    const waiting = this.pending.get(key);
    if (!waiting) return;
    this.pending.delete(key);
    waiting.settle(result);
    if (result === 'timeout') {
      const { network, opNick, channel } = waiting.request;
      this.options.send(network, opNick, `The request to bridge ${channel} expired.`).catch((error: unknown) => {
        this.options.log?.warn('Could not tell an operator that a link request expired', { network, error: error instanceof Error ? error.message : String(error) });
      });
    }
  }

  private key(network: NetworkId, nick: string): string {
    return `${network}/${this.options.fold(network, nick)}`;
  }
}
