/**
 * Services and identity, the way users meet them: a test IRC client registers a NickServ account
 * on the run's Atheme (what a bridge user does before storing its password or adding a
 * certificate), WHOIS tells which account a nick is logged in to, and a Matrix user opens their
 * admin room with the bridge bot to run !storepass, !certfp or !reconnect.
 */
import type { MatrixTestUser } from './irc-bridge';
import { connectIrc, uniqueNick, type IrcTestClient } from './irc-client';
import { senderUserId } from './namespaces';

export interface ServicesAccount {
  /** Account name = the nick it was registered from. */
  account: string;
  password: string;
}

/**
 * Registers `nick` with NickServ on the IRCv3 network and disconnects; resolves once NickServ
 * confirms.
 */
export async function registerAccount(nick = uniqueNick('acct'), password = `pw-${uniqueNick('p')}`): Promise<ServicesAccount> {
  const client = await connectIrc(nick, { server: 'ircv3' });
  try {
    await nickServ(client, `REGISTER ${password} ${nick.toLowerCase().replace(/[^a-z0-9]/g, "") || "user"}@e2e.test`, /registered/i);
  } finally {
    await client.quit('registered');
  }
  return { account: nick, password };
}

/** Sends `command` to NickServ and resolves with its first NOTICE matching `answer`. */
export async function nickServ(client: IrcTestClient, command: string, answer: RegExp, timeoutMs = 10_000): Promise<string> {
  const before = client.receivedMessages.length;
  client.say('NickServ', command);
  const reply = await client.waitForMessage((m) => m.type === 'notice' && m.nick === 'NickServ' && answer.test(m.message), timeoutMs);
  // waitForMessage looks at the whole history: make sure this answer came after the command.
  if (client.receivedMessages.indexOf(reply) < before) throw new Error(`NickServ's answer "${reply.message}" predates the command ${command.split(' ')[0]}`);
  return reply.message;
}

/**
 * The services account `nick` is logged in to, from WHOIS (330), or undefined when logged out.
 * Throws when no such nick is online, so "not logged in" cannot pass for "not there".
 */
export async function accountOf(observer: IrcTestClient, nick: string): Promise<string | undefined> {
  const since = observer.rawLines.length;
  observer.sendRaw(`WHOIS ${nick}`);
  const escaped = nick.replace(/[[\]\\^{}|]/g, '\\$&');
  await observer.waitForRawLine((l) => new RegExp(` 318 \\S+ ${escaped} `, 'i').test(l), 10_000, since);
  const reply = observer.rawLines.slice(since);
  if (!reply.some((l) => new RegExp(` 311 \\S+ ${escaped} `, 'i').test(l))) throw new Error(`${nick} is not online:\n${reply.join('\n')}`);
  const line = reply.find((l) => new RegExp(` 330 \\S+ ${escaped} `, 'i').test(l));
  // ":server 330 me nick account :is logged in as", after any IRCv3 tags.
  return line?.replace(/^@\S+ /, '').split(' ')[4];
}

/** Opens a DM with the bridge bot (the user's admin room) and resolves once the bot has greeted. */
export async function adminRoom(user: MatrixTestUser): Promise<string> {
  const room = await user.client.createRoom({ invite: [senderUserId()], isDirect: true, preset: 'trusted_private_chat' });
  await user.client.waitForEvent(room, (e) => e.sender === senderUserId() && /admin room/i.test(String(e.content.body)));
  return room;
}

/** A predicate for the bot's messages matching `pattern`. */
export const fromBot = (pattern: RegExp) => (e: { sender: string; content: Record<string, unknown> }): boolean =>
  e.sender === senderUserId() && pattern.test(String(e.content.body));
