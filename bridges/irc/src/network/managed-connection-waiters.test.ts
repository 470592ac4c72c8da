/**
 * ManagedConnection's bookkeeping of callers (explicit joins, `untilConnected` waiters) is made
 * only while someone waits and dropped once empty (an idle puppet holds none): these check that
 * it still works after being dropped and made again.
 */
import { TestLogger } from '@bridgekit/appservice/testing';
import { systemClock } from '../irc/clock';
import { ConnectRateLimiter } from '../irc/reconnect';
import { closeScripted, connection, fakeServer, welcoming } from '../irc/scripted-server';
import { asIrcNick } from '../mapping/ids';
import { ManagedConnection } from './managed-connection';

jest.setTimeout(10_000);

afterEach(closeScripted);

/** A server that welcomes, lets #open be joined and refuses #closed (473, invite only). */
async function joiningServer() {
  return fakeServer(welcoming((line, send) => {
    if (line === 'JOIN #open') send(':me!me@host JOIN #open');
    if (line === 'JOIN #closed') send(':srv 473 me #closed :Cannot join channel (+i)');
  }));
}

function managed(port: number, failed: string[]): ManagedConnection {
  return new ManagedConnection({
    label: 'me', host: '127.0.0.1', client: connection(port, { nick: asIrcNick('me'), username: 'me' }),
    limiter: new ConnectRateLimiter({ perSecond: 100 }), backoff: {}, clock: systemClock, log: new TestLogger(),
    onJoinFailed: (channel) => failed.push(channel),
  });
}

describe('ManagedConnection callers', () => {
  it('reports a refused join to its caller only, and a later background one to onJoinFailed', async () => {
    const server = await joiningServer();
    const failed: string[] = [];
    const conn = managed(server.port, failed);
    await conn.join('#open');
    await expect(conn.join('#closed')).rejects.toMatchObject({ code: 'IRC_JOIN_FAILED' });
    expect(failed).toEqual([]);
    // No caller waits for #closed any more: the next failure is the background's to report.
    conn.want('#closed');
    for (let i = 0; i < 200 && failed.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(failed).toEqual(['#closed']);
    await conn.stop('done');
  });

  it('wakes untilConnected waiters at every connect, including after earlier ones were woken', async () => {
    const server = await joiningServer();
    const conn = managed(server.port, []);
    const never = new AbortController();
    const first = conn.untilConnected(Date.now() + 5_000, never.signal);
    await conn.ensureConnected();
    await expect(first).resolves.toBe('connected');
    await conn.disconnect('idle');
    const second = conn.untilConnected(Date.now() + 5_000, never.signal);
    const aborted = new AbortController();
    const third = conn.untilConnected(Date.now() + 5_000, aborted.signal);
    aborted.abort();
    await expect(third).resolves.toBe('stopped');
    await conn.ensureConnected();
    await expect(second).resolves.toBe('connected');
    await conn.stop('done');
  });
});
