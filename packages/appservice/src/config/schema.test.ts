import { ConfigError } from '../errors/bridge-error';
import { describeExpected, validateSection, type SectionSchema } from './schema';

const IRC_SCHEMA: SectionSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['servers'],
  properties: {
    servers: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['host'],
        properties: {
          host: { type: 'string', minLength: 1 },
          port: { type: 'integer', minimum: 1, maximum: 65535, default: 6697 },
          password: { type: 'string', secret: true, hint: 'put it in quotes' },
        },
      },
    },
    networks: { type: 'object', additionalProperties: { type: 'object', properties: { port: { type: 'integer' } } } },
  },
};

function problems(value: unknown, keyPath = 'irc'): Array<{ path: string; message: string }> {
  try {
    validateSection(IRC_SCHEMA, value, keyPath, 'bridge.yaml');
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).source).toBe('bridge.yaml');
    return [...(err as ConfigError).problems];
  }
  throw new Error('expected a ConfigError');
}

describe('validateSection', () => {
  it('returns a copy with defaults filled and leaves the input alone', () => {
    const input = { servers: [{ host: 'irc.libera.chat' }] };
    const out = validateSection<{ servers: Array<{ host: string; port: number }> }>(IRC_SCHEMA, input, 'irc');
    expect(out.servers[0].port).toBe(6697);
    expect(input.servers[0]).toEqual({ host: 'irc.libera.chat' });
  });

  it('prefixes paths with the section key and renders list indexes', () => {
    expect(problems({ servers: [{ host: 'a' }, { host: 'b', port: 0 }] })).toEqual([
      { path: 'irc.servers[1].port', message: 'must be an integer between 1 and 65535 (got 0)' },
    ]);
  });

  it('keeps numeric and dotted map keys as keys', () => {
    expect(problems({ servers: [{ host: 'a' }], networks: { 'irc.libera.chat': { port: 'x' }, '6667': { port: 1.5 } } })).toEqual([
      { path: 'irc.networks["6667"].port', message: 'must be an integer (got 1.5)' },
      { path: 'irc.networks["irc.libera.chat"].port', message: 'must be an integer (got "x")' },
    ]);
  });

  it('never echoes a secret value and appends the hint', () => {
    const [p] = problems({ servers: [{ host: 'a', password: 12345 }] });
    expect(p).toEqual({ path: 'irc.servers[0].password', message: 'must be a string (got a number); put it in quotes' });
    expect(JSON.stringify(p)).not.toContain('12345');
    const typed = problems({ servers: [{ host: 'a', password: ['hunter2'] }] });
    expect(JSON.stringify(typed)).not.toContain('hunter2');
  });

  it('reports a missing section and missing keys', () => {
    expect(problems(undefined)).toEqual([{ path: 'irc', message: 'must be a mapping of keys to values' }]);
    expect(problems({ servers: [{}] })).toEqual([{ path: 'irc.servers[0].host', message: 'is required: set it to a non-empty string' }]);
    expect(problems({ servers: [] })).toEqual([{ path: 'irc.servers', message: 'must be a non-empty list of a mapping of keys to values (got a list)' }]);
  });

  it('works without a key prefix', () => {
    expect(problems({ servers: [{ host: 'a' }], extra: 1 }, '')).toEqual([
      { path: 'extra', message: 'is not a known key; remove it or fix its spelling (known keys: servers, networks)' },
    ]);
  });
});

describe('describeExpected', () => {
  it.each<[SectionSchema, string]>([
    [{ type: 'integer', minimum: 1 }, 'an integer >= 1'],
    [{ type: 'number', maximum: 2 }, 'a number <= 2'],
    [{ type: ['string', 'null'] }, 'a string or null'],
    [{ enum: ['a', 1] }, 'one of "a", 1'],
    [{ anyOf: [{ type: 'boolean' }, { type: 'string', pattern: '^x$' }] }, 'true or false or a string matching /^x$/'],
    [{ type: 'string', expected: 'a nick' }, 'a nick'],
  ])('%j → %s', (schema, text) => expect(describeExpected(schema)).toBe(text));
});
