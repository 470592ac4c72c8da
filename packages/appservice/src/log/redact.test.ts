import { isSecretKey, prepareSecrets, redactText, redactValue } from './redact';

describe('redactText', () => {
  it('replaces every occurrence of every secret, longest first', () => {
    const secrets = prepareSecrets(['abc', 'abcdef', '']);
    expect(secrets).toEqual(['abcdef', 'abc']);
    expect(redactText('x abcdef y abc z abcabc', secrets)).toBe('x <redacted> y <redacted> z <redacted><redacted>');
  });

  it.each([
    ['GET /path?access_token=syt_abc&x=1', 'GET /path?access_token=<redacted>&x=1'],
    ['PUT /txn/1?hs_token=s3cr3t', 'PUT /txn/1?hs_token=<redacted>'],
    ['Authorization: Bearer syt_YWxpY2U_abc', 'Authorization: Bearer <redacted>'],
    ['{"user":"a","password":"p\\"w"}', '{"user":"a","password":"<redacted>"}'],
    ['nothing secret here', 'nothing secret here'],
  ])('%s', (input, expected) => expect(redactText(input, [])).toBe(expected));
});

describe('redactValue', () => {
  it('redacts secret-named keys, keeps structure, flattens errors, survives cycles', () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    const shared = { n: 1 };
    const err = Object.assign(new Error('bad tok'), { code: 'E1' });
    expect(redactValue({ as_token: 'x', hsToken: 'y', list: [shared, shared], cyclic, err, buf: Buffer.from('abc'), when: new Date(0) }, ['tok'])).toEqual({
      as_token: '<redacted>',
      hsToken: '<redacted>',
      list: [{ n: 1 }, { n: 1 }],
      cyclic: { a: 1, self: '<circular>' },
      err: { name: 'Error', message: 'bad <redacted>', stack: expect.stringContaining('bad <redacted>'), code: 'E1' },
      buf: '<3 bytes>',
      when: '1970-01-01T00:00:00.000Z',
    });
  });

  it.each(['as_token', 'HS_TOKEN', 'access-token', 'password', 'Authorization', 'token', 'saslPassword', 'clientSecret'])('%s is a secret key', (k) => {
    expect(isSecretKey(k)).toBe(true);
  });
  it.each(['tokens_total', 'user', 'room_id', 'passive'])('%s is not a secret key', (k) => expect(isSecretKey(k)).toBe(false));
});
