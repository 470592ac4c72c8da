/**
 * The requests of an `IrcConnection` (connection.ts) whose outcome arrives later as a server
 * line: JOIN (our JOIN echo, or a 4xx refusal), NICK (our NICK echo, or a 43x) and WHOIS
 * (labeled when the server supports labeled-response, else keyed by nick). Each request is
 * waited for before its line is sent, so an answer cannot arrive before its waiter.
 */
import type { Client, ParsedMessage } from 'irc-framework';
import { buildLine } from '../format/sanitize';
import type { IrcNick } from '../mapping/ids';
import type { Clock } from './clock';
import { IrcError, JoinFailedError } from './errors';
import { LabeledReplies } from './labels';
import { PendingReplies } from './pending-replies';
import { lastParam } from './registration-refusals';
import { tagPrefix } from './tags';
import type { WhoisInfo } from './translate';

const JOIN_ERRORS = new Set(['403', '405', '437', '471', '473', '474', '475', '476', '477', '479', '489']);
const NICK_ERRORS: Record<string, 'IRC_NICK_UNAVAILABLE' | 'IRC_NICK_INVALID'> = {
  431: 'IRC_NICK_INVALID', 432: 'IRC_NICK_INVALID', 433: 'IRC_NICK_UNAVAILABLE', 436: 'IRC_NICK_UNAVAILABLE',
  437: 'IRC_NICK_UNAVAILABLE', 438: 'IRC_NICK_UNAVAILABLE', 484: 'IRC_NICK_UNAVAILABLE',
};

/** Sends one line through the connection's flood control; rejects when it cannot. */
type SendLine = (line: string) => Promise<unknown>;

export class RequestReplies {
  private readonly joins: PendingReplies<void>;
  private readonly nickChange: PendingReplies<IrcNick>;
  private readonly whoisReplies: PendingReplies<WhoisInfo | undefined>;
  private readonly labels = new LabeledReplies();

  /** `fold` casefolds a name by the server's current CASEMAPPING. */
  constructor(clock: Clock, replyMs: number, private readonly fold: (name: string) => string) {
    this.joins = new PendingReplies('JOIN', clock, replyMs);
    this.nickChange = new PendingReplies('NICK', clock, replyMs);
    this.whoisReplies = new PendingReplies('WHOIS', clock, replyMs);
  }

  /** Follows a new socket's labeled replies: a labeled WHOIS whose reply had no WHOIS in it (an error reply) found nobody. */
  watch(client: Client): void {
    this.labels.watch(client, (label) => this.whoisReplies.resolve(labelKey(label), undefined));
  }

  /**
   * Sends `line` (a JOIN of the casefolded `channel`) and resolves when the server confirms; one
   * wait for joins already asked. The reply timeout starts once the line is written: a bot
   * rejoining many channels may wait for flood control longer than the server needs to answer.
   */
  async join(channel: string, line: string, send: SendLine): Promise<void> {
    if (this.joins.has(channel)) return this.joins.wait(channel);
    const joined = this.joins.wait(channel, false);
    await send(line).then(() => this.joins.startTimers(channel), (error: Error) => this.joins.reject(channel, error));
    return joined;
  }

  /** Sends a NICK for `wanted` (already checked) and resolves with the nick the server confirms. */
  async changeNick(wanted: string, send: SendLine): Promise<IrcNick> {
    const folded = this.fold(wanted);
    const confirmed = this.nickChange.wait(folded);
    await send(buildLine('NICK', [wanted])).catch((error: Error) => this.nickChange.reject(folded, error));
    return confirmed;
  }

  /** Sends a WHOIS for `nick` (already checked), labeled when the server supports it; undefined when nobody has that nick. */
  async whois(nick: string, labeled: boolean, send: SendLine): Promise<WhoisInfo | undefined> {
    if (labeled) {
      const label = this.labels.newLabel();
      const reply = this.whoisReplies.wait(labelKey(label));
      await send(tagPrefix({ label }) + buildLine('WHOIS', [nick])).catch((error: Error) => this.whoisReplies.reject(labelKey(label), error));
      return reply;
    }
    const folded = this.fold(nick);
    const reply = this.whoisReplies.wait(folded);
    await send(buildLine('WHOIS', [nick])).catch((error: Error) => this.whoisReplies.reject(folded, error));
    return reply;
  }

  /** Our JOIN came back: the join of this casefolded channel is confirmed. */
  joined(channel: string): void {
    this.joins.resolve(channel, undefined);
  }

  /** Our NICK came back. */
  nickChanged(nick: IrcNick): void {
    this.nickChange.resolve(this.fold(nick), nick);
  }

  whoisAnswered(nick: string, info: WhoisInfo | undefined): void {
    this.whoisReplies.resolve(this.whoisKey(nick), info);
  }

  awaitsWhois(nick: string): boolean {
    return this.whoisReplies.has(this.whoisKey(nick));
  }

  /** A numeric after registration: a refused JOIN or NICK rejects its waiter. */
  onNumeric(message: ParsedMessage): void {
    const [, subject = ''] = message.params;
    if (JOIN_ERRORS.has(message.command) && this.joins.has(this.fold(subject))) {
      this.joins.reject(this.fold(subject), new JoinFailedError(subject, message.command, lastParam(message)));
    }
    const nickError = NICK_ERRORS[message.command];
    if (nickError && this.nickChange.has(this.fold(subject))) {
      this.nickChange.reject(this.fold(subject), new IrcError(nickError, `Cannot change nick to ${subject}: ${lastParam(message)}.`));
    }
  }

  /** The connection closed: every waiter is rejected with `error`. */
  rejectAll(error: Error): void {
    this.joins.rejectAll(error);
    this.nickChange.rejectAll(error);
    this.whoisReplies.rejectAll(error);
  }

  /** The connection closed: labeled replies in progress are forgotten. */
  clearLabels(): void {
    this.labels.clear();
  }

  /** Which waiting WHOIS a reply line about `nick` answers: its label's, if it came in a labeled reply. */
  private whoisKey(nick: string): string {
    const label = this.labels.answering;
    return label !== undefined && this.whoisReplies.has(labelKey(label)) ? labelKey(label) : this.fold(nick);
  }
}

/** Pending-reply key of a labeled request (cannot collide with a casefolded nick: it has a space). */
function labelKey(label: string): string {
  return `label ${label}`;
}
