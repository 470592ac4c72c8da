import { Client, ircLineParser } from 'irc-framework';
import { slimClient } from './slim-client';

type Internals = {
  connection: { listenerCount(event: string): number; emit(event: string, ...args: unknown[]): void };
  command_handler: { handlers: object };
};
const internals = (client: Client) => client as unknown as Internals;
const FORWARDS = ['debug', 'raw', 'reconnecting', 'socket error', 'raw socket connected'];

describe('slimClient', () => {
  it('drops the forwarders of connection events nobody in the bridge listens to, and shares the command table', () => {
    const plain = new Client();
    const slim = new Client();
    slimClient(slim);
    for (const event of FORWARDS) {
      expect(internals(plain).connection.listenerCount(event)).toBe(1);
      expect(internals(slim).connection.listenerCount(event)).toBe(0);
    }
    const other = new Client();
    slimClient(other);
    expect(internals(other).command_handler.handlers).toBe(internals(slim).command_handler.handlers);
  });

  it('keeps forwarding what the bridge listens to, and parsing lines', () => {
    const client = new Client();
    slimClient(client);
    const seen: string[] = [];
    client.on('close', () => seen.push('close'));
    client.on('socket close', () => seen.push('socket close'));
    client.on('privmsg', (e) => seen.push(`privmsg ${e.message}`));
    const line = ':alice!a@h PRIVMSG #chan :hi';
    internals(client).connection.emit('message', ircLineParser(line), line);
    internals(client).connection.emit('socket close');
    internals(client).connection.emit('close');
    expect(seen).toEqual(['privmsg hi', 'socket close', 'close']);
  });
});
