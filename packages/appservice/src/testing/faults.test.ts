import type { BridgeContext, Connector } from '../connector';
import type { MatrixEvent } from '../events';
import { asRoomAlias, localpartOf, type RoomAlias, type RoomId } from '../ids';
import { createTestBridge, type TestBridge } from './index';

// The kit's homeserver faults and clock control, seen through a connector whose ghost echoes
// every message as a notice.
class Echo implements Connector {
  readonly name = 'echo';
  ctx!: BridgeContext;
  async start(ctx: BridgeContext): Promise<void> { this.ctx = ctx; }
  async stop(): Promise<void> {}
  async onAliasQuery(alias: RoomAlias): Promise<boolean> {
    await this.ctx.bot.createRoom({ aliasLocalpart: localpartOf(alias), preset: 'public_chat' });
    return true;
  }
  async onMatrixEvent(event: MatrixEvent): Promise<void> {
    if (event.type !== 'm.room.message') return;
    await this.ctx.intent(this.ctx.userId('_test_echo')).sendMessage(event.roomId, { msgtype: 'm.notice', body: String(event.content.body) });
  }
}

let tb: TestBridge;
beforeEach(async () => {
  tb = await createTestBridge({ connector: new Echo() });
});
afterEach(() => tb.stop());

async function room(): Promise<RoomId> {
  expect(await tb.queryAlias(asRoomAlias('#test_faults:hs.test'))).toBe(true);
  return tb.homeserver.model.aliases.get(asRoomAlias('#test_faults:hs.test'))!.roomId;
}
const echoes = (roomId: RoomId) => tb.sent.messages(roomId).filter((m) => m.sender === '@_test_echo:hs.test').map((m) => m.content.body);

it('lostResponse: the homeserver stores the event and drops the answer; the resend with the same ID makes no second event', async () => {
  const roomId = await room();
  tb.failNext(1, { lostResponse: true }, { endpoint: 'send' });
  await tb.push.message(roomId, tb.user('alice'), 'once');
  await tb.settle();
  const sends = tb.sent.to('send');
  expect(sends.map((r) => r.status)).toEqual([0, 200]);
  expect(new Set(sends.map((r) => r.params[2])).size).toBe(1);
  expect(echoes(roomId)).toEqual(['once']);
  expect(tb.homeserver.model.room(roomId).timeline.filter((e) => e.content.body === 'once' && e.type === 'm.room.message' && e.sender !== tb.user('alice'))).toHaveLength(1);
});

it('refuses with an errcode only the requests `when` picks, until clearFaults()', async () => {
  const roomId = await room();
  tb.failNext(Infinity, { status: 413, errcode: 'M_TOO_LARGE', error: 'too big' }, { endpoint: 'send', when: (r) => r.body.body === 'big' });
  await tb.push.message(roomId, tb.user('alice'), 'big');
  await tb.push.message(roomId, tb.user('alice'), 'small');
  await tb.settle();
  expect(echoes(roomId)).toEqual(['small']);
  expect(tb.sent.to('send').filter((r) => r.errcode === 'M_TOO_LARGE').length).toBeGreaterThan(0);
  // The refusal is final: the core told the sender once.
  expect(tb.sent.messages(roomId).filter((m) => String(m.content.body).startsWith('@alice:hs.test: '))).toHaveLength(1);
  tb.clearFaults();
  await tb.push.message(roomId, tb.user('alice'), 'big');
  await tb.settle();
  expect(echoes(roomId)).toEqual(['small', 'big']);
});

it('idle() never moves the clock; advance() moves it by exactly the time asked, firing what falls due', async () => {
  await room();
  const start = tb.clock.now();
  const fired: number[] = [];
  tb.clock.setTimeout(() => fired.push(tb.clock.now() - start), 1_000);
  await tb.idle();
  expect([tb.clock.now() - start, fired]).toEqual([0, []]);
  await tb.advance(999);
  expect(fired).toEqual([]);
  await tb.advance(1);
  expect([tb.clock.now() - start, fired]).toEqual([1_000, [1_000]]);
});

it('answers /messages with the sender\'s own transaction IDs, and a room\'s whole state to members', async () => {
  const roomId = await room();
  await tb.push.message(roomId, tb.user('alice'), 'hi');
  await tb.settle();
  const [echo] = tb.sent.messages(roomId);
  const { model } = tb.homeserver;
  expect(model.transactionIdFor(echo!.eventId, echo!.sender)).toBe(echo!.txnId);
  expect(model.transactionIdFor(echo!.eventId, tb.user('alice'))).toBeUndefined();
  expect(model.stateOf(roomId, 'm.room.join_rules')).toEqual({ join_rule: 'public' });
});
