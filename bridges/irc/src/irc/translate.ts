/**
 * irc-framework's events → the bridge's typed events (events.ts). Kept apart from connection.ts
 * so the facade reads as "what the bridge can do" and this file as "what IRC told us".
 */
import type { BatchEndEvent, Client, ClientEvents, MessageEvent, Tags, WhoisEvent } from 'irc-framework';
import type { IrcChannel, IrcNick } from '../mapping/ids';
import type { IrcConnectionEvents, IrcTags } from './events';
import { modesToPrefixes, parseModeChanges, type Isupport } from './isupport';

/** A WHOIS reply, normalized. */
export interface WhoisInfo {
  nick: IrcNick;
  ident?: string;
  host?: string;
  realname?: string;
  server?: string;
  /** Channels as the server lists them, with prefix symbols ('@#ops'). */
  channels: string[];
  /** The services account the user is logged in to. */
  account?: string;
  idleSeconds?: number;
  away?: string;
  operator: boolean;
  secure: boolean;
  /**
   * Answered from what the bridge already knew (no WHOIS was sent): idle time, server, operator
   * and TLS status are then unknown.
   */
  fromBridge?: boolean;
}

/** What translate.ts needs from the connection (provided privately by IrcConnection). */
export interface TranslationContext {
  isupport(): Isupport;
  isSelf(nick: string): boolean;
  noteSelf(kind: 'join' | 'part' | 'nick', name: string): void;
  noteWhois(nick: string, info: WhoisInfo | undefined): void;
  /** Whether a WHOIS for this nick is waiting for its answer. */
  awaitsWhois(nick: string): boolean;
  /** The server acknowledged (`added`) or withdrew (`removed`) capabilities. */
  noteCapabilities(added: string[], removed: string[]): void;
}

type Emit = <E extends keyof IrcConnectionEvents>(event: E, value: IrcConnectionEvents[E]) => void;

export function tagsOf(tags: Tags | undefined, time: number | undefined): IrcTags {
  const all = { ...(tags ?? {}) };
  const msgid = all.msgid;
  return { all, ...(time !== undefined ? { serverTime: time } : {}), ...(msgid ? { msgid } : {}) };
}

export function toWhoisInfo(event: WhoisEvent): WhoisInfo | undefined {
  if (event.error) return undefined;
  const idle = event.idle === undefined ? Number.NaN : Number.parseInt(event.idle, 10);
  return {
    nick: event.nick as IrcNick,
    ident: event.ident,
    host: event.hostname,
    realname: event.real_name,
    server: event.server,
    channels: (event.channels ?? '').split(' ').filter(Boolean),
    account: event.account,
    idleSeconds: Number.isFinite(idle) ? idle : undefined,
    away: event.away,
    operator: event.operator !== undefined,
    secure: event.secure === true,
  };
}

/**
 * True when a field the bridge's event type promises is missing or not a string. irc-framework
 * passes a line's parameters through as it finds them, so a numeric or command with too few
 * parameters ("INVITE", "366", "JOIN" with nothing after it) arrives with undefined fields;
 * found by fuzzing (lines.fuzz.test.ts). Such a line means nothing and is dropped here, before
 * a handler reads `undefined` as a nick or channel.
 */
function malformed(event: object, ...fields: string[]): boolean {
  const record = event as Record<string, unknown>;
  return fields.some((f) => typeof record[f] !== 'string');
}

const source = (e: { nick: string; ident: string; hostname: string }) => ({ nick: e.nick as IrcNick, ident: e.ident, host: e.hostname });

type Handlers = { [E in keyof ClientEvents]?: (e: ClientEvents[E], ctx: TranslationContext, emit: Emit) => void };

function message(kind: 'privmsg' | 'notice' | 'action', e: MessageEvent, ctx: TranslationContext, emit: Emit): void {
  if (malformed(e, 'nick', 'target', 'message')) return;
  emit('message', {
    kind,
    ...source(e),
    ...tagsOf(e.tags, e.time),
    target: e.target,
    ...(e.group ? { statusPrefix: e.group } : {}),
    text: e.message,
    fromServer: e.from_server,
    self: !e.from_server && ctx.isSelf(e.nick),
    ...(e.batch?.type === 'chathistory' ? { replayed: true } : {}),
  });
}

function serverLink(kind: 'netsplit' | 'netjoin', e: BatchEndEvent, emit: Emit): void {
  emit('serverLink', { kind, servers: e.params.filter((p) => typeof p === 'string'), lines: e.commands.length });
}

/**
 * One table for every connection: each connection used to add a listener (a closure and its
 * record in irc-framework's emitter) per event it translates, about 25 of them, which is a few
 * KiB per idle puppet. Now a connection adds one middleware that looks its events up here.
 */
const HANDLERS: Handlers = {
  privmsg: (e, ctx, emit) => message('privmsg', e, ctx, emit),
  notice: (e, ctx, emit) => message('notice', e, ctx, emit),
  action: (e, ctx, emit) => message('action', e, ctx, emit),

  join: (e, ctx, emit) => {
    if (malformed(e, 'nick', 'channel')) return;
    const self = ctx.isSelf(e.nick);
    if (self) ctx.noteSelf('join', e.channel);
    emit('join', {
      ...source(e), ...tagsOf(e.tags, e.time), channel: e.channel as IrcChannel, self,
      ...(e.account !== undefined ? { account: e.account === false ? null : e.account } : {}),
      ...(e.gecos ? { realname: e.gecos } : {}),
      ...(e.batch?.type === 'netjoin' ? { netjoin: true } : {}),
    });
  },

  part: (e, ctx, emit) => {
    if (malformed(e, 'nick', 'channel')) return;
    const self = ctx.isSelf(e.nick);
    if (self) ctx.noteSelf('part', e.channel);
    emit('part', { ...source(e), ...tagsOf(e.tags, e.time), channel: e.channel as IrcChannel, reason: e.message, self });
  },

  kick: (e, ctx, emit) => {
    if (malformed(e, 'nick', 'channel', 'kicked')) return;
    const self = ctx.isSelf(e.kicked);
    if (self) ctx.noteSelf('part', e.channel);
    emit('kick', { ...source(e), ...tagsOf(e.tags, e.time), channel: e.channel as IrcChannel, kicked: e.kicked as IrcNick, reason: e.message, self });
  },

  quit: (e, _ctx, emit) => malformed(e, 'nick') || emit('quit', {
    ...source(e), ...tagsOf(e.tags, e.time), reason: e.message, ...(e.batch?.type === 'netsplit' ? { netsplit: true } : {}),
  }),

  'batch end netsplit': (e, _ctx, emit) => serverLink('netsplit', e, emit),
  'batch end netjoin': (e, _ctx, emit) => serverLink('netjoin', e, emit),

  account: (e, _ctx, emit) => malformed(e, 'nick') || emit('account', {
    ...source(e), ...tagsOf(e.tags, e.time), account: typeof e.account === 'string' ? e.account : null,
  }),

  // Our own AWAY replies (305/306) are not news about anyone else.
  away: (e, _ctx, emit) => e.self || malformed(e, 'nick') || emit('away', { nick: e.nick as IrcNick, ...tagsOf(e.tags, e.time), message: e.message || 'away' }),
  back: (e, _ctx, emit) => e.self || malformed(e, 'nick') || emit('away', { nick: e.nick as IrcNick, ...tagsOf(e.tags, e.time), message: undefined }),

  // 'user updated' is also SETNAME (new_gecos only): only a host change is ours to report.
  'user updated': (e, _ctx, emit) => malformed(e, 'nick', 'new_ident', 'new_hostname') || emit('hostChange', {
    ...source(e), ...tagsOf(e.tags, e.time), newIdent: e.new_ident as string, newHost: e.new_hostname as string,
  }),

  nick: (e, ctx, emit) => {
    if (malformed(e, 'nick', 'new_nick')) return;
    const self = ctx.isSelf(e.nick);
    if (self) ctx.noteSelf('nick', e.new_nick);
    emit('nick', { ...source(e), ...tagsOf(e.tags, e.time), newNick: e.new_nick as IrcNick, self });
  },

  topic: (e, _ctx, emit) => malformed(e, 'channel', 'topic') || emit('topic', {
    ...tagsOf(e.tags, e.time), channel: e.channel as IrcChannel, topic: e.topic, ...(e.nick ? { setBy: e.nick as IrcNick } : {}),
  }),

  mode: (e, ctx, emit) => {
    if (malformed(e, 'target')) return;
    const isupport = ctx.isupport();
    const forUser = !isupport.chanTypes.includes(e.target[0] ?? '');
    emit('mode', { ...tagsOf(e.tags, e.time), target: e.target, setBy: e.nick, changes: parseModeChanges(e.raw_modes ?? '', e.raw_params ?? [], isupport, forUser) });
  },

  'channel info': (e, ctx, emit) => {
    if (malformed(e, 'channel')) return;
    if (e.raw_modes === undefined) return; // creation time or URL, not modes
    emit('mode', { ...tagsOf(e.tags, undefined), target: e.channel, setBy: '', changes: parseModeChanges(e.raw_modes, e.raw_params ?? [], ctx.isupport()), current: true });
  },

  userlist: (e, ctx, emit) => {
    if (malformed(e, 'channel')) return;
    const isupport = ctx.isupport();
    const members = new Map<IrcNick, string>();
    for (const u of e.users) members.set(u.nick as IrcNick, modesToPrefixes(u.modes.join(''), isupport));
    emit('names', { channel: e.channel as IrcChannel, members });
  },

  invite: (e, _ctx, emit) => malformed(e, 'nick', 'channel', 'invited') || emit('invite', { ...source(e), ...tagsOf(e.tags, e.time), channel: e.channel as IrcChannel, invited: e.invited as IrcNick }),

  whois: (e, ctx) => malformed(e, 'nick') || ctx.noteWhois(e.nick, toWhoisInfo(e)),

  'irc error': (e, ctx, emit) => {
    // 'irc' is the ERROR command (handled as a close reason); password errors end registration.
    if (e.error === 'irc' || e.error === 'password_mismatch') return;
    // A 401 for a nick we asked WHOIS about is that WHOIS's answer (the 318 after it settles it
    // as "not found"), not a refused message: reporting it would tell the user a message was lost.
    if (e.error === 'no_such_nick' && typeof e.nick === 'string' && ctx.awaitsWhois(e.nick)) return;
    emit('serverError', {
      error: e.error,
      ...(typeof e.channel === 'string' ? { channel: e.channel } : {}),
      ...(typeof e.nick === 'string' ? { nick: e.nick } : {}),
      ...(typeof e.reason === 'string' ? { reason: e.reason } : {}),
    });
  },

  // cap-notify: after registration the server may offer new capabilities (irc-framework asks
  // for those it wants) or withdraw some; both change what the connection does from then on.
  'cap ack': (e, ctx) => ctx.noteCapabilities(Object.keys(e.capabilities), []),
  'cap del': (e, ctx) => ctx.noteCapabilities([], Object.keys(e.capabilities)),
};

/**
 * Translates `client`'s events into the bridge's, through `emit`. irc-framework hands every
 * event it parsed to its parsed-event middleware just before emitting it, so handling them there
 * comes before any listener of the client's own, as the listeners added first here did before.
 * A handler that throws is passed on as irc-framework's middleware error, as a throwing listener was.
 */
export function bindEvents(client: Client, ctx: TranslationContext, emit: Emit): void {
  client.use((_c, _raw, parsed) => parsed.use((event, value, _client, next) => {
    const handle = HANDLERS[event as keyof ClientEvents] as ((e: unknown, ctx: TranslationContext, emit: Emit) => void) | undefined;
    if (handle) handle(value, ctx, emit);
    next();
  }));
}
