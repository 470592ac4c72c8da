// Unit tests (in-process fakes) of how a password stored with !storepass logs a Matrix user's
// connection in, per the network's `auth`: SASL where offered, NickServ otherwise, or PASS.
import type { NetworkId } from '../mapping/ids';
import { alice, startHarness, type Harness } from '../testing/harness';

let h: Harness;
afterEach(async () => {
  await h?.stop();
});

const net = 'net' as NetworkId;

/** A portal where Alice has stored `password` (and `account`) and then speaks, so her connection is made. */
async function aliceSpeaks(auth: string | undefined, password: string, options: { offersSasl?: boolean; account?: string } = {}) {
  h = await startHarness({ network: auth === undefined ? {} : { auth } });
  h.server.offersSasl = options.offersSasl ?? true;
  await h.connector.accounts!.passwords.put(alice, net, password, options.account);
  const roomId = await h.portal();
  await h.matrixEvent(roomId, alice, { msgtype: 'm.text', body: 'hello' });
  const puppet = h.server.clients.find((c) => c.options.nick === 'alice[m]')!;
  const raw = h.server.sent.filter((l) => l.from === 'alice[m]' && l.kind === 'raw').map((l) => l.text);
  const said = h.server.sent.some((l) => l.from === 'alice[m]' && l.kind === 'say' && l.text === 'hello');
  return { roomId, puppet, raw, said };
}

describe('auth: auto (the default)', () => {
  it('identifies to NickServ after connecting when the server has no SASL, and never logs the password', async () => {
    const { puppet, raw, said } = await aliceSpeaks(undefined, 's3cret-pass', { offersSasl: false });
    expect(puppet.isRegistered).toBe(true);
    expect(puppet.loggedInWithSasl).toBe(false);
    expect(raw).toEqual(['PRIVMSG NickServ :IDENTIFY s3cret-pass']);
    expect(said).toBe(true);
    expect(JSON.stringify(h.tb.logs)).not.toContain('s3cret-pass');
  });

  it('logs in with SASL where the server offers it, and then sends no IDENTIFY', async () => {
    const { puppet, raw, said } = await aliceSpeaks('auto', 'pw', { account: 'AliceAcct' });
    expect(puppet.options.sasl).toEqual({ mechanism: 'PLAIN', account: 'AliceAcct', password: 'pw', optional: true });
    expect(puppet.loggedInWithSasl).toBe(true);
    expect(raw).toEqual([]);
    expect(said).toBe(true);
  });
});

describe('the other auth methods', () => {
  it('sasl: a server without SASL refuses the connection, and the user is told', async () => {
    const { roomId, puppet, said } = await aliceSpeaks('sasl', 'pw', { offersSasl: false });
    expect(puppet.isRegistered).toBe(false);
    expect(said).toBe(false);
    expect(h.messagesIn(roomId).map((e) => String(e.content.body)).join('\n')).toContain('SASL');
  });

  it('nickserv: identifies after connecting even where SASL is offered', async () => {
    const { puppet, raw } = await aliceSpeaks('nickserv', 'pw', { account: 'AliceAcct' });
    expect(puppet.options.sasl).toBeUndefined();
    expect(raw).toEqual(['PRIVMSG NickServ :IDENTIFY AliceAcct pw']);
  });

  it('server-password: sends it as PASS (account:password with an account), instead of the network password', async () => {
    const { puppet, raw, said } = await aliceSpeaks('server-password', 'pw', { account: 'AliceAcct' });
    expect(puppet.options.password).toBe('AliceAcct:pw');
    expect(puppet.options.sasl).toBeUndefined();
    expect(raw).toEqual([]);
    expect(said).toBe(true);
  });
});
