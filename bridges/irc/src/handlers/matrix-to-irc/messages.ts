/**
 * Matrix messages in a portal or private chat → the sender's own IRC connection says them.
 * Runs in the room's turn, so messages leave in room order. While the sender's connection is
 * down (the server restarting) a message waits for it, in its turn (hold.ts). Anything that stops a message
 * (no connection, limit, join refused, flood queue full, ...) becomes an UndeliverableError,
 * which the core tells the sender about. A message that would show as nothing on IRC
 * (only spaces, NBSP, zero-width characters) is not sent, and the sender is told so.
 */
import { IngestorStoppedError, type EventId, type MatrixEvent, type MessageContent, type RoomId, type UserId } from '@bridgekit/appservice';
import { estimatePrefixLength } from '../../format/split';
import { stripMirc } from '../../format/mirc';
import type { Clock } from '../../irc/clock';
import type { IrcNetwork } from '../../network/network';
import type { Puppet } from '../../network/puppets';
import type { GhostRenames } from '../../ghosts/renames';
import type { MediaLinks } from '../../media/links';
import type { Diagnostics, MatrixSide, MemberNames, NetworkDirectory } from '../../parts';
import type { Portals } from '../../portals/portals';
import type { MessageRefs } from '../message-refs';
import { matrixHandler } from '../registry';
import { refusedByModeration, type ModerationRefusalDeps } from '../moderation-refusal';
import { UndeliverableError } from '../undeliverable';
import { heldTooLongReason, holdDeadline, waitsForConnection } from './hold';
import { ircLineCount, pasteNotice, pasteText } from './paste';
import { renderForIrc, type IrcOutgoing } from './render';

/** Who the nicks of pills are: a ghost's from its renames. */
type PillDeps = { readonly ghostSync: { readonly renames: Pick<GhostRenames, 'nickOf'> } };

/** What sending one Matrix message to one IRC target uses. */
type SendDeps = PillDeps & MatrixSide & Pick<Diagnostics, 'metrics' | 'log'> & MemberNames & {
  readonly clock: Clock;
  readonly refs: MessageRefs;
  readonly media: MediaLinks;
};

/** What a Matrix message uses: its targets (portals, networks), the send, the clock for staleness, telling the sender, and the moderation lists. */
type MessageDeps = SendDeps & NetworkDirectory & Pick<Diagnostics, 'log'> & ModerationRefusalDeps & {
  readonly portals: Pick<Portals, 'channelsOfRoom' | 'privateChatOfRoom'>;
  readonly clock: Clock;
};

interface Target {
  network: IrcNetwork;
  /** A channel, or the nick of a private chat. */
  name: string;
  key?: string;
  isChannel: boolean;
}

const MESSAGE_TYPES = new Set(['m.room.message', 'm.sticker']);

/**
 * New messages and edits (an edit is rendered with the edit template). Raw message events too:
 * an unknown msgtype or a malformed body is still said on IRC with what it has, as clients show it.
 */
export const matrixMessages = matrixHandler({
  name: 'matrix.message',
  kinds: ['message', 'edit', 'raw'],
  async handle(typed, rt: MessageDeps) {
    const event = typed.raw;
    if (!MESSAGE_TYPES.has(event.type)) return;
    const targets = targetsOf(event, rt);
    if (targets.length > 0 && await refusedByModeration(rt, event.roomId, event.sender, 'message')) return;
    // Marks the event written once the server has confirmed its line (echo-message): a crash
    // after that point must not say it again at the next start (IRC has no idempotency key).
    const markWritten = rt.ctx.writtenMarker();
    let empty = false;
    let stale: number | undefined;
    for (const target of targets) {
      const ageSeconds = staleAge(event, target.network, rt);
      if (ageSeconds !== undefined) {
        stale = ageSeconds;
        rt.metrics.staleMessages.inc({ network: target.network.id });
        rt.log.info('Not sending a stale Matrix message to IRC', { eventId: event.eventId, roomId: event.roomId, network: target.network.id, ageSeconds });
        continue;
      }
      empty = (await sendTo(target, event, rt, markWritten)) === 'empty' || empty;
    }
    if (rt.ctx.isBridgeUser(event.sender)) return;
    if (stale !== undefined) await rt.tell(event.roomId, event.sender, staleMessageNotice(stale));
    else if (empty) await rt.tell(event.roomId, event.sender, EMPTY_MESSAGE);
  },
});

export const EMPTY_MESSAGE = 'Nothing was sent to IRC: the message was empty.';

/** One sentence: what did not happen, why, and what to do. */
export function staleMessageNotice(ageSeconds: number): string {
  const age = ageSeconds >= 5400 ? `${Math.round(ageSeconds / 3600)} hours` : `${Math.max(1, Math.round(ageSeconds / 60))} minutes`;
  return `Your message was not sent to IRC because it reached the bridge ${age} late (after an outage); send it again if it still matters.`;
}

/**
 * The message's age in seconds when it is older than the network allows (`messages.max_age_seconds`),
 * else undefined. Measured from the homeserver's timestamp: a homeserver clock far off the
 * bridge's makes messages look older or younger than they are.
 */
function staleAge(event: MatrixEvent, network: IrcNetwork, rt: { readonly clock: Clock }): number | undefined {
  const maxAge = network.config.messages.maxAgeSeconds;
  if (maxAge <= 0 || typeof event.originServerTs !== 'number') return undefined;
  const ageSeconds = (rt.clock.now() - event.originServerTs) / 1000;
  return ageSeconds > maxAge ? Math.round(ageSeconds) : undefined;
}

function targetsOf(event: MatrixEvent, rt: NetworkDirectory & { readonly portals: Pick<Portals, 'channelsOfRoom' | 'privateChatOfRoom'> }): Target[] {
  const targets: Target[] = [];
  for (const portal of rt.portals.channelsOfRoom(event.roomId)) {
    const network = rt.network(portal.network);
    if (network) targets.push({ network, name: portal.channel, ...(portal.key !== undefined ? { key: portal.key } : {}), isChannel: true });
  }
  const chat = targets.length === 0 ? rt.portals.privateChatOfRoom(event.roomId) : undefined;
  const network = chat && rt.network(chat.network);
  if (chat && network) {
    if (chat.userId !== event.sender) {
      throw new UndeliverableError(chat.nick, network.config.name, `this room is ${chat.userId}'s private chat with ${chat.nick}; only they can talk to ${chat.nick} here. Invite the IRC user's Matrix ghost into a room of your own instead`);
    }
    targets.push({ network, name: chat.nick, isChannel: false });
  }
  return targets;
}

/** 'empty' when there was nothing to send; an UndeliverableError when it could not be sent. */
async function sendTo(target: Target, event: MatrixEvent, rt: SendDeps, markWritten: () => void): Promise<'sent' | 'empty'> {
  const { network } = target;
  const content = event.content as MessageContent;
  // Read before rendering (which is synchronous): the message this one replies to, if bridged.
  const repliedTo = content['m.relates_to']?.['m.in_reply_to']?.event_id;
  const quote = typeof repliedTo === 'string' ? await rt.refs.lookup(repliedTo as EventId, network.id) : undefined;
  const outgoing = renderForIrc(event.type, content, {
    pillNick: (userId) => pillNick(rt, network, userId),
    quoteOf: (eventId) => (eventId === repliedTo ? quote : undefined),
    mediaLink: (mxc, filename) => rt.media.linkFor(mxc, filename),
    templates: network.config.messages,
    codes: network.config.messages.formatting,
  });
  if (!outgoing) return 'empty';
  const deadline = holdDeadline(event, network, rt.clock);
  const heldSince = rt.clock.now();
  for (;;) {
    let written = false;
    try {
      const puppet = await connect(target, event.sender, event.roomId, rt);
      const text = await maybePaste(outgoing, target, puppet, rt);
      // IRCv3 clients show it as a reply to that line; others read the quote in the text. An edit
      // points the same way at the line it corrects, so they see which line the "* new text" fixes.
      const pointsAt = typeof repliedTo === 'string' ? repliedTo : editedEventOf(content);
      const replyTo = pointsAt !== undefined ? await rt.refs.msgidOf(pointsAt as EventId, network.id) : undefined;
      const options = { ...(replyTo !== undefined ? { replyTo } : {}), beforeFirstWrite: () => { written = true; } };
      const report = outgoing.kind === 'action' ? await puppet.client.action(target.name, text, options)
        : outgoing.kind === 'notice' ? await puppet.client.notice(target.name, text, options)
          : await puppet.client.say(target.name, text, options);
      // The server echoed it back (echo-message): it has the line, so a restart must not resend it.
      // Marking at the socket write instead lost the line in 3 of 4 kills that landed there (ngIRCd
      // never relayed a line its writer was killed right after), so without echo-message the
      // event stays at least once: a kill in that window may repeat one line.
      if (report.echoes?.some((msgid) => msgid !== undefined)) markWritten();
      // What they said, not its IRC rendering: a reply to this reply quotes their words, not "nick: "quote" <- ...".
      // With echo-message the first line's msgid is known: IRC replies to it become Matrix replies.
      const msgid = report.echoes?.[0] || undefined;
      rt.refs.note({ roomId: event.roomId, eventId: event.eventId, network: network.id, nick: puppet.nick, text: stripMirc(outgoing.said), ...(msgid ? { msgid } : {}) }, rt.log);
      rt.metrics.messages.inc({ direction: 'matrix_to_irc', network: network.id });
      return 'sent';
    } catch (error) {
      // Nothing of it reached IRC and the connection is only away: wait for it (hold.ts).
      let cause: unknown = error;
      if (!written && waitsForConnection(error)) {
        const outcome = await untilConnected(network, event.sender, deadline, rt);
        if (outcome === 'connected') continue;
        if (outcome === 'stopped' && rt.ctx.stopping.aborted) throw new IngestorStoppedError();
        if (outcome === 'deadline' && rt.clock.now() > heldSince) cause = heldTooLongReason(network, rt.clock.now() - heldSince);
        rt.log.warn('Gave up holding a Matrix message for its IRC connection', { eventId: event.eventId, network: network.id, outcome, heldMs: rt.clock.now() - heldSince });
      }
      rt.metrics.undeliverable.inc({ network: network.id, code: (error as { code?: string }).code ?? 'INTERNAL' });
      throw new UndeliverableError(target.name, network.config.name, cause);
    }
  }
}

/** Waits for the sender's puppet connection (see hold.ts); 'deadline' at once when it may not wait. */
async function untilConnected(network: IrcNetwork, userId: UserId, deadline: number, rt: { readonly clock: Clock; readonly ctx: { readonly stopping: AbortSignal } }): Promise<'connected' | 'deadline' | 'stopped'> {
  const connection = network.puppets.get(userId)?.connection;
  if (!connection || deadline <= rt.clock.now()) return 'deadline';
  return connection.untilConnected(deadline, rt.ctx.stopping);
}

/** The event an edit (`m.replace`) corrects, or undefined for anything else. */
function editedEventOf(content: MessageContent): string | undefined {
  const relation = content['m.relates_to'] as { rel_type?: unknown; event_id?: unknown } | undefined;
  return relation?.rel_type === 'm.replace' && typeof relation.event_id === 'string' ? relation.event_id : undefined;
}

async function connect(target: Target, userId: UserId, roomId: RoomId, rt: MemberNames): Promise<Puppet> {
  const pool = target.network.puppets;
  // The display name feeds the nick template: only needed when the puppet is first made.
  const names = { userId, ...(pool.get(userId) ? {} : { displayName: await rt.displayNameOf(roomId, userId) }) };
  return target.isChannel ? pool.joinChannel(names, target.name, target.key) : pool.acquire(names);
}

async function maybePaste(outgoing: IrcOutgoing, target: Target, puppet: Puppet, rt: MatrixSide & { readonly media: MediaLinks }): Promise<string> {
  const prefix = estimatePrefixLength({ nickLength: puppet.nick.length });
  const lines = ircLineCount(outgoing.text, target.name, prefix, outgoing.kind === 'action');
  if (lines <= target.network.config.messages.pasteThresholdLines) return outgoing.text;
  const mxc = await rt.ctx.bot.uploadContent(pasteText(outgoing.text), 'text/plain; charset=utf-8', 'message.txt');
  const link = rt.media.linkFor(mxc, 'message.txt');
  if (!link) throw new Error(`the homeserver returned an unusable media URI for the long message (${mxc})`);
  return pasteNotice(outgoing.text, link, lines);
}

/** Pills: a ghost is its IRC nick, a Matrix user with a puppet is the puppet's nick. */
function pillNick(rt: PillDeps, network: IrcNetwork, userId: UserId): string | undefined {
  const ghostNick = rt.ghostSync.renames.nickOf(network, userId);
  if (ghostNick) return ghostNick;
  return network.puppets.get(userId)?.nick;
}
