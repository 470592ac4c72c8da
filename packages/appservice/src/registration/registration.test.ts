import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../errors/bridge-error';
import { loadRegistration, parseRegistration, registrationToYaml, saveRegistration } from './file';
import { generateRegistration } from './generate';
import { NamespaceMatcher } from './namespaces';
import { validateRegistration } from './validate';

const OPTS = { id: 'irc', url: 'http://127.0.0.1:8090', senderLocalpart: 'ircbot', userPrefix: '_irc_', aliasPrefix: '_irc_', domain: 'example.org' };

function problemsOf(fn: () => unknown): Array<{ path: string; message: string }> {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return [...(err as ConfigError).problems];
  }
  throw new Error('expected a ConfigError');
}

const VALID_WIRE = () => ({
  id: 'irc',
  url: 'http://127.0.0.1:8090',
  as_token: 'A'.repeat(64),
  hs_token: 'B'.repeat(64),
  sender_localpart: 'ircbot',
  rate_limited: false,
  namespaces: { users: [{ exclusive: true, regex: '@_irc_.*' }] },
});

describe('generateRegistration', () => {
  it('makes distinct random 64-char tokens and exclusive escaped namespaces', () => {
    const a = generateRegistration({ ...OPTS, receiveEphemeral: true, protocols: ['irc'] });
    const b = generateRegistration(OPTS);
    expect(a.asToken).toMatch(/^[0-9a-f]{64}$/);
    expect(a.hsToken).toMatch(/^[0-9a-f]{64}$/);
    expect(a.asToken).not.toBe(a.hsToken);
    expect(a.asToken).not.toBe(b.asToken);
    expect(a.namespaces).toEqual({
      users: [{ exclusive: true, regex: '@_irc_.*:example\\.org' }],
      aliases: [{ exclusive: true, regex: '#_irc_.*:example\\.org' }],
      rooms: [],
    });
    expect(a.rateLimited).toBe(false);
    expect(a.receiveEphemeral).toBe(true);
    expect(a.protocols).toEqual(['irc']);
    expect(b).not.toHaveProperty('receiveEphemeral');
  });

  it('claims no aliases for a bridge without them (no alias prefix), and round-trips that through the file format', () => {
    const { aliasPrefix: _a, ...withoutAliases } = OPTS;
    const reg = generateRegistration(withoutAliases);
    expect(reg.namespaces.aliases).toEqual([]);
    expect(reg.namespaces.users).toEqual([{ exclusive: true, regex: '@_irc_.*:example\\.org' }]);
    expect(parseRegistration(registrationToYaml(reg), 'r.yaml').namespaces.aliases).toEqual([]);
  });

  it('matches any server when no domain is given, and escapes regex characters in prefixes', () => {
    const reg = generateRegistration({ ...OPTS, domain: undefined, userPrefix: 'irc.', url: null });
    expect(reg.namespaces.users[0].regex).toBe('@irc\\..*');
    expect(reg.url).toBeNull();
    const m = new NamespaceMatcher(reg, 'any.org');
    expect(m.isExclusiveUser('@irc.x:other.org')).toBe(true);
    expect(m.isExclusiveUser('@ircXx:other.org')).toBe(false);
  });

  it('refuses empty prefixes and bad values', () => {
    expect(problemsOf(() => generateRegistration({ ...OPTS, userPrefix: '', aliasPrefix: '' })).map((p) => p.path)).toEqual(['userPrefix', 'aliasPrefix']);
    expect(problemsOf(() => generateRegistration({ ...OPTS, url: 'localhost:8090', senderLocalpart: 'Bot' })).map((p) => p.path)).toEqual(['url', 'sender_localpart']);
  });
});

describe('YAML round trip', () => {
  let dir: string;
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'bridgekit-reg-')); });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes the spec snake_case keys and reads them back unchanged', () => {
    const reg = generateRegistration({ ...OPTS, receiveEphemeral: true });
    const text = registrationToYaml(reg);
    for (const key of ['as_token:', 'hs_token:', 'sender_localpart:', 'rate_limited: false', 'receive_ephemeral: true', 'exclusive: true']) {
      expect(text).toContain(key);
    }
    expect(text).not.toMatch(/asToken|senderLocalpart/);
    expect(parseRegistration(text, 'reg.yaml')).toEqual(reg);
  });

  it('saves with mode 0600, atomically, even over a world-readable file', () => {
    const path = join(dir, 'registration.yaml');
    writeFileSync(path, 'old', { mode: 0o644 });
    const reg = generateRegistration(OPTS);
    saveRegistration(path, reg);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(loadRegistration(path)).toEqual(reg);
    expect(readFileSync(path, 'utf8')).toMatch(/^# Application-service registration/);
  });

  it('says how to create a missing file', () => {
    expect(problemsOf(() => loadRegistration(join(dir, 'missing.yaml')))[0].message).toMatch(/generate-registration/);
  });

  it('names the exact command the caller gives in every hint and in the file header', () => {
    const generateCommand = 'bridgekit-irc generate-registration --config config.yaml';
    const missing = problemsOf(() => loadRegistration(join(dir, 'missing.yaml'), { generateCommand }))[0].message;
    expect(missing).toContain(`create it with \`${generateCommand}\``);
    expect(problemsOf(() => parseRegistration('', 'r.yaml', { generateCommand }))[0].message).toContain(`\`${generateCommand}\``);
    const tokens = problemsOf(() => validateRegistration({ id: 'irc', url: null, as_token: '<placeholder>', hs_token: 'x y', sender_localpart: 'ircbot', namespaces: {} }, 'r.yaml', { generateCommand }));
    expect(tokens.map((p) => p.message)).toEqual([
      expect.stringContaining(`run \`${generateCommand}\` to make a registration with fresh random tokens`),
      expect.stringContaining(`run \`${generateCommand}\` to make a registration with fresh random tokens`),
    ]);
    const path = join(dir, 'made.yaml');
    saveRegistration(path, generateRegistration(OPTS), { generateCommand });
    expect(readFileSync(path, 'utf8').split('\n')[0]).toBe(`# Application-service registration, made by \`${generateCommand}\`.`);
    expect(readFileSync(path, 'utf8')).not.toMatch(/bridgekit generate-registration/);
  });

  it('parses the repository sample only after its placeholders are replaced', () => {
    const sample = readFileSync(join(__dirname, '../../../../registration.sample.yaml'), 'utf8');
    const paths = problemsOf(() => parseRegistration(sample, 'registration.sample.yaml')).map((p) => p.path);
    expect(paths).toEqual(['as_token', 'hs_token']);
    const filled = sample.replace(/^as_token: .*/m, 'as_token: abc123').replace(/^hs_token: .*/m, 'hs_token: def456');
    const reg = parseRegistration(filled, 'sample');
    expect(reg.senderLocalpart).toBe('ircbot');
    expect(new NamespaceMatcher(reg, 'example.org').isExclusiveUser('@_irc_alice:example.org')).toBe(true);
  });
});

describe('validateRegistration', () => {
  it('converts to camelCase and defaults rate_limited to true, as Synapse does', () => {
    const { rate_limited: _omit, ...wire } = VALID_WIRE();
    const reg = validateRegistration(wire);
    expect(reg.rateLimited).toBe(true);
    expect(reg.namespaces).toEqual({ users: [{ exclusive: true, regex: '@_irc_.*' }], aliases: [], rooms: [] });
  });

  it('tolerates vendor keys with a dot and accepts url: null', () => {
    const reg = validateRegistration({ ...VALID_WIRE(), url: null, 'de.sorunome.msc2409.push_ephemeral': true });
    expect(reg.url).toBeNull();
  });

  it('lists every bad field with what to do, without echoing tokens', () => {
    const problems = problemsOf(() => validateRegistration({
      id: '',
      url: 'ftp://x',
      as_token: 'secret token with spaces',
      hs_token: 42,
      sender_localpart: 'Bot User',
      rate_limited: 'no',
      namespaces: { users: [{ regex: '@x' }, { exclusive: true, regex: '@a(?i)b' }], rooms: 'all' },
      bogus: 1,
    }, 'reg.yaml'));
    const byPath = Object.fromEntries(problems.map((p) => [p.path, p.message]));
    expect(Object.keys(byPath).sort()).toEqual([
      'as_token', 'bogus', 'hs_token', 'id', 'namespaces.rooms', 'namespaces.users[0].exclusive', 'rate_limited', 'sender_localpart', 'url',
    ]);
    // Without the bridge's command, the hint names no command that does not exist (there is no `bridgekit generate-registration`).
    expect(byPath.as_token).toMatch(/^must be a token .*\(got a string\); run the bridge's `generate-registration` command/);
    expect(byPath.url).toMatch(/e\.g\. http:\/\/127\.0\.0\.1:8090, or null/);
    expect(byPath.sender_localpart).toMatch(/lowercase letters/);
    expect(byPath['namespaces.users[0].exclusive']).toMatch(/^is required: set it to true or false/);
    expect(byPath.bogus).toMatch(/is not a known key/);
    expect(JSON.stringify(problems)).not.toContain('secret token');
  });

  it('reports regexes JavaScript cannot compile and identical tokens (after the shape is right)', () => {
    const problems = problemsOf(() => validateRegistration({
      ...VALID_WIRE(),
      hs_token: 'A'.repeat(64),
      namespaces: { users: [{ exclusive: true, regex: '@a(?i)b' }], aliases: [{ exclusive: true, regex: '#(' }] },
    }));
    expect(problems.map((p) => p.path)).toEqual(['hs_token', 'namespaces.users[0].regex', 'namespaces.aliases[0].regex']);
    expect(problems[1].message).toMatch(/cannot be compiled \(inline flags/);
  });

  it('names every missing required key', () => {
    expect(problemsOf(() => validateRegistration({})).map((p) => p.path)).toEqual(['id', 'url', 'as_token', 'hs_token', 'sender_localpart', 'namespaces']);
    expect(problemsOf(() => parseRegistration('', 'empty.yaml'))[0].message).toMatch(/is empty/);
  });
});
