import type { IrcConnectionEvents } from '../irc/events';
import { TypedEmitter } from '../irc/events';
import type { IrcClient } from '../network/client';
import type { IrcNetwork, IrcOrigin } from '../network/network';
import type { Puppet } from '../network/puppets';
import type { BridgeRuntime } from '../runtime';
import { IrcDispatcher } from './dispatch';
import { ircHandler, type AnyIrcHandler } from './registry';

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
