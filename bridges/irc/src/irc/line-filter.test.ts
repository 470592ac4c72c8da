import { lineHead, PuppetLineFilter } from './line-filter';

/** A filter that has seen its welcome as `nick`. */
function registered(nick = 'alice[m]'): PuppetLineFilter {
  const filter = new PuppetLineFilter();
  expect(filter.accept(`:irc.example 001 ${nick} :Welcome to the network`)).toBe(true);
  return filter;
}

describe('lineHead', () => {
  it.each([
    [':nick!u@h PRIVMSG #chan :hi there', { nick: 'nick', command: 'PRIVMSG', target: '#chan' }],
    ['@time=2026-11-27T10:00:00.000Z;msgid=x :nick!u@h privmsg #chan :hi', { nick: 'nick', command: 'PRIVMSG', target: '#chan' }],
    ['PING :irc.example', { nick: undefined, command: 'PING', target: 'irc.example' }],
    [':irc.example 001 me :Welcome', { nick: 'irc.example', command: '001', target: 'me' }],
    [':nick@host JOIN :#chan', { nick: 'nick', command: 'JOIN', target: '#chan' }],
    [':nick   QUIT', { nick: 'nick', command: 'QUIT', target: '' }],
  ])('%s', (line, head) => {
    expect(lineHead(line)).toEqual(head);
  });

  it.each(['@tags-only', ':prefix-only', '', '   ', '@a=b :p'])('finds nothing in the malformed %j', (line) => {
    expect(lineHead(line)).toBeUndefined();
  });
});

describe('PuppetLineFilter', () => {
  it('keeps everything while registering (its nick is not known yet)', () => {
    const filter = new PuppetLineFilter();
    expect(filter.accept(':bob!b@h JOIN #chan')).toBe(true);
    expect(filter.accept(':bob!b@h QUIT :bye')).toBe(true);
    expect(filter.accept('NOTICE * :*** Looking up your hostname')).toBe(true);
  });

  it('drops channel messages, notices and tag-only messages, with or without tags', () => {
    const filter = registered();
    expect(filter.accept(':bob!b@h PRIVMSG #chan :hello')).toBe(false);
    expect(filter.accept('@time=2026-11-27T10:00:00.000Z :bob!b@h PRIVMSG #chan :hello')).toBe(false);
    expect(filter.accept(':bob!b@h NOTICE &local :hello')).toBe(false);
    expect(filter.accept('@+typing=active :bob!b@h TAGMSG #chan')).toBe(false);
    expect(filter.accept(':bob!b@h PRIVMSG @#chan :ops only')).toBe(false);
    expect(filter.accept(':bob!b@h PRIVMSG #chan :\x01ACTION waves\x01')).toBe(false);
    expect(filter.accept(':irc.example NOTICE #chan :server notice')).toBe(false);
  });

  it('keeps its own channel messages echoed back (echo-message)', () => {
    const filter = registered();
    expect(filter.accept('@msgid=abc :alice[m]!a@h PRIVMSG #chan :mine')).toBe(true);
    expect(filter.accept(':Alice{m}!a@h PRIVMSG #chan :mine')).toBe(true);
  });

  it('keeps private messages and server notices addressed to the puppet', () => {
    const filter = registered();
    expect(filter.accept(':bob!b@h PRIVMSG alice[m] :psst')).toBe(true);
    expect(filter.accept('@time=2026-11-27T10:00:00.000Z :bob!b@h NOTICE alice[m] :psst')).toBe(true);
    expect(filter.accept(':NickServ!s@services NOTICE alice[m] :You are now identified')).toBe(true);
    expect(filter.accept(':irc.example NOTICE * :*** Notice')).toBe(true);
  });

  it('drops other users\' JOIN, PART and QUIT but keeps its own, whatever the case', () => {
    const filter = registered();
    expect(filter.accept(':bob!b@h JOIN #chan')).toBe(false);
    expect(filter.accept('@account=bob :bob!b@h JOIN #chan bob :Bob')).toBe(false);
    expect(filter.accept(':bob!b@h PART #chan :later')).toBe(false);
    expect(filter.accept(':bob!b@h QUIT :Ping timeout')).toBe(false);
    expect(filter.accept(':alice[m]!a@h JOIN #chan')).toBe(true);
    expect(filter.accept(':ALICE{M}!a@h PART #chan')).toBe(true);
    expect(filter.accept('@time=x :alice[m]!a@h QUIT :bye')).toBe(true);
  });

  it('keeps what may concern the puppet: KICK, MODE, NICK, TOPIC, INVITE, numerics, PING, ERROR, CAP', () => {
    const filter = registered();
    for (const line of [
      ':op!o@h KICK #chan alice[m] :out',
      ':op!o@h KICK #chan bob :out',
      ':op!o@h MODE #chan +o alice[m]',
      ':bob!b@h NICK :robert',
      ':op!o@h TOPIC #chan :new topic',
      ':op!o@h INVITE alice[m] #secret',
      ':irc.example 404 alice[m] #chan :Cannot send to channel',
      ':irc.example 401 alice[m] bob :No such nick',
      'PING :irc.example',
      'ERROR :Closing link',
      ':irc.example CAP alice[m] ACK :sasl',
      'AUTHENTICATE +',
    ]) expect([line, filter.accept(line)]).toEqual([line, true]);
  });

  it('follows its own nick changes, and only its own', () => {
    const filter = registered();
    expect(filter.accept(':bob!b@h NICK alice2')).toBe(true);
    expect(filter.accept(':alice2!b@h JOIN #chan')).toBe(false);
    expect(filter.accept(':alice[m]!a@h NICK :alice2[m]')).toBe(true);
    expect(filter.accept(':alice2[m]!a@h JOIN #chan')).toBe(true);
    expect(filter.accept(':alice[m]!a@h JOIN #chan')).toBe(false);
  });

  it('forgets its nick on reset (a new connection registers again)', () => {
    const filter = registered();
    filter.reset();
    expect(filter.accept(':bob!b@h JOIN #chan')).toBe(true);
  });

  it('keeps hostile or malformed lines rather than guessing', () => {
    const filter = registered();
    for (const line of [
      '@tags-without-anything-else',
      ':prefix-without-command',
      'JOIN #chan',
      ': JOIN #chan',
      ':bob!b@h PRIVMSG',
      ':bob!b@h PRIVMSG :',
      '\x00\x01 PRIVMSG alice[m] :x',
      ':irc.example 001',
    ]) expect([line, filter.accept(line)]).toEqual([line, true]);
    // A welcome without a nick does not make the filter forget its own.
    expect(filter.accept(':bob!b@h JOIN #chan')).toBe(false);
  });

  it('compares nicks under RFC 1459 folding, character by character', () => {
    const filter = registered('Zo~[x]\\');
    for (const spelling of ['zo^{X}|', 'ZO~[x]\\', 'zo^[x]|', 'zo~{x}|']) expect(filter.accept(`:${spelling}!z@h JOIN #chan`)).toBe(true);
    // Same length, one character apart.
    for (const other of ['zo^{x}}', 'zo^{x}/', 'zp^{x}|', 'Zo~[x]']) expect(filter.accept(`:${other}!z@h JOIN #chan`)).toBe(false);
    const accented = registered('Zoë');
    expect(accented.accept(':ZOË!z@h JOIN #chan')).toBe(true);
    expect(accented.accept(':Zoé!z@h JOIN #chan')).toBe(false);
  });

  it.each([
    ['NAMES replies (the bot keeps the members)', [':irc.example 353 alice[m] = #chan :alice[m] @bob carol', ':irc.example 366 alice[m] #chan :End of /NAMES list.'],
      [':irc.example 332 alice[m] #chan :the topic']],
    ['the welcome\'s informational numerics and the MOTD\'s text', [':irc.example 002 alice[m] :Your host is irc.example', ':irc.example 251 alice[m] :There are 3 users',
      ':irc.example 255 alice[m] :I have 3 users', ':irc.example 266 alice[m] 3 3 :Current global users: 3',
      ':irc.example 004 alice[m] irc.example v1 abc def', ':irc.example 375 alice[m] :- MOTD', ':irc.example 372 alice[m] :- hi'],
    [':irc.example 005 alice[m] NICKLEN=30 :are supported', ':irc.example 376 alice[m] :End of MOTD', ':irc.example 422 alice[m] :MOTD File is missing']],
  ])('drops %s once registered, and keeps what registration and the puppet read', (_what, dropped, kept) => {
    const registering = new PuppetLineFilter();
    for (const line of dropped) expect([line, registering.accept(line)]).toEqual([line, true]);
    const filter = registered();
    for (const line of dropped) expect([line, filter.accept(line)]).toEqual([line, false]);
    for (const line of kept) expect([line, filter.accept(line)]).toEqual([line, true]);
  });
});

describe('PuppetLineFilter.surelyForeign (the same decision on undecoded bytes)', () => {
  const foreign = (filter: PuppetLineFilter, line: string | Buffer) => {
    const bytes = typeof line === 'string' ? Buffer.from(`xx${line}yy`, 'latin1') : line;
    return typeof line === 'string' ? filter.surelyForeign(bytes, 2, bytes.length - 2) : filter.surelyForeign(bytes, 0, bytes.length);
  };

  it('drops from bytes what accept drops: other users\' channel traffic, JOIN/PART/QUIT, unused replies, in any case', () => {
    const filter = registered();
    for (const line of [
      ':bob!b@h PRIVMSG #chan :hello',
      '@time=2026-11-27T10:00:00.000Z;msgid=x :bob!b@h privmsg #chan :hello',
      ':bob!b@h NOTICE &local :hello',
      '@+typing=active :bob!b@h TAGMSG #chan',
      ':bob!b@h PRIVMSG @#chan :ops only',
      ':bob!b@h PRIVMSG #chan :caf\xe9 is not UTF-8 past the head',
      ':irc.example NOTICE #chan :server notice',
      ':bob!b@h JOIN #chan',
      ':bob JoIn :#chan',
      ':bob!b@h QUIT',
      ':alice[m]x!a@h PART #chan',
      ':irc.example 353 alice[m] = #chan :alice[m] @bob',
      ':irc.example 372 alice[m] :- hi',
    ]) expect([line, foreign(filter, line), filter.accept(line)]).toEqual([line, true, false]);
  });

  it('leaves to accept what it keeps, what changes the filter, and heads that are not ASCII', () => {
    const filter = registered();
    for (const line of [
      ':alice[m]!a@h PRIVMSG #chan :mine',
      ':ALICE{M}!a@h JOIN #chan',
      ':bob!b@h PRIVMSG alice[m] :psst',
      ':bob!b@h PRIVMSG :',
      ':bob!b@h PRIVMSG',
      ':!b@h JOIN #chan',
      'JOIN #chan',
      ':bob!b@h NICK :robert',
      ':irc.example 001 bob :Welcome',
      ':irc.example 376 alice[m] :End of MOTD',
      ':bob!b@h PRIVMSGS #chan :x',
      ':bob!b@h JOINED #chan',
      '@tags-only',
      ':prefix-only',
    ]) expect([line, foreign(filter, line)]).toEqual([line, false]);
    // A byte above 0x7f in the head: bytes and characters may differ, so only accept decides.
    expect(foreign(filter, Buffer.from(':b\xe9b!b@h PRIVMSG #chan :x', 'latin1'))).toBe(false);
    expect(foreign(filter, Buffer.from('@a=\xe9 :bob!b@h PRIVMSG #chan :x', 'latin1'))).toBe(false);
    expect(foreign(filter, Buffer.from(':bob!b@h PRIVMSG \xa3chan :x', 'latin1'))).toBe(false);
  });

  it('decides nothing while registering, and only within the bounds it is given', () => {
    expect(new PuppetLineFilter().surelyForeign(Buffer.from(':bob!b@h JOIN #chan'), 0, 19)).toBe(false);
    const filter = registered();
    const bytes = Buffer.from(':bob!b@h JOIN #chan\r\n:alice[m]!a@h JOIN #chan');
    expect(filter.surelyForeign(bytes, 0, 19)).toBe(true);
    expect(filter.surelyForeign(bytes, 21, bytes.length)).toBe(false);
    // The prefix's end lies past the bound: malformed there, so kept.
    expect(filter.surelyForeign(bytes, 0, 5)).toBe(false);
  });
});
