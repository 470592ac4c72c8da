import { asEventId, asRoomId, asUserId, BridgeError, CHECK_THE_LOG, isBridgeError, parseEvent } from '@bridgekit/appservice';
import { IrcError } from '../irc/errors';
import type { IrcConnectionEvents } from '../irc/events';
import { TypedEmitter } from '../irc/events';
import type { IrcClient } from '../network/client';
import type { IrcNetwork, IrcOrigin } from '../network/network';
import type { Puppet } from '../network/puppets';
import type { BridgeRuntime } from '../runtime';
import { IrcDispatcher, MatrixDispatcher } from './dispatch';
import { ircHandler, matrixHandler, type AnyIrcHandler, type AnyMatrixHandler } from './registry';

class FakeClient extends TypedEmitter<IrcConnectionEvents> {
  fire<E extends keyof IrcConnectionEvents>(event: E, value: IrcConnectionEvents[E]): void {
    this.emit(event, value);
  }
}

const network = { id: 'net', ownNicks: { has: (nick: string) => nick === 'alice[m]' } } as unknown as IrcNetwork;
const message = (nick: string) => ({ nick, target: '#chan', text: 'hi' }) as unknown as IrcConnectionEvents['message'];

function setup() {
  const ran: string[] = [];
  const handler = (name: string, event: 'message' | 'topic' | 'nick', from?: 'bot' | 'puppet' | 'any') => ircHandler({
    name, event, ...(from ? { from } : {}), handle: (_e: unknown, origin: IrcOrigin) => { ran.push(`${name}@${origin.from}`); },
  }) as AnyIrcHandler;
  const dispatcher = new IrcDispatcher([
    handler('pm', 'message', 'puppet'),
    handler('channel', 'message'),
    handler('topic', 'topic'),
    handler('rename', 'nick', 'any'),
  ], () => ({}) as BridgeRuntime);
  return { dispatcher, ran };
}

describe('IrcDispatcher.attach', () => {
  it('subscribes a puppet only to the kinds some handler wants from puppets', () => {
    const { dispatcher, ran } = setup();
    const client = new FakeClient();
    dispatcher.attach(client as unknown as IrcClient, { network, from: 'puppet', puppet: {} as Puppet });
    expect(client.listenerCount('message')).toBe(1);
    expect(client.listenerCount('nick')).toBe(1);
    expect(client.listenerCount('topic')).toBe(0);
    client.fire('message', message('bob'));
    expect(ran).toEqual(['pm@puppet']);
  });

  it('gives the bot its handlers, dropping our own puppets\' lines for handlers that do not want them', () => {
    const { dispatcher, ran } = setup();
    const client = new FakeClient();
    dispatcher.attach(client as unknown as IrcClient, { network, from: 'bot' });
    expect(client.listenerCount('topic')).toBe(1);
    client.fire('message', message('bob'));
    client.fire('message', message('alice[m]'));
    expect(ran).toEqual(['channel@bot']);
  });
});

describe('MatrixDispatcher.dispatch', () => {
  const metrics = { handlerErrors: { inc: () => undefined } };
  const rt = () => ({ metrics }) as unknown as BridgeRuntime;
  const message = parseEvent({ eventId: asEventId('$m'), roomId: asRoomId('!r:hs'), sender: asUserId('@a:hs'), type: 'm.room.message', content: { msgtype: 'm.text', body: 'hi' }, originServerTs: 0 });
  const join = parseEvent({ eventId: asEventId('$j'), roomId: asRoomId('!r:hs'), sender: asUserId('@a:hs'), type: 'm.room.member', stateKey: '@a:hs', content: { membership: 'join' }, originServerTs: 0 });

  function dispatcherWith(...handlers: Array<(ran: string[]) => AnyMatrixHandler>) {
    const ran: string[] = [];
    return { ran, dispatcher: new MatrixDispatcher(handlers.map((h) => h(ran)), rt) };
  }
  const ok = (name: string, kind: 'message' | 'membership') => (ran: string[]) => matrixHandler({ name, kinds: [kind], handle: async () => { ran.push(name); } });
  const throwing = (name: string, kind: 'message' | 'membership', error: unknown) => (ran: string[]) => matrixHandler({ name, kinds: [kind], handle: async () => { ran.push(name); throw error; } });

  it('runs only the handlers of the event\'s kind, in order', async () => {
    const { dispatcher, ran } = dispatcherWith(ok('a', 'membership'), ok('b', 'message'), ok('c', 'membership'));
    await dispatcher.dispatch(join);
    expect(ran).toEqual(['a', 'c']);
  });

  it('runs every handler after one failed, then throws the first failure as a final error for the core', async () => {
    const refusal = new IrcError('IRC_NOT_DELIVERED', 'Your message was not delivered to #chan on Net: the channel refused it.');
    const { dispatcher, ran } = dispatcherWith(throwing('a', 'message', refusal), throwing('b', 'message', new Error('second')), ok('c', 'message'));
    const thrown = await dispatcher.dispatch(message).catch((e: unknown) => e);
    expect(ran).toEqual(['a', 'b', 'c']);
    expect(isBridgeError(thrown)).toBe(true);
    expect(thrown).toBe(refusal); // already final: handed on as it is
    expect(thrown).toMatchObject({ code: 'IRC_NOT_DELIVERED', retriable: false, notifySender: true, userMessage: refusal.message });
  });

  it('a bug in a message handler tells the sender to ask an admin; one in a membership handler tells nobody', async () => {
    const onMessage = await dispatcherWith(throwing('m', 'message', new TypeError('undefined is not a function'))).dispatcher.dispatch(message).catch((e: unknown) => e);
    const onJoin = await dispatcherWith(throwing('j', 'membership', new TypeError('oops'))).dispatcher.dispatch(join).catch((e: unknown) => e);
    expect(onMessage).toMatchObject({ code: 'HANDLER_FAILED', retriable: false, notifySender: true, userMessage: CHECK_THE_LOG });
    expect(String((onMessage as Error).message)).toContain('undefined is not a function'); // the log's side
    expect(onJoin).toMatchObject({ code: 'HANDLER_FAILED', retriable: false, notifySender: false });
  });

  it('makes a retriable IRC error final, keeping its code and sentence', async () => {
    const full = new IrcError('IRC_SEND_QUEUE_FULL', 'Too much is waiting to go to IRC.');
    const thrown = await dispatcherWith(throwing('m', 'message', full)).dispatcher.dispatch(message).catch((e: unknown) => e);
    expect(thrown).toMatchObject({ code: 'IRC_SEND_QUEUE_FULL', retriable: false, notifySender: true, userMessage: full.message, details: { handler: 'm' }, cause: full });
  });

  it('makes a retriable core error final, so a message is never sent twice', async () => {
    const outage = new BridgeError('CSAPI_UNAVAILABLE', 'homeserver 502');
    const thrown = await dispatcherWith(throwing('m', 'message', outage)).dispatcher.dispatch(message).catch((e: unknown) => e);
    expect(thrown).toMatchObject({ code: 'CSAPI_UNAVAILABLE', retriable: false, notifySender: true, cause: outage });
  });
});
