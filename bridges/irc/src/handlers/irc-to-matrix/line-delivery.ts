/**
 * What the outbox handlers of IRC lines share (channel and private lines alike): the payload's
 * common part, finding its network again, and recording a line that reached Matrix.
 */
import type { EventId, RoomId } from '@bridgekit/appservice';
import type { IrcNick } from '../../mapping/ids';
import type { IrcNetwork } from '../../network/network';
import type { MessageRefs } from '../message-refs';
import type { Diagnostics, NetworkDirectory } from '../../parts';

/** What delivering a line uses: the networks, the message references, the log and metrics. */
export type LineDeliveryDeps = NetworkDirectory & Diagnostics & { readonly refs: MessageRefs };

/** An IRC line as rendered when it arrived (the common part of the outbox payloads). */
export interface IrcLine {
  network: string;
  /** Who said it. */
  nick: IrcNick;
  content: Record<string, unknown>;
  msgid?: string;
  /** IRCv3 server-time (epoch ms): when it was said, for the Matrix event's timestamp. */
  serverTime?: number;
}

/** The send option that gives the Matrix event the line's IRC time, where the server sent one. */
export function timestampOf(line: IrcLine): { ts?: number } {
  return line.serverTime !== undefined ? { ts: line.serverTime } : {};
}

/** The line's network; undefined (logged) when it is no longer configured, after a restart. */
export function networkOfLine(rt: NetworkDirectory & Diagnostics, line: IrcLine, where: Record<string, unknown>): IrcNetwork | undefined {
  const network = rt.network(line.network);
  if (!network) rt.log.warn('An IRC line of a network no longer configured is dropped', { network: line.network, ...where });
  return network;
}

/** The line is in Matrix: remembered for replies and edits, and counted. */
export function lineDelivered(rt: LineDeliveryDeps, network: IrcNetwork, roomId: RoomId, eventId: EventId, line: IrcLine): void {
  rt.refs.note({ roomId, eventId, network: network.id, nick: line.nick, text: String(line.content.body), ...(line.msgid ? { msgid: line.msgid } : {}) }, rt.log);
  rt.metrics.messages.inc({ direction: 'irc_to_matrix', network: network.id });
}
