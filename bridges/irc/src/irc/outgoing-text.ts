/**
 * What a PRIVMSG or NOTICE becomes on the wire: split to the server's line length (never a CTCP
 * a Matrix user could forge), tagged as a reply where the server takes tags, written through
 * flood control as a whole or not at all, and, where the server echoes our messages, answered
 * with the msgid each line came back with.
 */
import { buildLine, safeParam } from '../format/sanitize';
import { ctcpAction, splitMessage } from '../format/split';
import type { EchoWaiters } from './echoes';
import { SendQueueFullError, type FloodQueue, type SendReceipt } from './flood';
import type { Isupport } from './isupport';
import { tagPrefix } from './tags';

/** How a multi-line send went: lines written and the longest flood-control wait among them. */
export interface SendReport {
  lines: number;
  waitedMs: number;
  /**
   * Only when the server echoes our messages (echo-message): per line, in order, the msgid the
   * server gave it ('' if it gave none), or undefined when the line never came back (refused).
   */
  echoes?: Array<string | undefined>;
}

/** What a PRIVMSG/NOTICE may carry besides its text, used where the server supports it. */
export interface SendOptions {
  /** The msgid this message answers (IRCv3 `+draft/reply`), sent when message-tags is enabled. */
  replyTo?: string;
  /**
   * Runs synchronously just before the message's first line is written to the socket (after any
   * flood-control wait), so a caller can record "written" with nothing in between. A throw
   * stops the line from being written.
   */
  beforeFirstWrite?: () => void;
}

/** What the connection tells the sender about itself right now. */
export interface OutgoingTextHost {
  isupport(): Isupport;
  fold(name: string): string;
  messageTags(): boolean;
  echoMessage(): boolean;
  /** Our `nick!user@host` prefix's estimated length, which the server adds to each relayed line. */
  prefixLength(): number;
  /** Writes one line through flood control (rejects when not registered); `beforeWrite` as in SendOptions. */
  send(line: string, beforeWrite?: () => void): Promise<SendReceipt>;
}

export class OutgoingText {
  constructor(private readonly host: OutgoingTextHost, private readonly flood: Pick<FloodQueue, 'hasRoomFor' | 'stats'>, private readonly echoes: EchoWaiters) {}

  async send(command: 'PRIVMSG' | 'NOTICE', target: string, text: string, action: boolean, options: SendOptions): Promise<SendReport> {
    const { host } = this;
    const to = safeParam(target);
    // \x01 would let a Matrix user forge CTCP requests (or break the ACTION framing).
    const chunks = splitMessage(text.replace(/\x01/g, ''), {
      command, target: to, action, lineBytes: host.isupport().lineLength, prefixLength: host.prefixLength(),
    });
    if (!this.flood.hasRoomFor(chunks.length)) throw new SendQueueFullError(this.flood.stats().queued);
    // Tags have their own length budget (4096 bytes), so they do not change the split.
    const tags = options.replyTo !== undefined && host.messageTags() ? tagPrefix({ '+draft/reply': options.replyTo }) : '';
    const kind = action ? 'action' : command === 'NOTICE' ? 'notice' : 'privmsg';
    const folded = host.fold(to);
    // Registered before the lines go out, so an echo can never arrive unexpected.
    const echoes = host.echoMessage() ? chunks.map((chunk) => this.echoes.expect({ target: folded, kind, text: chunk })) : undefined;
    let receipts;
    try {
      receipts = await Promise.all(chunks.map((chunk, i) => host.send(tags + buildLine(command, [to], action ? ctcpAction(chunk) : chunk), i === 0 ? options.beforeFirstWrite : undefined)));
    } catch (error) {
      // Lines that were not written must not take the echoes of later ones.
      echoes?.forEach((e) => e.cancel());
      throw error;
    }
    const report: SendReport = { lines: chunks.length, waitedMs: Math.max(0, ...receipts.map((r) => r.waitedMs)) };
    if (echoes) report.echoes = await Promise.all(echoes.map((e) => e.promise));
    return report;
  }
}
