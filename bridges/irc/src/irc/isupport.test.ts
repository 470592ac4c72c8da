import { channelNameProblem, DEFAULT_ISUPPORT, isupportFrom, modesToPrefixes, parseModeChanges, prefixesToModes, type Isupport } from './isupport';

const libera: Isupport = isupportFrom({
  NICKLEN: '16', CASEMAPPING: 'rfc1459', CHANTYPES: ['#'], TOPICLEN: '390', NETWORK: 'Libera.Chat',
  PREFIX: [{ symbol: '@', mode: 'o' }, { symbol: '+', mode: 'v' }],
  CHANMODES: ['eIbq', 'k', 'flj', 'CFLMPQScgimnprstuz'],
});

describe('isupportFrom', () => {
  it('reads the tokens irc-framework collected', () => {
    expect(libera).toEqual({
      nickLength: 16, casemapping: 'rfc1459', chanTypes: '#', topicLength: 390, lineLength: 512, network: 'Libera.Chat',
      prefix: [{ mode: 'o', symbol: '@' }, { mode: 'v', symbol: '+' }],
      chanModes: { list: 'eIbq', alwaysParam: 'k', paramWhenSet: 'flj', noParam: 'CFLMPQScgimnprstuz' },
    });
  });

  it('falls back to the RFC defaults for missing or garbage values', () => {
    expect(isupportFrom({})).toEqual({ ...DEFAULT_ISUPPORT, channelLength: undefined, topicLength: undefined, network: undefined });
    expect(isupportFrom({ NICKLEN: 'abc', LINELEN: '-1', PREFIX: 'nonsense', CHANTYPES: '' })).toMatchObject({
      nickLength: 9, lineLength: 512, prefix: DEFAULT_ISUPPORT.prefix, chanTypes: '#&',
    });
    expect(isupportFrom({ LINELEN: '2048', CASEMAPPING: 'ascii', CHANTYPES: '#&!' })).toMatchObject({ lineLength: 2048, casemapping: 'ascii', chanTypes: '#&!' });
  });

  it('reads the JOIN limit of TARGMAX, raw or split, and none when JOIN is listed without one', () => {
    expect(isupportFrom({ TARGMAX: 'KICK:1,JOIN:5,PRIVMSG:4' }).joinTargets).toBe(5);
    expect(isupportFrom({ TARGMAX: ['kick:1', 'join:3'] }).joinTargets).toBe(3);
    expect(isupportFrom({ TARGMAX: 'JOIN:,PRIVMSG:4' }).joinTargets).toBeUndefined();
    expect(isupportFrom({}).joinTargets).toBeUndefined();
  });
});

describe('channelNameProblem', () => {
  const ngircd = isupportFrom({ CHANTYPES: '#&+', CHANNELLEN: '50' });

  it('reads CHANNELLEN', () => {
    expect(ngircd.channelLength).toBe(50);
  });

  it.each([
    ['#ok', undefined],
    [`#${'a'.repeat(49)}`, undefined],
    ['+modeless', undefined],
    [`#${'a'.repeat(50)}`, /too long for this network: channel names may be at most 50 bytes long \(this one is 51\)/],
    [`#${'é'.repeat(25)}`, /this one is 51/], // bytes, as the server counts
    ['!safe', /not a channel name on this network: channel names start with "#" or "&" or "\+"/],
    ['#', /not a channel name/],
  ])('%s → %s', (channel, problem) => {
    const found = channelNameProblem(channel, ngircd);
    if (problem === undefined) expect(found).toBeUndefined();
    else expect(found).toMatch(problem);
  });

  it('knows no length limit where the server announced none', () => {
    expect(channelNameProblem(`#${'a'.repeat(300)}`, DEFAULT_ISUPPORT)).toBeUndefined();
  });
});

describe('parseModeChanges', () => {
  it.each<[string, string[], ReturnType<typeof parseModeChanges>]>([
    ['+o', ['alice'], [{ adding: true, mode: 'o', param: 'alice' }]],
    ['+ov-v', ['a', 'b', 'c'], [{ adding: true, mode: 'o', param: 'a' }, { adding: true, mode: 'v', param: 'b' }, { adding: false, mode: 'v', param: 'c' }]],
    ['+nt', [], [{ adding: true, mode: 'n' }, { adding: true, mode: 't' }]],
    ['+k', ['key'], [{ adding: true, mode: 'k', param: 'key' }]],
    ['-k', ['key'], [{ adding: false, mode: 'k', param: 'key' }]],
    ['+l', ['10'], [{ adding: true, mode: 'l', param: '10' }]],
    ['-l', [], [{ adding: false, mode: 'l' }]],
    ['+b-b', ['*!*@a', '*!*@b'], [{ adding: true, mode: 'b', param: '*!*@a' }, { adding: false, mode: 'b', param: '*!*@b' }]],
    ['+lk', ['5'], [{ adding: true, mode: 'l', param: '5' }, { adding: true, mode: 'k' }]], // missing param: not shifted
    ['ms', [], [{ adding: true, mode: 'm' }, { adding: true, mode: 's' }]], // no sign means adding
    ['', [], []],
  ])('%j %j', (modes, params, expected) => {
    expect(parseModeChanges(modes, params, libera)).toEqual(expected);
  });

  it('gives user modes no parameters', () => {
    expect(parseModeChanges('+iwo', ['x'], libera, true)).toEqual([
      { adding: true, mode: 'i' }, { adding: true, mode: 'w' }, { adding: true, mode: 'o' },
    ]);
  });
});

describe('prefix conversions', () => {
  it('maps symbols and modes in rank order', () => {
    expect(prefixesToModes('+@', libera)).toBe('ov');
    expect(modesToPrefixes('vo', libera)).toBe('@+');
    expect(modesToPrefixes('', libera)).toBe('');
  });
});
