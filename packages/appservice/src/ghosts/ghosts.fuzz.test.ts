import fc from 'fast-check';
import { fuzzParams, fuzzTimeout } from '../../../../test/fuzz/runs';
import { escapeLocalpart, InvalidUserIdError, isValidLocalpart, unescapeLocalpart } from './localpart';
import { createGhostUserIds } from './user-ids';

// The core's ghost user ID grammar (ctx.ghosts) over generated names: the spec's localpart
// escaping round-trips any text, and every ghost user ID parses back to exactly the identity and
// variant it was made from; whatever parses is spelled exactly as the grammar would spell it.

const text = (maxLength: number) => fc.string({ unit: 'grapheme', maxLength });
const network = fc.stringMatching(/^[a-z0-9][a-z0-9.-]{0,10}$/);

describe('escapeLocalpart / unescapeLocalpart', () => {
  it('round-trip any text into the localpart alphabet, and only the canonical spelling unescapes', () => {
    const noise = fc.string({ unit: fc.constantFrom('_', '=', 'a', 'B', '0', 'f', '-', '.', '/', 'é', '+'), maxLength: 20 });
    fc.assert(fc.property(text(60), noise, (name, other) => {
      const escaped = escapeLocalpart(name);
      if (name !== '') expect(isValidLocalpart(escaped)).toBe(true);
      expect(unescapeLocalpart(escaped)).toBe(name);
      const back = unescapeLocalpart(other);
      if (back !== undefined) expect(escapeLocalpart(back)).toBe(other);
    }), fuzzParams());
  }, fuzzTimeout(0.1));
});

describe('createGhostUserIds', () => {
  const withNetwork = createGhostUserIds({ prefix: '_br_', domain: 'hs.test' });
  const single = createGhostUserIds({ prefix: '_br_', domain: 'hs.test', includeNetwork: false });

  it('parses every ghost user ID back to its identity and variant, or refuses it as too long before any request', () => {
    fc.assert(fc.property(network, text(40).filter((s) => s !== ''), fc.integer({ min: 1, max: 10_000 }), fc.boolean(), (net, remoteId, variant, includeNetwork) => {
      const grammar = includeNetwork ? withNetwork : single;
      let userId: string;
      try {
        userId = grammar.userIdFor({ network: net, remoteId }, variant);
      } catch (error) {
        expect(error).toBeInstanceOf(InvalidUserIdError);
        return;
      }
      expect(grammar.parse(userId)).toEqual({ network: includeNetwork ? net : '', remoteId, variant });
    }), fuzzParams());
  }, fuzzTimeout(0.1));

  it('accepts only canonical IDs: whatever parses is the ID the grammar makes for it', () => {
    const candidate = fc.oneof(
      fc.string({ unit: fc.constantFrom('_', '=', 'a', 'B', '2', '0', '-', '.', '/', 'é'), maxLength: 24 }).map((s) => `@_br_net_${s}:hs.test`),
      fc.string({ unit: 'binary', maxLength: 40 }),
    );
    fc.assert(fc.property(candidate, (userId) => {
      const parsed = withNetwork.parse(userId);
      if (parsed) expect(withNetwork.userIdFor(parsed, parsed.variant)).toBe(userId);
    }), fuzzParams());
  }, fuzzTimeout(0.1));
});
