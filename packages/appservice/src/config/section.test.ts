import { Type } from '@sinclair/typebox';
import { ConfigError } from '../errors/bridge-error';
import { camelCaseKey } from './camel-case';
import { parseConfig } from './load';
import { mapOf, oneOf, secretString } from './schema-helpers';
import { defineConfigSection, type SectionValue } from './section';

const MINIMAL = 'homeserver: { url: "http://127.0.0.1:8008", domain: example.org }\n';
const config = (section: string) => parseConfig(`${MINIMAL}${section}`, '/etc/bridge', '/etc/bridge/config.yaml');

const CHAT_SCHEMA = Type.Object({
  api_url: Type.String({ pattern: '^https?://', expected: 'an http(s) URL like https://chat.example' }),
  bot_token: secretString('bot token'),
  poll_interval_seconds: Type.Integer({ minimum: 1, maximum: 3600, default: 30 }),
  mode: oneOf(['relay', 'puppet'], { default: 'relay' }),
  channels: Type.Optional(mapOf(Type.Object({
    room_id: Type.String(),
    webhook_secret: Type.Optional(Type.String()),
  }, { additionalProperties: false }), { keys: { pattern: '^[a-z_]+$', expected: 'a lower-case channel name' } })),
  retry: Type.Object({ max_attempts: Type.Integer({ default: 3 }) }, { additionalProperties: false, default: {} }),
}, { additionalProperties: false });

const CHAT = defineConfigSection({ key: 'chat', schema: CHAT_SCHEMA, secrets: ['channels.*.webhook_secret'] });

function problemsOf(fn: () => unknown): Array<{ path: string; message: string }> {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).source).toBe('/etc/bridge/config.yaml');
    return [...(err as ConfigError).problems];
  }
  throw new Error('expected a ConfigError');
}

describe('defineConfigSection', () => {
  it('hands back the typed value: defaults filled, declared keys camelCased once, map keys (data) untouched', () => {
    const value = CHAT.read(config(`chat:
  api_url: https://chat.example
  bot_token: xoxb-1234
  channels:
    dev_ops: { room_id: "!a:example.org", webhook_secret: s3cret-hook }
`));
    expect(value).toEqual({
      apiUrl: 'https://chat.example', botToken: 'xoxb-1234', pollIntervalSeconds: 30, mode: 'relay',
      channels: { dev_ops: { roomId: '!a:example.org', webhookSecret: 's3cret-hook' } },
      retry: { maxAttempts: 3 },
    });
    // The type is the schema's, camelCased: these lines compile only if it is.
    const typed: SectionValue<typeof CHAT_SCHEMA> = value;
    const mode: 'relay' | 'puppet' = typed.mode;
    const attempts: number = typed.retry.maxAttempts;
    // @ts-expect-error: the snake_case key does not exist on the value
    expect(typed.poll_interval_seconds).toBeUndefined();
    expect([mode, attempts]).toEqual(['relay', 3]);
  });

  it('names the file, the key path and the fix for every problem at once, with did-you-mean for a misspelt key', () => {
    const problems = problemsOf(() => CHAT.read(config(`chat:
  api_url: ftp://x
  bot_tokn: abc
  poll_interval_seconds: 0
  mode: mirror
  channels: { Dev: { room_id: "!a:x" } }
`)));
    const byPath = Object.fromEntries(problems.map((p) => [p.path, p.message]));
    expect(byPath['chat.api_url']).toBe('must be an http(s) URL like https://chat.example (got "ftp://x")');
    expect(byPath['chat.bot_token']).toMatch(/^is required: set it to the bot token/);
    expect(byPath['chat.bot_tokn']).toMatch(/^is not a known key; did you mean bot_token\? Otherwise remove it \(known keys: api_url, bot_token/);
    expect(byPath['chat.poll_interval_seconds']).toBe('must be an integer between 1 and 3600 (got 0)');
    expect(byPath['chat.mode']).toBe('must be one of "relay", "puppet" (got "mirror")');
    expect(byPath['chat.channels']).toMatch(/a lower-case channel name/);
  });

  it('never echoes a secret back in an error', () => {
    const problems = problemsOf(() => CHAT.read(config('chat: { api_url: "https://c", bot_token: 12345678 }\n')));
    expect(problems).toEqual([{ path: 'chat.bot_token', message: 'must be the bot token (a non-empty string) (got a number)' }]);
  });

  it('finds the secrets named by `secret: true` and by the secrets paths, for redaction', () => {
    const { secrets } = CHAT.load(config(`chat:
  api_url: https://chat.example
  bot_token: xoxb-1234
  channels: { a: { room_id: "!a:x", webhook_secret: hook-1 }, b: { room_id: "!b:x", webhook_secret: hook-2 }, c: { room_id: "!c:x" } }
`));
    expect([...secrets].sort()).toEqual(['hook-1', 'hook-2', 'xoxb-1234']);
  });

  it('reads an absent section as {} (only required keys fail), or says what to add when the author wrote that', () => {
    expect(problemsOf(() => CHAT.read(config(''))).map((p) => p.path)).toEqual(['chat.api_url', 'chat.bot_token']);
    const optional = defineConfigSection({ key: 'opt', schema: Type.Object({ level: Type.Integer({ default: 2 }) }) });
    expect(optional.read(config(''))).toEqual({ level: 2 });
    expect(optional.read(config('opt:\n'))).toEqual({ level: 2 });
    const required = defineConfigSection({ key: 'req', schema: Type.Object({}), missing: 'is required: add a `req:` section (see config.sample.yaml)' });
    expect(problemsOf(() => required.read(config('')))).toEqual([{ path: 'req', message: 'is required: add a `req:` section (see config.sample.yaml)' }]);
  });

  it("runs refine on a valid value only, reporting its problems under the section's key, and types the result", () => {
    const ranged = defineConfigSection({
      key: 'range',
      schema: Type.Object({ low_mark: Type.Integer(), high_mark: Type.Integer(), data_file: Type.String({ default: 'range.dat' }) }),
      refine: (value, ctx) => {
        if (value.highMark < value.lowMark) ctx.problem('high_mark', `must be at least low_mark (${value.lowMark})`);
        return { span: value.highMark - value.lowMark, file: ctx.resolvePath(value.dataFile) };
      },
    });
    const result: { span: number; file: string } = ranged.read(config('range: { low_mark: 1, high_mark: 5 }\n'));
    expect(result).toEqual({ span: 4, file: '/etc/bridge/range.dat' });
    expect(problemsOf(() => ranged.read(config('range: { low_mark: 9, high_mark: 5 }\n')))).toEqual([{ path: 'range.high_mark', message: 'must be at least low_mark (9)' }]);
    expect(problemsOf(() => ranged.read(config('range: { low_mark: x, high_mark: 5 }\n'))).map((p) => p.path)).toEqual(['range.low_mark']);
  });

  it('reads each config once: the connector and the core get the same object', () => {
    const cfg = config('chat: { api_url: "https://c", bot_token: abcd }\n');
    expect(CHAT.read(cfg)).toBe(CHAT.read(cfg));
  });
});

describe('camelCaseKey', () => {
  it.each([['nick_template', 'nickTemplate'], ['a_b_c', 'aBC'], ['plain', 'plain'], ['x_1', 'x1'], ['trailing_', 'trailing']])('%s → %s', (key, camel) => {
    expect(camelCaseKey(key)).toBe(camel);
  });
});
