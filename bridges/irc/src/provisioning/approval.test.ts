import { asRoomId, asUserId } from '@bridgekit/appservice';
import { TestClock } from '@bridgekit/appservice/testing';
import { casefold, type IrcChannel, type IrcNick, type NetworkId } from '../mapping';
import { ApprovalBroker, type ApprovalRequest, type ApprovalResult } from './approval';
import { ProvisioningError } from './errors';

const libera = 'libera' as NetworkId;
const request: ApprovalRequest = {
  network: libera,
  channel: '#Chan' as IrcChannel,
  opNick: 'Op[1]' as IrcNick,
  roomId: asRoomId('!room:example.org'),
  userId: asUserId('@alice:example.org'),
};

let clock: TestClock;
let sent: string[];
let operators: Set<string>;
let failSend: Error | undefined;
let broker: ApprovalBroker;

beforeEach(() => {
  clock = new TestClock(0);
  sent = [];
  operators = new Set(['op{1}']);
  failSend = undefined;
  broker = new ApprovalBroker({
    send: async (network, nick, text) => {
      if (failSend) throw failSend;
      sent.push(`${network} ${nick}: ${text}`);
    },
    isOperator: async (_network, _channel, nick) => operators.has(casefold(nick, 'rfc1459')),
    fold: (_network, nick) => casefold(nick, 'rfc1459'),
    clock,
    timeoutMs: 120_000,
    maxPending: 2,
  });
});

/** Starts a request and waits until its PM is out. (Wrapped: an async function would flatten the promise.) */
async function ask(req: ApprovalRequest = request): Promise<{ result: Promise<ApprovalResult> }> {
  const before = sent.length;
  const result = broker.request(req);
  await new Promise((resolve) => setImmediate(resolve));
  expect(sent.length).toBe(before + 1);
  return { result };
}

describe('ApprovalBroker', () => {
  it('asks the op by private message, naming the user, channel, room and deadline', async () => {
    void (await ask());
    expect(sent[0]).toBe(
      'libera Op[1]: @alice:example.org wants to bridge #Chan to the Matrix room !room:example.org. ' +
        'As an operator of #Chan, reply "yes" to allow it or "no" to refuse (within 2 minutes).',
    );
    expect(broker.size).toBe(1);
    expect(broker.pendingForRoom(request.roomId)).toBe(1);
  });

  it.each([['yes', 'approved'], [' Yes. ', 'approved'], ['y', 'approved'], ['NO', 'denied'], ['n!', 'denied']])(
    'reads %j as %s, matching the nick case-insensitively',
    async (answer, expected) => {
      const { result } = await ask();
      await expect(broker.handlePrivateMessage(libera, 'op{1}' as IrcNick, answer)).resolves.toBe(true);
      await expect(result).resolves.toBe(expected);
      expect(sent[1]).toContain(expected === 'approved' ? 'Thanks: bridging #Chan' : 'will not be bridged');
      expect(broker.size).toBe(0);
      expect(clock.pending).toBe(0);
    },
  );

  it('leaves other messages and other nicks to the connector', async () => {
    const { result } = await ask();
    await expect(broker.handlePrivateMessage(libera, 'op{1}' as IrcNick, 'hello bot')).resolves.toBe(false);
    await expect(broker.handlePrivateMessage(libera, 'someone' as IrcNick, 'yes')).resolves.toBe(false);
    await expect(broker.handlePrivateMessage('oftc' as NetworkId, 'Op[1]' as IrcNick, 'yes')).resolves.toBe(false);
    expect(broker.size).toBe(1);
    await broker.handlePrivateMessage(libera, 'Op[1]' as IrcNick, 'no');
    await expect(result).resolves.toBe('denied');
  });

  it('does not take a yes from someone who is no longer an operator', async () => {
    const { result } = await ask();
    operators.clear();
    await expect(broker.handlePrivateMessage(libera, 'Op[1]' as IrcNick, 'yes')).resolves.toBe(true);
    expect(sent[1]).toBe('libera Op[1]: Only an operator of #Chan can approve this; the request is still waiting.');
    expect(broker.size).toBe(1);
    operators.add('op{1}');
    await broker.handlePrivateMessage(libera, 'Op[1]' as IrcNick, 'yes');
    await expect(result).resolves.toBe('approved');
  });

  it('times out on the injected clock and tells the op', async () => {
    const { result } = await ask();
    await clock.advance(119_999);
    expect(broker.size).toBe(1);
    await clock.advance(1);
    await expect(result).resolves.toBe('timeout');
    expect(broker.size).toBe(0);
    expect(sent[1]).toBe('libera Op[1]: The request to bridge #Chan expired.');
    await expect(broker.handlePrivateMessage(libera, 'Op[1]' as IrcNick, 'yes')).resolves.toBe(false);
  });

  it('allows one waiting request per op and a bounded number overall', async () => {
    void (await ask());
    await expect(broker.request({ ...request, roomId: asRoomId('!other:example.org') })).rejects.toMatchObject({ errcode: 'BK_APPROVAL_PENDING' });
    void (await ask({ ...request, opNick: 'op2' as IrcNick }));
    await expect(broker.request({ ...request, opNick: 'op3' as IrcNick })).rejects.toMatchObject({ errcode: 'BK_TOO_MANY_PENDING' });
    expect(broker.size).toBe(2);
  });

  it('forgets the request when the message cannot be sent', async () => {
    failSend = new Error('not connected');
    const error = await broker.request(request).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProvisioningError);
    expect(error).toMatchObject({ errcode: 'BK_NETWORK_UNAVAILABLE', message: 'Could not ask Op[1] on libera: not connected' });
    expect(broker.size).toBe(0);
    expect(clock.pending).toBe(0);
  });
});
