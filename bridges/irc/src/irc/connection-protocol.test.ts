/**
 * IrcConnection against scripted in-process servers (unit tests): the registration failures,
 * encodings and IRCv3 details a real ngIRCd cannot be made to produce on demand.
 */
import net from 'node:net';
import { asIrcNick, type IrcNick } from '../mapping/ids';
import { closeScripted, connection, fakeServer, fixture, welcoming } from './scripted-server';
import { freePort } from '@bridgekit/appservice/testing';

jest.setTimeout(10_000);

afterEach(closeScripted);

describe('registration', () => {
  it('reports a wrong server password', async () => {
    const server = await fakeServer((line, send) => {
      if (line.startsWith('USER')) send(':srv 464 * :Password incorrect');
    });
    await expect(connection(server.port, { password: 'wrong' }).connect()).rejects.toMatchObject({ code: 'IRC_BAD_PASSWORD' });
    expect(server.received).toContain('PASS wrong');
  });

  it('tries every candidate nick, then gives up', async () => {
    const server = await fakeServer((line, send) => {
      if (line.startsWith('NICK ')) send(`:srv 433 * ${line.slice(5)} :Nickname is already in use`);
    });
    const candidates = (n: IrcNick) => [n, asIrcNick(`${n}_`), asIrcNick(`${n}1`)];
    await expect(connection(server.port, { nickCandidates: candidates }).connect()).rejects.toMatchObject({ code: 'IRC_NICK_UNAVAILABLE' });
    expect(server.received.filter((l) => l.startsWith('NICK '))).toEqual(['NICK me', 'NICK me_', 'NICK me1']);
  });

  it('says which nick it asked for when the server gave another', async () => {
    // The bridge must not take the holder of the refused nick for one of its own puppets.
    let nicks = 0;
    let nick = '';
    let user = false;
    let capEnd = false;
    const server = await fakeServer((line, send) => {
      if (line.startsWith('CAP LS')) send(':srv CAP * LS :');
      else if (line === 'CAP END') capEnd = true;
      else if (line.startsWith('USER ')) user = true;
      else if (line.startsWith('NICK ')) {
        if (nicks++ === 0) send(`:srv 433 * ${line.slice(5)} :Nickname is already in use`);
        else nick = line.slice(5);
      }
      if (nick !== '' && user && capEnd && line !== 'PONG') {
        send(`:srv 001 ${nick} :Welcome`);
        send(`:srv 376 ${nick} :End of MOTD`);
        nick = '';
      }
    });
    const candidates = (n: IrcNick) => [n, asIrcNick(`${n}_`)];
    await expect(connection(server.port, { nickCandidates: candidates }).connect()).resolves.toMatchObject({ nick: 'me_', asked: 'me' });
  });

  it('times out when the server never welcomes us', async () => {
    const server = await fakeServer(() => undefined);
    await expect(connection(server.port, { registrationTimeoutMs: 200 }).connect()).rejects.toMatchObject({ code: 'IRC_REGISTRATION_TIMEOUT' });
  });

  it('reports a refused TCP connection', async () => {
    const port = await freePort();
    await expect(connection(port).connect()).rejects.toMatchObject({ code: 'IRC_CONNECT_FAILED', message: expect.stringMatching(/ECONNREFUSED/) });
  });

  it('reports the server ERROR that closed the connection', async () => {
    const server = await fakeServer((line, send, socket) => {
      if (line.startsWith('USER')) {
        send('ERROR :Closing Link: me (K-Lined: go away)');
        socket.end();
      }
    });
    await expect(connection(server.port).connect()).rejects.toMatchObject({ code: 'IRC_CONNECTION_CLOSED', message: expect.stringMatching(/K-Lined/) });
  });

  it('fails on a refused SASL login and sends the PLAIN credentials', async () => {
    const server = await fakeServer((line, send) => {
      if (line.startsWith('CAP LS')) send(':srv CAP * LS :sasl=PLAIN');
      else if (line.startsWith('CAP REQ')) send(':srv CAP * ACK :sasl');
      else if (line === 'AUTHENTICATE PLAIN') send('AUTHENTICATE +');
      else if (line.startsWith('AUTHENTICATE ')) send(':srv 904 * :SASL authentication failed');
    });
    const c = connection(server.port, { sasl: { mechanism: 'PLAIN', account: 'acct', password: 'pässword' } });
    await expect(c.connect()).rejects.toMatchObject({ code: 'IRC_SASL_FAILED' });
    const payload = server.received.find((l) => l.startsWith('AUTHENTICATE ') && l !== 'AUTHENTICATE PLAIN');
    expect(Buffer.from((payload ?? '').slice(13), 'base64').toString('utf8')).toBe('acct\0acct\0pässword');
  });

  it.each([[true], [false]])('SASL EXTERNAL refused (optional: %s): an optional one registers without login, a required one fails', async (optional) => {
    const server = await fakeServer(welcoming((line, send) => {
      if (line === 'AUTHENTICATE EXTERNAL') send('AUTHENTICATE +');
      else if (line === 'AUTHENTICATE +') send(':srv 904 * :SASL authentication failed');
    }, 'sasl=EXTERNAL'));
    const c = connection(server.port, { sasl: { mechanism: 'EXTERNAL', optional } });
    if (optional) {
      await expect(c.connect()).resolves.toMatchObject({ nick: 'me' });
      expect(c.loggedInWithSasl).toBe(false);
    } else {
      await expect(c.connect()).rejects.toMatchObject({ code: 'IRC_SASL_FAILED' });
    }
    expect(server.received).toContain('AUTHENTICATE +');
  });

  it('asks for chghost where offered, and a CHGHOST is no QUIT and JOIN', async () => {
    const server = await fakeServer(welcoming((line, send) => {
      if (line !== 'JOIN #c') return;
      send(':me!me@h JOIN #c');
      send(':carol!c@old.host JOIN #c');
      send(':carol!c@old.host CHGHOST c new.host');
      send(':carol!c@new.host PRIVMSG #c :moved');
    }, 'chghost'));
    const c = connection(server.port);
    const seen: string[] = [];
    c.on('join', (e) => seen.push(`join ${e.nick}`));
    c.on('quit', (e) => seen.push(`quit ${e.nick}`));
    const moved = c.once('message', (m) => m.text === 'moved');
    await c.connect();
    expect(server.received).toContain('CAP REQ :chghost');
    await c.join('#c');
    await moved;
    expect(seen).toEqual(['join me', 'join carol']);
  });

  it('goes on without optional SASL on a server that does not offer it, and says it did not log in', async () => {
    const server = await fakeServer(welcoming(undefined, 'multi-prefix'));
    const c = connection(server.port, { sasl: { mechanism: 'PLAIN', account: 'acct', password: 'pw', optional: true } });
    await expect(c.connect()).resolves.toMatchObject({ nick: 'me' });
    expect(c.loggedInWithSasl).toBe(false);
    expect(server.received.some((l) => l.startsWith('AUTHENTICATE'))).toBe(false);
  });

  it.each([['multi-prefix'], ['']])('fails required SASL on a server that does not offer it (CAP LS: %j)', async (caps) => {
    const server = await fakeServer(welcoming(undefined, caps));
    await expect(connection(server.port, { sasl: { mechanism: 'PLAIN', account: 'acct', password: 'pw' } }).connect()).rejects.toMatchObject({ code: 'IRC_SASL_FAILED' });
  });

  it('logs in with optional SASL where the server offers it', async () => {
    const server = await fakeServer(welcoming((line, send) => {
      if (line === 'AUTHENTICATE PLAIN') send('AUTHENTICATE +');
      else if (line.startsWith('AUTHENTICATE ')) {
        send(':srv 900 * me!me@h acct :You are now logged in as acct');
        send(':srv 903 * :SASL authentication successful');
      }
    }, 'sasl=PLAIN'));
    const c = connection(server.port, { sasl: { mechanism: 'PLAIN', account: 'acct', password: 'pw', optional: true } });
    await expect(c.connect()).resolves.toMatchObject({ nick: 'me' });
    expect(c.loggedInWithSasl).toBe(true);
  });

  it('connects over TLS trusting a private CA, and refuses an untrusted certificate', async () => {
    const server = await fakeServer(welcoming(), { tls: true });
    await expect(connection(server.port, { tls: true }).connect()).rejects.toMatchObject({ code: 'IRC_CONNECT_FAILED', message: expect.stringMatching(/certificate/i) });
    await expect(connection(server.port, { tls: true, ca: fixture('test-ca.pem') }).connect()).resolves.toMatchObject({ nick: 'me' });
  });

  it('refuses unsafe credentials before connecting', () => {
    expect(() => connection(1, { username: 'a b' })).toThrow(/whitespace/);
    expect(() => connection(1, { password: 'x\r\nQUIT' })).toThrow(/line break/);
    expect(() => connection(1, { encoding: 'klingon' })).toThrow(/encoding/);
  });
});

describe('after registration', () => {
  it('decodes UTF-8 and falls back for other bytes, per line', async () => {
    const server = await fakeServer(welcoming((line, send) => {
      if (line.startsWith('USER')) {
        send(Buffer.concat([Buffer.from(':a!a@h PRIVMSG me :caf'), Buffer.from([0xe9])]));
        send(':a!a@h PRIVMSG me :café ✓');
      }
    }));
    const c = connection(server.port, { encoding: 'latin1' });
    const texts: string[] = [];
    const two = new Promise<void>((resolve) => c.on('message', (m) => {
      texts.push(m.text);
      if (texts.length === 2) resolve();
    }));
    const registered = await c.connect();
    expect(registered.isupport).toMatchObject({ nickLength: 16, casemapping: 'rfc1459', chanTypes: '#' });
    await two;
    expect(texts).toEqual(['café', 'café ✓']);
  });

  it('parses server-time and msgid, and flags our echoed messages', async () => {
    const server = await fakeServer(welcoming((line, send) => {
      if (line.startsWith('PRIVMSG #c :')) {
        send(`@time=2024-01-02T03:04:05.678Z;msgid=abc123 :me!me@h ${line}`);
        send(`@time=2024-01-02T03:04:06.000Z;msgid=def :Other!o@h PRIVMSG #c :reply`);
      }
    }, 'server-time message-tags echo-message'));
    const c = connection(server.port, { echoMessage: true });
    const messages: { text: string; self: boolean; serverTime?: number; msgid?: string }[] = [];
    const two = new Promise<void>((resolve) => c.on('message', (m) => {
      messages.push({ text: m.text, self: m.self, serverTime: m.serverTime, msgid: m.msgid });
      if (messages.length === 2) resolve();
    }));
    await c.connect();
    expect(c.echoMessage).toBe(true);
    expect(c.capabilities).toEqual(expect.arrayContaining(['server-time', 'message-tags', 'echo-message']));
    await c.say('#c', 'hello');
    await two;
    expect(messages).toEqual([
      { text: 'hello', self: true, serverTime: Date.parse('2024-01-02T03:04:05.678Z'), msgid: 'abc123' },
      { text: 'reply', self: false, serverTime: Date.parse('2024-01-02T03:04:06.000Z'), msgid: 'def' },
    ]);
  });

  it('with echo-message, a send resolves with the msgid the server echoed, or undefined for a refused line', async () => {
    const sent: string[] = [];
    const server = await fakeServer(welcoming((line, send) => {
      if (!/PRIVMSG/.test(line)) return;
      sent.push(line);
      if (/PRIVMSG #moderated /.test(line)) send(':srv 404 me #moderated :Cannot send to channel');
      else send(`@msgid=m${sent.length} :me!me@h ${line.replace(/^@\S+ /, '')}`);
    }, 'message-tags echo-message'));
    const c = connection(server.port, { echoMessage: true });
    await c.connect();
    await expect(c.say('#c', 'hello', { replyTo: 'orig;1' })).resolves.toMatchObject({ lines: 1, echoes: ['m1'] });
    expect(sent[0]).toBe('@+draft/reply=orig\\:1 PRIVMSG #c :hello');
    await expect(c.say('#moderated', 'hi')).resolves.toMatchObject({ echoes: [undefined] });
  });

  it('without message-tags, a reply goes out untagged; without echo-message, a send reports no echoes', async () => {
    const sent: string[] = [];
    const server = await fakeServer(welcoming((line) => {
      if (/PRIVMSG/.test(line)) sent.push(line);
    }));
    const c = connection(server.port, { echoMessage: true });
    await c.connect();
    const report = await c.say('#c', 'hello', { replyTo: 'orig' });
    expect(report.echoes).toBeUndefined();
    await new Promise((r) => setTimeout(r, 50));
    expect(sent).toEqual(['PRIVMSG #c :hello']);
  });

  it('with onlyOwnTraffic, drops others\' channel traffic before parsing and keeps its own lines and PMs', async () => {
    const server = await fakeServer(welcoming((line, send) => {
      if (line !== 'JOIN #c') return;
      send(':me!me@h JOIN #c');
      send(':srv 366 me #c :End of /NAMES list');
      send('@time=2024-01-02T03:04:05.678Z :bob!b@h JOIN #c');
      send(':bob!b@h PRIVMSG #c :channel chatter');
      send(':bob!b@h PRIVMSG me :a private word');
      send(':bob!b@h PART #c :later');
      send(':op!o@h KICK #c me :out');
      send(':bob!b@h PRIVMSG me :last');
    }));
    const c = connection(server.port, { onlyOwnTraffic: true });
    const seen: string[] = [];
    c.on('join', (e) => seen.push(`join ${e.nick}`));
    c.on('part', (e) => seen.push(`part ${e.nick}`));
    c.on('kick', (e) => seen.push(`kick ${e.kicked}`));
    const last = new Promise<void>((resolve) => c.on('message', (m) => {
      seen.push(`message ${m.target} ${m.text}`);
      if (m.text === 'last') resolve();
    }));
    await c.connect();
    await c.join('#c');
    await last;
    expect(seen).toEqual(['join me', 'message me a private word', 'kick me', 'message me last']);
  });

  it('strips \\x01 so a Matrix user cannot forge CTCP, and frames /me as one ACTION', async () => {
    const server = await fakeServer(welcoming());
    const c = connection(server.port);
    await c.connect();
    await c.say('#c', '\x01VERSION\x01');
    await c.action('#c', 'dances');
    await c.whois('nobody'); // a round trip: the lines above have arrived
    expect(server.received).toEqual(expect.arrayContaining(['PRIVMSG #c :VERSION', 'PRIVMSG #c :\x01ACTION dances\x01']));
  });

  it('asks for a channel\'s modes with a checked channel name', async () => {
    const server = await fakeServer(welcoming());
    const c = connection(server.port);
    await c.connect();
    await c.requestModes('#c');
    await expect(c.requestModes('#c\r\nQUIT')).rejects.toThrow('cannot be sent to IRC');
    await expect(c.requestModes('nick')).rejects.toThrow('not a channel name');
    await c.whois('nobody'); // a round trip: the line above has arrived
    expect(server.received).toContain('MODE #c');
    expect(server.received).not.toContain('QUIT');
  });

  it('emits close with ping-timeout when the server goes silent, and rejects pending work', async () => {
    const server = await fakeServer(welcoming());
    const c = connection(server.port, { pingIntervalSeconds: 1, pingTimeoutSeconds: 1 });
    await c.connect();
    const pendingJoin = c.join('#never');
    const closed = c.once('close');
    await expect(pendingJoin).rejects.toMatchObject({ code: 'IRC_CONNECTION_CLOSED' });
    expect(await closed).toMatchObject({ reason: 'ping-timeout', wasRegistered: true });
    expect(c.isRegistered).toBe(false);
    await expect(c.say('#c', 'late')).rejects.toMatchObject({ code: 'IRC_NOT_CONNECTED' });
  });

  it('emits close when the server hangs up, and can connect again', async () => {
    let connects = 0;
    const server = await fakeServer(welcoming((line, _send, socket) => {
      if (line.startsWith('USER')) connects++;
      if (line === 'PRIVMSG #c :hang up') socket.end();
    }));
    const c = connection(server.port);
    await c.connect();
    const closed = c.once('close');
    await c.say('#c', 'hang up');
    expect(await closed).toMatchObject({ reason: 'server-closed', wasRegistered: true });
    await c.connect();
    expect(connects).toBe(2);
    expect(c.isRegistered).toBe(true);
  });

  it('rejects a multi-line message that does not fit the send queue, sending none of it', async () => {
    const server = await fakeServer(welcoming());
    const c = connection(server.port, { flood: { capacity: 1, refillPerSecond: 1, maxQueued: 2 } });
    await c.connect();
    await expect(c.say('#c', 'a\nb\nc\nd')).rejects.toMatchObject({ code: 'IRC_SEND_QUEUE_FULL' });
    expect(server.received.filter((l) => l.startsWith('PRIVMSG'))).toEqual([]);
  });
});
