import fc from 'fast-check';
import { fuzzParams, fuzzTimeout } from '../../../../test/fuzz/runs';
import { PortalAliases, escapeAliasPart, unescapeAliasPart } from './alias';
import { GhostIdTooLongError, GhostUserIds, escapeNick, unescapeNick } from './ghost-ids';
import { isIrcChannel, isIrcNick, type IrcChannel, type IrcNick, type NetworkId } from './ids';

// The two reversible name grammars: nick ↔ ghost user ID and channel ↔ portal alias. Both must
// round-trip every name and give each name exactly one spelling (a second spelling would be a
// second Matrix identity for the same IRC user or channel).

/** Unicode text without lone surrogates (those cannot be UTF-8 and never come off the wire). */
const text = (maxLength: number) => fc.string({ unit: 'grapheme', maxLength });
const network = fc.stringMatching(/^[a-z0-9](?:[a-z0-9-]{0,8}[a-z0-9])?$/) as fc.Arbitrary<NetworkId>;
const nick = fc.oneof(
  fc.stringMatching(/^[A-Za-z[\]\\`_^{|}][A-Za-z0-9[\]\\`_^{|}-]{0,15}$/),
  text(20),
).filter(isIrcNick) as fc.Arbitrary<IrcNick>;
const channel = fc.tuple(fc.constantFrom('#', '&'), text(30)).map(([t, rest]) => t + rest).filter((c) => isIrcChannel(c)) as fc.Arbitrary<IrcChannel>;

const ids = new GhostUserIds({ prefix: '_irc_', server: 'hs.test' });

describe('ghost user IDs', () => {
  it('escapeNick/unescapeNick round-trip any text, into the localpart alphabet', () => {
    fc.assert(fc.property(text(40), (s) => {
      const escaped = escapeNick(s);
      expect(escaped).toMatch(/^[a-z0-9._=/-]*$/);
      expect(unescapeNick(escaped)).toBe(s);
    }), fuzzParams());
  }, fuzzTimeout(0.1));

  it('parses every ghost user ID back to its network, nick and copy', () => {
    fc.assert(fc.property(network, nick, fc.integer({ min: 1, max: 1000 }), (net, n, copy) => {
      let userId: string;
      try {
        userId = ids.userIdFor(net, n, copy);
      } catch (error) {
        expect(error).toBeInstanceOf(GhostIdTooLongError);
        return;
      }
      expect(ids.parseUserId(userId)).toEqual(copy === 1 ? { network: net, nick: n } : { network: net, nick: n, copy });
    }), fuzzParams());
  }, fuzzTimeout(0.1));

  it('accepts only canonical localparts: whatever parses is spelled exactly as the bridge would spell it', () => {
    const localpart = fc.oneof(
      fc.string({ unit: fc.constantFrom('_', '=', 'a', 'B', '0', '2', 'f', '-', '.', 'é', 'z'), maxLength: 30 }).map((s) => `_irc_net_${s}`),
      fc.string({ unit: 'binary', maxLength: 40 }),
    );
    fc.assert(fc.property(localpart, (lp) => {
      const parsed = ids.parseLocalpart(lp);
      if (parsed) expect(ids.localpartFor(parsed.network, parsed.nick, parsed.copy ?? 1)).toBe(lp);
    }), fuzzParams());
  }, fuzzTimeout(0.1));
});

describe('portal aliases', () => {
  it('escapeAliasPart/unescapeAliasPart round-trip any text, and only the canonical spelling unescapes', () => {
    fc.assert(fc.property(text(40), fc.string({ unit: fc.constantFrom('=', '3', 'd', 'a', '#', ':', ' ', 'é'), maxLength: 12 }), (s, noise) => {
      const escaped = escapeAliasPart(s);
      expect(escaped).not.toMatch(/[\s:]/);
      expect(unescapeAliasPart(escaped)).toBe(s);
      const other = unescapeAliasPart(noise);
      if (other !== undefined) expect(escapeAliasPart(other)).toBe(noise);
    }), fuzzParams());
  }, fuzzTimeout(0.1));

  const template = fc.constantFrom('#_irc_$NETWORK_$CHANNEL', '_irc_$CHANNEL_$NETWORK', '#$NETWORK.$CHANNEL', '_x_$CHANNEL');
  it('parses every alias it makes back to the same network and channel, for any template', () => {
    fc.assert(fc.property(template, network, channel, (tpl, net, chan) => {
      const aliases = new PortalAliases({ template: tpl, server: 'hs.test', network: net });
      let alias: string;
      try {
        alias = aliases.aliasFor(net, chan);
      } catch (error) {
        expect((error as Error).name).toBe('AliasTooLongError');
        return;
      }
      expect(Buffer.byteLength(alias)).toBeLessThanOrEqual(255);
      expect(aliases.parseAlias(alias)).toEqual({ network: net, channel: chan });
    }), fuzzParams());
  }, fuzzTimeout(0.1));

  it('never throws on arbitrary alias text, and what parses is the alias the bridge would make', () => {
    const aliases = new PortalAliases({ server: 'hs.test' });
    fc.assert(fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 60 }), channel.map((c) => `_irc_net_${c}`)), (lp) => {
      const parsed = aliases.parseLocalpart(lp);
      if (parsed) expect(aliases.localpartFor(parsed.network, parsed.channel)).toBe(lp);
    }), fuzzParams());
  }, fuzzTimeout(0.1));
});
