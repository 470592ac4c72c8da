/**
 * What an `IrcConnection` reports, as typed payloads in the bridge's own vocabulary (camelCase,
 * branded nicks and channels, times in epoch ms). Listeners are synchronous and must not block:
 * a handler that needs I/O enqueues the event into its room's queue and returns.
 */
import type { IrcChannel, IrcNick } from '../mapping/ids';
import type { IrcError } from './errors';
import type { Isupport, ModeChange } from './isupport';

/** Who sent something: `nick!ident@host`. Server-originated lines have only `host`. */
export interface IrcSource {
  nick: IrcNick;
  ident: string;
  host: string;
}

/** IRCv3 message tags, plus the two the bridge uses, already parsed. */
export interface IrcTags {
  /** `server-time`, in epoch milliseconds, when the server sent it. */
  serverTime?: number;
  /** `msgid`, the server's id for the message (for replies/redactions on IRCv3 servers). */
  msgid?: string;
  all: Readonly<Record<string, string>>;
}

export interface IrcMessageEvent extends IrcSource, IrcTags {
  kind: 'privmsg' | 'notice' | 'action';
  /** A channel, or our own nick for a private message. */
  target: string;
  /** For STATUSMSG ("@#chan": only ops see it), the prefix; otherwise undefined. */
  statusPrefix?: string;
  text: string;
  /** Sent by the server itself (e.g. connection notices), not by a user. */
  fromServer: boolean;
  /** Our own message echoed back (echo-message): the bridge already knows about it. */
  self: boolean;
  /**
   * Said earlier and played back by the server (a `chathistory` batch, e.g. InspIRCd's
   * chanhistory replay on join): possibly already bridged, so never to be taken as live.
   */
  replayed?: boolean;
}

export interface IrcJoinEvent extends IrcSource, IrcTags {
  channel: IrcChannel;
  self: boolean;
  /** With extended-join: the account name, or null when logged out. */
  account?: string | null;
  realname?: string;
  /** Part of a server's `netjoin` batch: a server linked back and its users return. */
  netjoin?: boolean;
}

/** IRCv3 account-notify: a user logged in to a services account (or out: null). */
export interface IrcAccountEvent extends IrcSource, IrcTags {
  account: string | null;
}

/** IRCv3 away-notify (or a 301 reply): a user went away with a message, or came back. */
export interface IrcAwayEvent extends IrcTags {
  nick: IrcNick;
  /** The away message, or undefined when the user is back. */
  message: string | undefined;
}

/** IRCv3 chghost: a user's ident or host changed, without the QUIT and JOINs older servers fake. */
export interface IrcHostChangeEvent extends IrcSource, IrcTags {
  newIdent: string;
  newHost: string;
}

/** IRCv3 batch: a `netsplit` or `netjoin` batch ended (its QUITs or JOINs were reported just before). */
export interface IrcServerLinkEvent {
  kind: 'netsplit' | 'netjoin';
  /** The two servers whose link broke or came back, as the batch names them. */
  servers: readonly string[];
  /** How many lines (QUITs or JOINs) the batch held. */
  lines: number;
}

/** IRCv3 cap-notify: the server offered new capabilities and we enabled them, or withdrew some. */
export interface IrcCapabilitiesEvent {
  added: readonly string[];
  removed: readonly string[];
  /** Every capability enabled now. */
  enabled: readonly string[];
}

export interface IrcPartEvent extends IrcSource, IrcTags {
  channel: IrcChannel;
  reason: string;
  self: boolean;
}

export interface IrcQuitEvent extends IrcSource, IrcTags {
  reason: string;
  /** Part of a server's `netsplit` batch (IRCv3 batch): the user's server split off, they may be back soon. */
  netsplit?: boolean;
}

export interface IrcKickEvent extends IrcSource, IrcTags {
  channel: IrcChannel;
  kicked: IrcNick;
  reason: string;
  /** We were the one kicked. */
  self: boolean;
}

export interface IrcNickEvent extends IrcSource, IrcTags {
  newNick: IrcNick;
  self: boolean;
}

export interface IrcTopicEvent extends IrcTags {
  channel: IrcChannel;
  topic: string;
  /** Who changed it; undefined when the server reports the current topic on join (332). */
  setBy?: IrcNick;
}

export interface IrcModeEvent extends IrcTags {
  /** A channel, or a nick for user modes. */
  target: string;
  /** Who set the modes (a nick or a server name); '' for `current`. */
  setBy: string;
  changes: ModeChange[];
  /**
   * The channel's modes as the server reported them when asked (324 RPL_CHANNELMODEIS), not a
   * change: every mode not listed is off.
   */
  current?: boolean;
}

export interface IrcNamesEvent {
  channel: IrcChannel;
  /** Every member with its prefix symbols ('@+', or '' for none), complete for the channel. */
  members: ReadonlyMap<IrcNick, string>;
}

export interface IrcInviteEvent extends IrcSource, IrcTags {
  channel: IrcChannel;
  invited: IrcNick;
}

export interface IrcRegisteredEvent {
  nick: IrcNick;
  /** The nick this registration asked for first; another than `nick` means someone else holds it. */
  asked?: IrcNick;
  isupport: Isupport;
}

/** A numeric error the server sent outside a pending command (cannot send to channel, ...). */
export interface IrcServerErrorEvent {
  /** irc-framework's name for it, e.g. 'cannot_send_to_channel', 'chanop_privs_needed'. */
  error: string;
  channel?: string;
  nick?: string;
  reason?: string;
}

export type IrcCloseReason = 'quit' | 'ping-timeout' | 'server-error' | 'socket-error' | 'server-closed';

export interface IrcCloseEvent {
  reason: IrcCloseReason;
  /** The server's ERROR text or the socket error message, when there is one. */
  message?: string;
  /** Whether the connection had completed registration before it closed. */
  wasRegistered: boolean;
}

export interface IrcConnectionEvents {
  registered: IrcRegisteredEvent;
  message: IrcMessageEvent;
  join: IrcJoinEvent;
  part: IrcPartEvent;
  quit: IrcQuitEvent;
  kick: IrcKickEvent;
  nick: IrcNickEvent;
  topic: IrcTopicEvent;
  mode: IrcModeEvent;
  names: IrcNamesEvent;
  invite: IrcInviteEvent;
  account: IrcAccountEvent;
  away: IrcAwayEvent;
  hostChange: IrcHostChangeEvent;
  capabilities: IrcCapabilitiesEvent;
  serverLink: IrcServerLinkEvent;
  serverError: IrcServerErrorEvent;
  close: IrcCloseEvent;
  /** A listener threw; the connection keeps running. */
  error: IrcError | Error;
}

export type IrcEventName = keyof IrcConnectionEvents;
export type IrcListener<E extends IrcEventName> = (event: IrcConnectionEvents[E]) => void;

/**
 * A minimal typed emitter. A listener that throws does not stop the others or the IRC parser:
 * its error is emitted as 'error', and thrown asynchronously when nobody listens for 'error'
 * (so it is never swallowed).
 */
export class TypedEmitter<Events extends { error: Error }> {
  private readonly listeners = new Map<keyof Events, Set<(event: never) => void>>();

  /** Adds a listener; the returned function removes it. */
  on<E extends keyof Events>(event: E, listener: (event: Events[E]) => void): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(listener as (event: never) => void);
    return () => set?.delete(listener as (event: never) => void);
  }

  /** Resolves with the next event of that kind (and optionally matching `filter`). */
  once<E extends keyof Events>(event: E, filter: (value: Events[E]) => boolean = () => true): Promise<Events[E]> {
    return new Promise((resolve) => {
      const off = this.on(event, (value) => {
        if (!filter(value)) return;
        off();
        resolve(value);
      });
    });
  }

  listenerCount(event: keyof Events): number {
    return this.listeners.get(event)?.size ?? 0;
  }

  protected emit<E extends keyof Events>(event: E, value: Events[E]): void {
    for (const listener of [...(this.listeners.get(event) ?? [])]) {
      try {
        (listener as (event: Events[E]) => void)(value);
      } catch (error) {
        const err = error instanceof Error ? error : new Error(String(error));
        if (event !== 'error' && this.listenerCount('error') > 0) this.emit('error', err as Events['error']);
        else process.nextTick(() => { throw err; });
      }
    }
  }
}
