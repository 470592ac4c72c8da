/**
 * Talking to the run's Atheme services the way a user would: a test IRC client registers a
 * NickServ account (which is what a bridge user would have done before storing its password).
 */
import { connectIrc, uniqueNick, type IrcTestClient } from './irc-client';

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
