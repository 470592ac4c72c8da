import type { BridgeContext, Connector } from '../connector';
import type { MatrixEvent } from '../events';
import { asRoomAlias, asRoomId, asUserId, localpartOf, type RoomAlias, type RoomId } from '../ids';
import { createTestBridge, type TestBridge } from './index';

// The kit tested as a connector author uses it: a small echo connector, a real Bridge, the
// in-process homeserver. Each test asserts on what the homeserver received and holds.

class EchoConnector implements Connector {
  readonly name = 'echo';
  ctx!: BridgeContext;
  /** Thrown by the next handler calls, to see the core's retries. */
  failures: Error[] = [];
  handled: MatrixEvent[] = [];

  async start(ctx: BridgeContext): Promise<void> { this.ctx = ctx; }
  async stop(): Promise<void> {}
  async onUserQuery(): Promise<boolean> { return true; }
  async onAliasQuery(alias: RoomAlias): Promise<boolean> {
    const roomId = await this.ctx.bot.createRoom({ aliasLocalpart: localpartOf(alias), preset: 'public_chat', name: 'Echo' });
    await this.ctx.store.rooms.link(roomId, { network: 'echo', remoteId: localpartOf(alias), data: {} });
    return true;
  }
  async onMatrixEvent(event: MatrixEvent): Promise<void> {
    const failure = this.failures.shift();
    if (failure) throw failure;
    this.handled.push(event);
    if (event.type !== 'm.room.message') return;
    const ghost = this.ctx.intent(this.ctx.userId(`_test_${localpartOf(event.sender)}`));
    await ghost.ensureProfile({ displayName: `Echo of ${event.sender}` });
    await ghost.sendMessage(event.roomId, { msgtype: 'm.notice', body: String(event.content.body) });
  }
}

describe('createTestBridge', () => {
  let tb: TestBridge;
  let connector: EchoConnector;
  beforeEach(async () => {
    connector = new EchoConnector();
    tb = await createTestBridge({ connector });
  });
  afterEach(() => tb.stop());

  async function portal(): Promise<RoomId> {
    expect(await tb.queryAlias(asRoomAlias('#test_lobby:hs.test'))).toBe(true);
    return tb.homeserver.model.aliases.get(asRoomAlias('#test_lobby:hs.test'))!.roomId;
  }

  it('carries a pushed message to the connector and records what the ghost sent', async () => {
    const room = await portal();
    const alice = tb.user('alice');
    await tb.push.membership(room, alice, 'join');
    const eventId = await tb.push.message(room, alice, 'hello');
    await tb.settle();

    expect(connector.handled.map((e) => e.eventId)).toContain(eventId);
    const [echo, ...more] = tb.sent.messages(room);
    expect(more).toEqual([]);
    expect(echo).toMatchObject({ sender: '@_test_alice:hs.test', content: { msgtype: 'm.notice', body: 'hello' } });
    // The ghost was registered, named and joined before it spoke, as Synapse requires.
    expect(tb.sent.to('register').map((r) => r.body.username)).toEqual(['_test_alice']);
    expect(tb.homeserver.model.profiles.get(echo!.sender)?.displayname).toBe('Echo of @alice:hs.test');
    expect(tb.homeserver.model.room(room).membership(echo!.sender)).toBe('join');
    expect(tb.sent.memberships(room)).toContainEqual(expect.objectContaining({ action: 'join', userId: echo!.sender }));
    expect(tb.sent.state(room, 'm.room.power_levels')).toEqual([]); // createRoom's own state is not "sent" state
  });

  it('resolves an unknown alias in the namespace by asking the bridge, like Synapse', async () => {
    const bob = tb.user('bob');
    expect(await tb.queryAlias(asRoomAlias('#other:hs.test'))).toBe(false); // outside the namespace: the core says no
    const roomId = await tb.join(bob, asRoomAlias('#test_fresh:hs.test'));
    await tb.settle();
    expect(tb.homeserver.model.room(roomId).membership(bob)).toBe('join');
    expect(connector.handled).toContainEqual(expect.objectContaining({ type: 'm.room.member', stateKey: bob }));
    expect(tb.sent.to('createRoom')).toHaveLength(1);
    await expect(tb.join(bob, asRoomAlias('#elsewhere:hs.test'))).rejects.toMatchObject({ errcode: 'M_NOT_FOUND' });
  });

  it('retries 500s and dropped connections with one transaction ID, so the room gets the message once', async () => {
    const room = await portal();
    const alice = tb.user('alice');
    tb.failNext(2, { status: 500 }, { endpoint: 'send' });
    tb.failNext(1, { network: true }, { endpoint: 'send' });
    await tb.push.message(room, alice, 'flaky');
    await tb.settle();

    const attempts = tb.sent.to('send');
    expect(attempts.map((r) => r.fault ? ('status' in r.fault ? r.fault.status : 'network') : r.status)).toEqual([500, 500, 'network', 200]);
    expect(new Set(attempts.map((r) => r.params[2])).size).toBe(1);
    expect(tb.sent.messages(room).map((m) => m.content.body)).toEqual(['flaky']);
  });

  it('waits out a 429 and its retry_after_ms on the test clock', async () => {
    const room = await portal();
    const before = tb.clock.now();
    tb.failNext(1, { status: 429, retryAfterMs: 20_000 }, { endpoint: 'send' });
    await tb.push.message(room, tb.user('alice'), 'slow down');
    await tb.settle();
    expect(tb.sent.messages(room)).toHaveLength(1);
    expect(tb.clock.now() - before).toBeGreaterThanOrEqual(20_000);
  });

  it('lets the core retry a failing handler on the clock, then dead-letters it', async () => {
    const room = await portal();
    const alice = tb.user('alice');
    connector.failures = [new Error('remote down'), new Error('remote down')];
    await tb.push.message(room, alice, 'third time lucky');
    await tb.settle();
    expect(tb.sent.messages(room).map((m) => m.content.body)).toEqual(['third time lucky']);

    connector.failures = [new Error('a'), new Error('b'), new Error('c')];
    await tb.push.message(room, alice, 'never');
    await tb.settle();
    expect(tb.sent.messages(room)).toHaveLength(1);
    expect(tb.logs.some((l) => l.includes('dead-lettered'))).toBe(true);
  });

  it('refuses what Synapse refuses, with its errcodes', async () => {
    const room = await portal();
    const ghost = connector.ctx.intent(connector.ctx.userId('_test_ghost'));
    await ghost.ensureJoined(room);
    await tb.push.membership(room, ghost.userId, 'ban', { by: connector.ctx.bot.userId });
    await expect(ghost.sendMessage(room, { msgtype: 'm.text', body: 'x' })).rejects.toMatchObject({ errcode: 'M_FORBIDDEN' });

    // The core refuses such a localpart itself now; the homeserver would refuse it too.
    expect(() => connector.ctx.userId('_test_Upper')).toThrow(/not a valid Matrix user ID/);
    const register = await fetch(`${tb.config.homeserver.url}/_matrix/client/v3/register`, {
      method: 'POST', headers: { authorization: `Bearer ${tb.registration.asToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'm.login.application_service', username: '_test_Upper' }),
    });
    expect([register.status, ((await register.json()) as { errcode: string }).errcode]).toEqual([400, 'M_INVALID_USERNAME']);
    const outsider = connector.ctx.intent(connector.ctx.userId('_test_reader'));
    await expect(outsider.getState(room, 'm.room.name')).rejects.toMatchObject({ errcode: 'M_FORBIDDEN' });
    expect(await connector.ctx.bot.getState(room, 'm.room.name')).toEqual({ name: 'Echo' });
    expect(await connector.ctx.bot.getState(room, 'm.room.avatar')).toBeUndefined();
    await expect(connector.ctx.bot.deleteAlias(asRoomAlias('#test_none:hs.test'))).rejects.toMatchObject({ errcode: 'M_NOT_FOUND' });
  });

  it('serves media the bridge uploaded', async () => {
    const mxc = await connector.ctx.bot.uploadContent(Buffer.from('picture'), 'image/png', 'p.png');
    const { stream, contentType } = await connector.ctx.media.download(mxc);
    const chunks: Buffer[] = [];
    for await (const c of stream) chunks.push(c as Buffer);
    expect([contentType, Buffer.concat(chunks).toString()]).toEqual(['image/png', 'picture']);
    await expect(connector.ctx.media.download('mxc://hs.test/missing')).rejects.toMatchObject({ errcode: 'M_NOT_FOUND' });
  });

  it('keeps the store across a restart and never logs the tokens', async () => {
    const room = await portal();
    const next = new EchoConnector();
    await tb.restart(next);
    expect(await next.ctx.store.rooms.remotesOf(room)).toEqual([expect.objectContaining({ network: 'echo', remoteId: 'test_lobby' })]);
    await tb.push.message(room, tb.user('carol'), 'after restart');
    await tb.settle();
    expect(next.handled).toHaveLength(1);
    expect(tb.logs.length).toBeGreaterThan(0);
    expect(tb.logs.join('\n')).not.toContain(tb.registration.asToken);
    expect(tb.logs.join('\n')).not.toContain(tb.registration.hsToken);
  });

  it('reached the bridge with the homeserver ping at start, and pushes ephemeral events', async () => {
    await tb.settle();
    expect(tb.sent.to('ping').map((r) => r.status)).toEqual([200]);
    const result = await tb.push.transaction([{ event_id: '$bad' }]);
    expect(result.status).toBe(200); // a malformed event is skipped, not a failed transaction
  });
});

describe('createTestBridge before the bridge runs', () => {
  it('seeds the homeserver first, so a connector can use a configured room in start()', async () => {
    const roomId = asRoomId('!configured:hs.test');
    let topic: unknown;
    const tb = await createTestBridge({
      connector: {
        name: 'seeded', async stop() {}, async onMatrixEvent() {},
        async start(ctx) { await ctx.bot.join(roomId); topic = await ctx.bot.getState(roomId, 'm.room.topic'); },
      },
      seed: (hs) => {
        const alice = asUserId('@alice:hs.test');
        hs.model.addUser(alice);
        hs.model.createRoom(alice, { preset: 'public_chat', topic: 'seeded' }, roomId);
      },
    });
    try {
      expect(topic).toEqual({ topic: 'seeded' });
    } finally {
      await tb.stop();
    }
  });

  it('rejects with the connector\'s error when it cannot start', async () => {
    const failing: Connector = { name: 'broken', async start() { throw new Error('no network config'); }, async stop() {}, async onMatrixEvent() {} };
    await expect(createTestBridge({ connector: failing })).rejects.toThrow('no network config');
  });
});

describe('typed events through the kit', () => {
  it('delivers edits and reactions to the capability handlers, and the core answers for a missing one', async () => {
    const seen: string[] = [];
    const connector: Connector = {
      name: 'typed', async start() {}, async stop() {},
      async onMessage(event) { seen.push(`message ${event.body}`); },
      async onEdit(event) { seen.push(`edit ${event.target} ${event.newContent.body}`); },
    };
    const tb = await createTestBridge({ connector });
    try {
      const alice = tb.user('alice');
      const room = asRoomId('!typed:hs.test');
      await tb.push.membership(room, asUserId('@bot:hs.test'), 'join'); // the bot is in the room, so it can answer there
      const first = await tb.push.message(room, alice, 'hello');
      await tb.push.edit(room, alice, first, 'hello, world');
      await tb.push.reaction(room, alice, first, '👍');
      await tb.settle();
      expect(seen).toEqual(['message hello', `edit ${first} hello, world`]);
      // No onReaction: the bot tells alice, in the room, that reactions are not bridged.
      expect(tb.sent.messages(room)).toEqual([expect.objectContaining({ sender: '@bot:hs.test', content: expect.objectContaining({ msgtype: 'm.notice' }) })]);
    } finally {
      await tb.stop();
    }
  });
});
