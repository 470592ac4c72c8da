/**
 * IrcConnection's IRCv3 reports against scripted servers: labeled-response WHOIS, cap-notify,
 * and the user-state events (account-notify, away-notify, chghost, netsplit/netjoin batches).
 */
import { closeScripted, connection, fakeServer, welcoming, type Script } from './scripted-server';

jest.setTimeout(10_000);
afterEach(closeScripted);

const CAPS = 'labeled-response batch message-tags account-notify away-notify chghost extended-join cap-notify';

/** Answers `@label=x WHOIS nick` in a labeled batch, as `reply` says. */
function labeledWhois(reply: (nick: string) => string[]): Script {
  return (line, send) => {
    const m = /^@label=(\S+) WHOIS (\S+)$/.exec(line);
    if (!m) return;
    send(`@label=${m[1]} :srv BATCH +b1 labeled-response`);
    for (const l of reply(m[2]!)) send(`@batch=b1 ${l}`);
    send(':srv BATCH -b1');
  };
}

describe('labeled-response', () => {
  it('sends WHOIS with a label and takes the labeled batch as its answer, even when the reply names another nick', async () => {
    // The user changed nick between our WHOIS and the reply: only the label says it answers us.
    const server = await fakeServer(welcoming(labeledWhois(() => [
      ':srv 311 me carol_ ~c host.example * :Carol', ':srv 330 me carol_ carolacct :is logged in as', ':srv 318 me carol_ :End of /WHOIS list',
    ]), CAPS));
    const c = connection(server.port);
    await c.connect();
    expect(c.labeledResponse).toBe(true);
    await expect(c.whois('carol')).resolves.toMatchObject({ nick: 'carol_', host: 'host.example', account: 'carolacct' });
    expect(server.received.find((l) => l.includes('WHOIS'))).toMatch(/^@label=\S+ WHOIS carol$/);
  });

  it('answers "nobody" for a labeled reply with only an error in it, and reports no refused message', async () => {
    const server = await fakeServer(welcoming(labeledWhois((nick) => [`:srv 401 me ${nick} :No such nick`, `:srv 318 me ${nick} :End of /WHOIS list`]), CAPS));
    const c = connection(server.port);
    const errors: string[] = [];
    c.on('serverError', (e) => errors.push(e.error));
    await c.connect();
    await expect(c.whois('ghost')).resolves.toBeUndefined();
    expect(errors).toEqual([]);
  });
});

describe('user state and cap-notify', () => {
  it('reports ACCOUNT, AWAY, CHGHOST, netsplit/netjoin batches and capabilities that come and go', async () => {
    const server = await fakeServer(welcoming((line, send) => {
      if (line !== 'JOIN #c') return;
      send(':me!me@h JOIN #c * :Me');
      send(':carol!c@h ACCOUNT carolacct');
      send(':carol!c@h AWAY :lunch');
      send(':carol!c@h AWAY');
      send(':carol!c@h CHGHOST c2 new.host');
      send(':srv BATCH +s netsplit hub.test leaf.test');
      send('@batch=s :dave!d@h QUIT :hub.test leaf.test');
      send(':srv BATCH -s');
      send(':srv BATCH +j netjoin hub.test leaf.test');
      send('@batch=j :dave!d@h JOIN #c davesacct :Dave');
      send(':srv BATCH -j');
      send(':srv CAP me DEL :away-notify');
      send(':srv CAP me NEW :away-notify');
    }, CAPS));
    const c = connection(server.port);
    const seen: string[] = [];
    c.on('account', (e) => seen.push(`account ${e.nick} ${e.account}`));
    c.on('away', (e) => seen.push(`away ${e.nick} ${e.message}`));
    c.on('hostChange', (e) => seen.push(`host ${e.nick} ${e.newIdent}@${e.newHost}`));
    c.on('quit', (e) => seen.push(`quit ${e.nick} netsplit=${e.netsplit === true}`));
    c.on('join', (e) => e.self || seen.push(`join ${e.nick} netjoin=${e.netjoin === true} account=${e.account}`));
    c.on('serverLink', (e) => seen.push(`${e.kind} ${e.servers.join(' ')} (${e.lines})`));
    const back = new Promise<void>((resolve) => c.on('capabilities', (e) => {
      seen.push(`caps +${e.added.join(',')} -${e.removed.join(',')}`);
      if (e.added.includes('away-notify')) resolve();
    }));
    await c.connect();
    await c.join('#c');
    await back;
    expect(seen).toEqual([
      'account carol carolacct', 'away carol lunch', 'away carol undefined', 'host carol c2@new.host',
      'quit dave netsplit=true', 'netsplit hub.test leaf.test (1)', 'join dave netjoin=true account=davesacct', 'netjoin hub.test leaf.test (1)',
      'caps + -away-notify', 'caps +away-notify -',
    ]);
    expect(c.capabilities).toContain('away-notify');
  });
});

describe('what a connection keeps per connection', () => {
  it('adds no listener of its own: echoes and cap-notify are seen through the one translating middleware', async () => {
    const server = await fakeServer(welcoming((line, send) => {
      if (/PRIVMSG #c :hi$/.test(line)) send('@msgid=m1 :me!me@h PRIVMSG #c :hi');
      if (line !== 'PING :late') return;
      send(':srv CAP me DEL :away-notify');
      send(':srv CAP me NEW :away-notify');
    }, `${CAPS} echo-message`));
    const c = connection(server.port, { echoMessage: true });
    await c.connect();
    // Each listener used to be a closure and an emitter record per puppet (issue 13).
    expect(c.listenerCount('message') + c.listenerCount('serverError')).toBe(0);
    const client = (c as unknown as { client: { listenerCount(event: string): number } }).client;
    expect(client.listenerCount('cap ack') + client.listenerCount('cap del')).toBe(0);
    // The echo still settles the send with the server's word for it...
    await expect(c.say('#c', 'hi')).resolves.toMatchObject({ lines: 1, echoes: ['m1'] });
    // ...and a capability the server adds later is still reported.
    const removed = c.once('capabilities');
    const added = c.once('capabilities', (e) => e.added.length > 0);
    await c.raw('PING :late');
    await expect(removed).resolves.toMatchObject({ added: [], removed: ['away-notify'] });
    await expect(added).resolves.toMatchObject({ added: ['away-notify'], removed: [] });
  });
});
