import { AliasTooLongError, escapeAliasPart, PortalAliases, unescapeAliasPart } from './alias';
import { asIrcChannel, asNetworkId } from './ids';

const libera = asNetworkId('libera');
const aliases = new PortalAliases({ server: 'example.org' });

describe('PortalAliases (default template #_irc_$NETWORK_$CHANNEL)', () => {
  it.each([
    ['#matrix', '#_irc_libera_#matrix:example.org'],
    ['#Matrix', '#_irc_libera_#Matrix:example.org'],
    ['##double', '#_irc_libera_##double:example.org'],
    ['#a=b', '#_irc_libera_#a=3db:example.org'],
    ['#tab\there', '#_irc_libera_#tab=09here:example.org'],
    ['#nbsp\u00a0x', '#_irc_libera_#nbsp=c2=a0x:example.org'],
    ['#ünï', '#_irc_libera_#ünï:example.org'],
    ['&local', '#_irc_libera_&local:example.org'],
  ])('%j ↔ %j', (channel, alias) => {
    expect(aliases.aliasFor(libera, asIrcChannel(channel))).toBe(alias);
    expect(aliases.parseAlias(alias)).toEqual({ network: 'libera', channel });
  });

  it.each([
    ['#_irc_libera_#matrix:other.org', 'other homeserver'],
    ['#_irc_libera_matrix:example.org', 'channel without a prefix'],
    ['#_irc__#matrix:example.org', 'empty network'],
    ['#_irc_Libera_#matrix:example.org', 'upper-case network'],
    ['#_irc_libera_#:example.org', 'channel is only the prefix'],
    ['#_irc_libera_#a=3Ab:example.org', 'upper-case hex'],
    ['#_irc_libera_#a=62:example.org', 'escape of a legal character'],
    ['#_irc_libera_#a=:example.org', 'bare ='],
    ['#_irc_libera_#a=20b:example.org', 'decodes to a space'],
    ['#_irc_libera_#a=2cb:example.org', 'decodes to a comma'],
    ['#_irc_libera_#a=0d=0aQUIT:example.org', 'decodes to CR/LF'],
    ['#_irc_libera_#a=ff:example.org', 'invalid UTF-8'],
    ['#other_libera_#a:example.org', 'not our prefix'],
    ['#irc_libera_#a:example.org', 'the old default form: only where alias_template says so'],
    ['irc_libera_#a:example.org', 'no sigil'],
  ])('rejects %j (%s)', (alias) => {
    expect(aliases.parseAlias(alias)).toBeUndefined();
  });

  it('keeps "$" sequences in a channel name as they are (found by fuzzing: "#$$" became "#$")', () => {
    for (const name of ['#$$', "#$&", "#$'x", '#a$`b']) {
      const alias = aliases.aliasFor(libera, asIrcChannel(name));
      expect(alias).toBe(`#_irc_libera_${name}:example.org`);
      expect(aliases.parseAlias(alias)).toEqual({ network: 'libera', channel: name });
    }
  });

  it('parses localparts as the homeserver hands them over', () => {
    expect(aliases.parseLocalpart('_irc_oftc_#debian')).toEqual({ network: 'oftc', channel: '#debian' });
  });

  it('refuses an alias over 255 bytes', () => {
    expect(() => aliases.aliasFor(libera, asIrcChannel(`#${'é'.repeat(120)}`))).toThrow(AliasTooLongError);
  });

  it('gives a registration namespace that covers its aliases', () => {
    expect(aliases.namespaceRegex()).toBe('#_irc_.*_.*:example\\.org');
    const re = new RegExp(`^${aliases.namespaceRegex()}$`);
    expect(re.test(aliases.aliasFor(libera, asIrcChannel('#x')))).toBe(true);
    expect(re.test('#random:example.org')).toBe(false);
  });
});

describe('other templates', () => {
  it('supports a single-network template without $NETWORK', () => {
    const single = new PortalAliases({ template: '#irc_$CHANNEL', server: 'hs', network: libera });
    expect(single.aliasFor(libera, asIrcChannel('#a'))).toBe('#irc_#a:hs');
    expect(single.parseAlias('#irc_#a:hs')).toEqual({ network: 'libera', channel: '#a' });
  });

  it('supports the channel before the network', () => {
    const t = new PortalAliases({ template: '$CHANNEL/$NETWORK', server: 'hs' });
    expect(t.aliasFor(libera, asIrcChannel('#a'))).toBe('##a/libera:hs');
    expect(t.parseAlias('##a/libera:hs')).toEqual({ network: 'libera', channel: '#a' });
  });

  it('honours CHANTYPES', () => {
    const t = new PortalAliases({ server: 'hs', chanTypes: '#' });
    expect(t.parseAlias('#irc_libera_&a:hs')).toBeUndefined();
  });

  it.each([
    ['#irc_$NETWORK', 'no $CHANNEL'],
    ['#$CHANNEL_$CHANNEL', 'two $CHANNEL'],
    ['#irc:$NETWORK_$CHANNEL', 'colon in the literal'],
    ['#irc $NETWORK_$CHANNEL', 'space in the literal'],
  ])('rejects template %j (%s)', (template) => {
    expect(() => new PortalAliases({ template, server: 'hs' })).toThrow(TypeError);
  });

  it('needs a network when the template has none', () => {
    expect(() => new PortalAliases({ template: '#irc_$CHANNEL', server: 'hs' })).toThrow(/single network/);
  });
});

describe('escapeAliasPart', () => {
  it('round-trips every character a channel may hold', () => {
    for (let code = 1; code < 0x3000; code += 7) {
      const text = `#x${String.fromCodePoint(code)}y`;
      const escaped = escapeAliasPart(text);
      expect(escaped).not.toMatch(/[:\s]/);
      expect(unescapeAliasPart(escaped)).toBe(text);
    }
  });
});
