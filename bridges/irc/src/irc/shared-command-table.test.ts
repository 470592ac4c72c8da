import { Client, ircLineParser } from 'irc-framework';
import { shareCommandTable } from './shared-command-table';

type Dispatching = { command_handler: { handlers: object; dispatch(message: unknown): void } };
const internals = (client: Client) => client as unknown as Dispatching;

describe('shareCommandTable', () => {
  it('gives every client the same handler table, and each still emits its own events', () => {
    const a = new Client();
    const b = new Client();
    expect(internals(a).command_handler.handlers).not.toBe(internals(b).command_handler.handlers);
    shareCommandTable(a);
    shareCommandTable(b);
    expect(internals(b).command_handler.handlers).toBe(internals(a).command_handler.handlers);

    const seen: string[] = [];
    a.on('privmsg', (e: { message: string }) => seen.push(`a ${e.message}`));
    b.on('privmsg', (e: { message: string }) => seen.push(`b ${e.message}`));
    // A generic numeric: irc-framework builds one closure per numeric, now shared as well.
    b.on('irc error', (e: { error: string }) => seen.push(`b error ${e.error}`));
    internals(b).command_handler.dispatch(ircLineParser(':carol!c@h PRIVMSG #chan :to b'));
    internals(a).command_handler.dispatch(ircLineParser(':carol!c@h PRIVMSG #chan :to a'));
    internals(b).command_handler.dispatch(ircLineParser(':irc.test 401 me nobody :No such nick/channel'));
    expect(seen).toEqual(['b to b', 'a to a', 'b error no_such_nick']);
  });
});
