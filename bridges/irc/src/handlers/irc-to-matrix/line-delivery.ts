/**
 * What the outbox handlers of IRC lines share (channel and private lines alike): the payload's
 * common part, finding its network again, and recording a line that reached Matrix.
 */
import type { EventId, RoomId } from '@bridgekit/appservice';
import type { IrcNick } from '../../mapping/ids';
import type { IrcNetwork } from '../../network/network';
import type { BridgeRuntime } from '../../runtime';

/** An IRC line as rendered when it arrived (the common part of the outbox payloads). */
export interface IrcLine {
  network: string;
  /** Who said it. */
  nick: IrcNick;
  content: Record<string, unknown>;
  msgid?: string;
}

/** The line's network; undefined (logged) when it is no longer configured, after a restart. */
export function networkOfLine(rt: BridgeRuntime, line: IrcLine, where: Record<string, unknown>): IrcNetwork | undefined {
  const network = rt.network(line.network);
  if (!network) rt.log.warn('An IRC line of a network no longer configured is dropped', { network: line.network, ...where });
  return network;
}

/** The line is in Matrix: remembered for replies and edits, and counted. */
export async function lineDelivered(rt: BridgeRuntime, network: IrcNetwork, roomId: RoomId, eventId: EventId, line: IrcLine): Promise<void> {
  await rt.refs.remember({ roomId, eventId, network: network.id, nick: line.nick, text: String(line.content.body), ...(line.msgid ? { msgid: line.msgid } : {}) });
  rt.metrics.messages.inc({ direction: 'irc_to_matrix', network: network.id });
}
