/**
 * The part of `IrcConnection` the network runtime uses. Kept as an interface so unit tests can
 * drive the runtime with an in-process fake server instead of irc-framework.
 */
import type { IrcConnection } from '../irc/connection';
import type { IrcConnectOptions } from '../irc/connect-options';

export type IrcClient = Pick<IrcConnection,
  | 'nick' | 'isRegistered' | 'loggedInWithSasl' | 'isupport' | 'joinedChannels' | 'connect' | 'quit'
  | 'say' | 'notice' | 'action' | 'join' | 'part' | 'setTopic' | 'kick' | 'invite' | 'mode' | 'requestModes'
  | 'changeNick' | 'whois' | 'raw' | 'on' | 'once' | 'floodStats' | 'applySettings' | 'capabilities'>;

/** Makes the connection for one identity (the bot, or one Matrix user's puppet). */
export type IrcClientFactory = (options: IrcConnectOptions) => IrcClient;
