import { asRoomAlias, asUserId } from '@bridgekit/appservice';
import { createTestBridge, type TestBridge } from '@bridgekit/appservice/testing';
import { EchoConnector } from './index';

// The example as its author would test it: only the public API and the test kit.
describe('echo example', () => {
  let tb: TestBridge;
  beforeEach(async () => {
    tb = await createTestBridge({
      connector: new EchoConnector(),
      registration: { senderLocalpart: 'echobot', userPrefix: '_echo_', aliasPrefix: 'echo_' },
    });
  });
  afterEach(() => tb.stop());

  it('makes a portal for #echo_<topic> and echoes each message from a ghost', async () => {
    const alice = tb.user('alice');
    const room = await tb.join(alice, asRoomAlias('#echo_weather:hs.test'));
    await tb.push.message(room, alice, 'sunny?');
    await tb.settle();

    expect(tb.homeserver.model.room(room).stateEvent('m.room.name')?.content).toEqual({ name: 'Echo: weather' });
    expect(tb.sent.messages(room)).toEqual([
      expect.objectContaining({ sender: expect.stringMatching(/^@_echo_/), content: { msgtype: 'm.notice', body: 'sunny?' } }),
    ]);
    expect(tb.homeserver.model.profiles.get(tb.sent.messages(room)[0]!.sender)?.displayname).toBe('Echo of @alice:hs.test');
  });

  it('ignores rooms that are not portals, and its own ghosts', async () => {
    const alice = tb.user('alice');
    const elsewhere = tb.homeserver.model.createRoom(alice, { preset: 'public_chat' });
    await tb.push.message(elsewhere, alice, 'anyone?');
    const portal = await tb.join(alice, asRoomAlias('#echo_x:hs.test'));
    await tb.push.message(portal, asUserId('@_echo_alice:hs.test'), 'an echo');
    await tb.settle();
    expect(tb.sent.messages()).toEqual([]);
  });

  it('refuses an alias without a topic', async () => {
    expect(await tb.queryAlias(asRoomAlias('#echo_:hs.test'))).toBe(false);
    expect(tb.sent.to('createRoom')).toEqual([]);
  });
});
