import { Client, ircLineParser } from 'irc-framework';
import type { IrcConnectionEvents } from './events';
import { DEFAULT_ISUPPORT } from './isupport';
import { bindEvents, type TranslationContext } from './translate';

interface Emitted { event: keyof IrcConnectionEvents; value: unknown }

function translated(): { client: Client; emitted: Emitted[]; caps: string[]; feed: (line: string) => void } {
  const client = new Client();
  const emitted: Emitted[] = [];
  const caps: string[] = [];
  const ctx: TranslationContext = {
    isupport: () => DEFAULT_ISUPPORT,
    isSelf: (nick) => nick === 'me',
    noteSelf: () => undefined,
    noteWhois: () => undefined,
    awaitsWhois: () => false,
    noteCapabilities: (added, removed) => caps.push(`+${added.join(',')} -${removed.join(',')}`),
  };
  const names = (client as unknown as { eventNames(): string[] }).eventNames().slice().sort();
  bindEvents(client, ctx, (event, value) => emitted.push({ event, value }));
  // Adds nothing to the client's own listeners: one middleware for all events (translate.ts).
  expect((client as unknown as { eventNames(): string[] }).eventNames().slice().sort()).toEqual(names);
  const connection = client.connection as unknown as { emit(event: string, ...args: unknown[]): void };
  return { client, emitted, caps, feed: (line) => connection.emit('message', ircLineParser(line), line) };
}

describe('bindEvents', () => {
  it('translates what irc-framework parsed without a listener per event on its client', () => {
    const { client, emitted, feed } = translated();
    feed(':alice!a@host PRIVMSG #chan :hello there');
    feed(':bob!b@host JOIN #chan');
    expect(emitted.map((e) => e.event)).toEqual(['message', 'join']);
    expect(emitted[0]?.value).toMatchObject({ kind: 'privmsg', nick: 'alice', host: 'host', target: '#chan', text: 'hello there', self: false });
    expect(emitted[1]?.value).toMatchObject({ nick: 'bob', channel: '#chan', self: false });
    for (const event of ['privmsg', 'join', 'part', 'quit', 'nick', 'mode']) {
      expect((client as unknown as { listenerCount(e: string): number }).listenerCount(event)).toBe(0);
    }
  });

  it('still emits the client\'s own events after translating them, for listeners added later', () => {
    const { client, emitted, feed } = translated();
    const heard: string[] = [];
    client.on('part', (e) => heard.push(`${e.nick} left ${e.channel}`));
    feed(':carol!c@host PART #chan :bye');
    expect(emitted.map((e) => e.event)).toEqual(['part']);
    expect(heard).toEqual(['carol left #chan']);
  });

  it('hands cap-notify changes to the connection without a listener on the client', () => {
    const { client, caps, feed } = translated();
    feed(':srv CAP me DEL :away-notify');
    expect(caps).toEqual(['+ -away-notify']);
    expect((client as unknown as { listenerCount(e: string): number }).listenerCount('cap del')).toBe(0);
  });
});
