/**
 * cap-notify on InspIRCd: an operator unloads the module behind a capability (CAP DEL) and loads
 * it again (CAP NEW); the bridge's live connections drop it and take it back without
 * reconnecting, and what the capability gives works again on the same connection.
 */
import { readFileSync } from 'node:fs';
import { readE2eEnv } from './harness/env';
import { bridgeForThisFile, joinPortal, matrixUser, uniqueChannel } from './harness/irc-bridge';
import { connectIrc, uniqueNick, type IrcTestClient } from './harness/irc-client';
import { IRC_NETWORK_ID } from './harness/namespaces';
import { pollUntil } from './harness/wait';

const bridge = bridgeForThisFile(() => {
  const { host, port } = readE2eEnv().ircv3;
  return { irc: { networks: { [IRC_NETWORK_ID]: { host, port } } } };
});

/** The bridge's "IRC capabilities changed" log lines, parsed. */
function capabilityLog(): Array<{ connection: string; added: string; removed: string }> {
  return readFileSync(bridge().process.logPath, 'utf8').split('\n')
    .filter((line) => line.includes('IRC capabilities changed'))
    .map((line) => JSON.parse(line.slice(line.indexOf('{'))) as { connection: string; added: string; removed: string });
}

async function asOper(client: IrcTestClient): Promise<void> {
  const { oper } = readE2eEnv().ircv3;
  client.sendRaw(`OPER ${oper.name} ${oper.password}`);
  await client.waitForRawLine((l) => / 381 /.test(l));
}

it('CAP DEL / CAP NEW: echo-message goes when its module is unloaded and comes back, live, when it is loaded again', async () => {
  const channel = uniqueChannel('capnotify');
  const carol = await connectIrc(uniqueNick('carol'), { server: 'ircv3' });
  await carol.join(channel);
  const alice = await matrixUser();
  const roomId = await joinPortal(alice.client, channel, carol);
  await alice.client.sendText(roomId, 'before');
  await carol.waitForMessage((m) => m.nick === alice.nick && m.message === 'before');
  const oper = await connectIrc(uniqueNick('oper'), { server: 'ircv3' });
  await asOper(oper);

  oper.sendRaw('UNLOADMODULE m_ircv3_echomessage.so');
  try {
    // Both the bot and alice's puppet hear it: each drops the capability.
    await pollUntil(async () => (capabilityLog().filter((l) => l.removed.includes('echo-message')).length >= 2 ? true : undefined),
      { what: 'the bridge to drop echo-message', timeoutMs: 15_000, intervalMs: 200, detail: () => bridge().logTail(20) });
  } finally {
    oper.sendRaw('LOADMODULE m_ircv3_echomessage.so');
  }
  // Logged only for a registered connection: a reconnect negotiates afresh and logs nothing here.
  await pollUntil(async () => (capabilityLog().some((l) => l.connection.startsWith('@') && l.added.includes('echo-message')) ? true : undefined),
    { what: 'alice\'s connection to take echo-message again', timeoutMs: 15_000, intervalMs: 200, detail: () => bridge().logTail(20) });

  // echo-message works again on the same connection: alice's next line gets its msgid, and an IRC reply to it is a Matrix reply.
  const eventId = await alice.client.sendText(roomId, 'after the reload');
  const heard = await carol.waitForMessage((m) => m.nick === alice.nick && m.message === 'after the reload');
  carol.sendRaw(`@+draft/reply=${heard.tags.msgid} PRIVMSG ${channel} :carol answers`);
  const answer = await alice.client.waitForMessage(roomId, /carol answers/);
  expect(answer.content['m.relates_to']).toEqual({ 'm.in_reply_to': { event_id: eventId } });
});
