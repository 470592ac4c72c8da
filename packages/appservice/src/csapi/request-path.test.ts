import fc from 'fast-check';
import { formEncode, requestPath, type PathSpec } from './request-path';

/** The path as the transport built it before: a regex replace and URLSearchParams. */
function reference(basePath: string, spec: PathSpec): string {
  const path = spec.endpoint.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = spec.params?.[name];
    if (value === undefined) throw new TypeError(`No value for {${name}} in ${spec.endpoint}`);
    return encodeURIComponent(value);
  });
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(spec.query ?? {})) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) search.append(key, String(v));
  }
  if (spec.asUser) search.set('user_id', spec.asUser);
  const qs = search.toString();
  return `${basePath}${path}${qs ? `?${qs}` : ''}`;
}

const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c));
/** Any text: ASCII punctuation and space, any code point, and lone surrogates. */
const text = fc.string({ unit: fc.oneof(fc.constantFrom(' ', '!', "'", '(', ')', '~', '*', '+', '&', '=', '%', '/', '?', '#', '@', ':'), fc.constantFrom('a', 'Z', '0'), fc.string({ unit: 'binary', maxLength: 1 }), loneSurrogate) });
const queryValue = fc.oneof(text, fc.array(text, { maxLength: 3 }), fc.integer(), fc.boolean(), fc.constant(undefined));

describe('requestPath', () => {
  it('builds the same path and query as the regex replace and URLSearchParams did, for any values', () => {
    fc.assert(fc.property(
      fc.constantFrom('', '/prefix'),
      fc.record({ room: text, type: text, txn: text }),
      fc.dictionary(fc.oneof(text, fc.constant('user_id')), queryValue, { maxKeys: 4 }),
      fc.option(text, { nil: undefined }),
      (base, params, query, asUser) => {
        const spec: PathSpec = { endpoint: '/_matrix/client/v3/rooms/{room}/send/{type}/{txn}', params, query, asUser };
        let expected: string | Error;
        try {
          expected = reference(base, spec);
        } catch (err) {
          expected = err as Error;
        }
        if (expected instanceof Error) expect(() => requestPath(base, spec)).toThrow(expected.constructor as new () => Error);
        else expect(requestPath(base, spec)).toBe(expected);
      },
    ), { numRuns: 2000 });
  });

  it('puts user_id where the query had its first one, once, and last otherwise', () => {
    const endpoint = '/_matrix/client/v3/sync';
    expect(requestPath('', { endpoint, query: { a: '1', user_id: ['@x:hs', '@y:hs'], b: '2' }, asUser: '@bot:hs' })).toBe('/_matrix/client/v3/sync?a=1&user_id=%40bot%3Ahs&b=2');
    expect(requestPath('', { endpoint, query: { a: 'x y', user_id: [] }, asUser: '@bot:hs' })).toBe('/_matrix/client/v3/sync?a=x+y&user_id=%40bot%3Ahs');
    expect(requestPath('', { endpoint, query: { user_id: '@x:hs' } })).toBe('/_matrix/client/v3/sync?user_id=%40x%3Ahs');
  });

  it('refuses a placeholder without a value', () => {
    expect(() => requestPath('', { endpoint: '/rooms/{roomId}/leave', params: {} })).toThrow('No value for {roomId} in /rooms/{roomId}/leave');
  });

  it('form-encodes what encodeURIComponent leaves alone, and a lone surrogate as U+FFFD', () => {
    expect(formEncode("a b!'()~*-._")).toBe('a+b%21%27%28%29%7E*-._');
    expect(formEncode('\ud800x')).toBe('%EF%BF%BDx');
  });
});
