import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../errors/bridge-error';
import { loadConfig, parseByteSize, parseConfig } from './load';
import { parseYamlText } from './yaml-file';

const MINIMAL = `
homeserver:
  url: http://127.0.0.1:8008/
  domain: example.org
`;

function problemsOf(fn: () => unknown): Array<{ path: string; message: string }> {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return [...(err as ConfigError).problems];
  }
  throw new Error('expected a ConfigError');
}

describe('parseConfig', () => {
  // Found by config.fuzz.test.ts at 100,000 inputs: the walk over such a value overflowed the stack.
  it('refuses a YAML alias inside its own anchor with one ConfigError naming the key, not a stack overflow', () => {
    const text = `${MINIMAL}moderation: &loop\n  policy_rooms: []\n  again: *loop\n`;
    expect(problemsOf(() => parseConfig(text, '/x'))).toEqual([
      { path: 'moderation.again', message: expect.stringMatching(/contains it .*YAML alias.*write the value out/) },
    ]);
  });

  it('still takes a value shared through an alias in two places', () => {
    const parsed = parseYamlText('a: &x { rooms: ["#a:b"] }\nb: *x\nc: [*x, *x]\n', 'shared.yaml') as Record<string, unknown>;
    expect(parsed.b).toBe(parsed.a);
    const cfg = parseConfig(`${MINIMAL}appservice:\n  bind_address: &addr 127.0.0.2\nmetrics:\n  bind_address: *addr\n`, '/x');
    expect(cfg.metrics.bindAddress).toBe('127.0.0.2');
  });

  it('fills every default and converts keys to camelCase', () => {
    const cfg = parseConfig(MINIMAL, '/etc/bridge');
    expect(cfg).toEqual({
      homeserver: { url: 'http://127.0.0.1:8008', domain: 'example.org' },
      appservice: { registration: '/etc/bridge/registration.yaml', bindAddress: '127.0.0.1', port: 8090, maxBodyBytes: 10 * 1024 * 1024 },
      // Not 9090, which is Prometheus's own port.
      metrics: { enabled: false, bindAddress: '127.0.0.1', port: 8093 },
      database: { path: '/etc/bridge/bridgekit.db', dir: '/etc/bridge', backupsKept: 3 },
      logging: { level: 'info', format: 'text' },
      ingest: { roomConcurrency: 8, maxAttempts: 5, slowHandlerMs: 10000 },
      moderation: { policyRooms: [] },
      shutdown: { drainMs: 3000 },
      sections: {},
      baseDir: '/etc/bridge',
      source: 'config',
    });
  });

  it('reads every core key from snake_case YAML and resolves relative paths against baseDir', () => {
    const cfg = parseConfig(`
homeserver: { url: "https://matrix.example.org", domain: example.org }
appservice:
  registration: ../reg/irc-registration.yaml
  bind_address: 0.0.0.0
  port: 9999
  max_body_bytes: 512kb
  public_url: https://bridge.example.org/
metrics: { enabled: true, bind_address: 127.0.0.1, port: 9001 }
database: { path: /var/lib/bridge/irc.db }
logging: { level: debug, format: json, file: logs/bridge.log }
ingest: { room_concurrency: 2, max_attempts: 3, slow_handler_ms: 500 }
`, '/srv/conf');
    expect(cfg.appservice).toEqual({
      registration: '/srv/reg/irc-registration.yaml', bindAddress: '0.0.0.0', port: 9999, maxBodyBytes: 524288, publicUrl: 'https://bridge.example.org',
    });
    expect(cfg.metrics).toEqual({ enabled: true, bindAddress: '127.0.0.1', port: 9001 });
    expect(cfg.database.path).toBe('/var/lib/bridge/irc.db');
    expect(cfg.logging).toEqual({ level: 'debug', format: 'json', file: '/srv/conf/logs/bridge.log' });
    expect(cfg.ingest).toEqual({ roomConcurrency: 2, maxAttempts: 3, slowHandlerMs: 500 });
  });

  it('hands unknown top-level sections to connectors untouched', () => {
    const cfg = parseConfig(`${MINIMAL}irc:\n  servers:\n    - host: irc.libera.chat\n      nick_prefix: m_\n`, '/x');
    expect(cfg.sections).toEqual({ irc: { servers: [{ host: 'irc.libera.chat', nick_prefix: 'm_' }] } });
  });

  it('treats an empty YAML value as "not set" so the default applies', () => {
    const cfg = parseConfig(`${MINIMAL}logging:\n  file:\n  level:\nmetrics:\n`, '/x');
    expect(cfg.logging).toEqual({ level: 'info', format: 'text' });
    expect(cfg.metrics.enabled).toBe(false);
  });

  it('chooses PostgreSQL with database.url, with pool size and statement timeout (defaults 10 and 30 s)', () => {
    const cfg = parseConfig(`${MINIMAL}database: { url: "postgresql://bridge:pw@db:5432/irc", pool_size: 4 }`, '/x');
    expect(cfg.database.postgres).toEqual({ url: 'postgresql://bridge:pw@db:5432/irc', poolSize: 4, statementTimeoutMs: 30000 });
    expect(parseConfig(MINIMAL, '/x').database.postgres).toBeUndefined();
    expect(() => parseConfig(`${MINIMAL}database: { url: "mysql://db/irc" }`, '/x')).toThrow(/database.url: must be a PostgreSQL URL/);
    expect(() => parseConfig(`${MINIMAL}database: { url: "postgresql://db/irc", pool_size: 0 }`, '/x')).toThrow(/pool_size/);
  });

  it('reads moderation.policy_rooms (room IDs and aliases) and refuses anything else with an example', () => {
    const cfg = parseConfig(`${MINIMAL}moderation: { policy_rooms: ["#bans:example.org", "!AbC:matrix.org", "!4a7yBei1z9c9-uc0EiP"] }\n`, '/x');
    expect(cfg.moderation.policyRooms).toEqual(['#bans:example.org', '!AbC:matrix.org', '!4a7yBei1z9c9-uc0EiP']);
    const problems = problemsOf(() => parseConfig(`${MINIMAL}moderation: { policy_rooms: ["bans", "#no-server"] }\n`, '/x'));
    expect(problems).toEqual([
      expect.objectContaining({ path: 'moderation.policy_rooms[0]', message: expect.stringContaining('#ban-list:example.org') }),
      expect.objectContaining({ path: 'moderation.policy_rooms[1]' }),
    ]);
  });

  it('keeps :memory: as a database path', () => {
    expect(parseConfig(`${MINIMAL}database: { path: ":memory:" }`, '/x').database.path).toBe(':memory:');
  });

  it('names the key path and the expected value for each bad value, all at once', () => {
    const problems = problemsOf(() => parseConfig(`
homeserver: { domain: "https://example.org" }
appservice: { port: 70000, bind_adress: 0.0.0.0, max_body_bytes: lots }
logging: { level: verbose }
ingest: { max_attempts: "3" }
`, '/x'));
    const byPath = Object.fromEntries(problems.map((p) => [p.path, p.message]));
    expect(byPath['homeserver.url']).toMatch(/^is required: set it to an http\(s\) URL like http:\/\/127\.0\.0\.1:8008/);
    expect(byPath['homeserver.domain']).toMatch(/the server name that appears in user IDs.*\(got "https:\/\/example\.org"\)/);
    expect(byPath['appservice.port']).toBe('must be an integer between 1 and 65535 (got 70000)');
    expect(byPath['appservice.bind_adress']).toMatch(/is not a known key; did you mean bind_address\? Otherwise remove it \(known keys: registration, bind_address/);
    expect(byPath['appservice.max_body_bytes']).toMatch(/must be a size of at least 1kb/);
    expect(byPath['logging.level']).toBe('must be one of "error", "warn", "info", "debug" (got "verbose")');
    expect(byPath['ingest.max_attempts']).toBe('must be an integer between 1 and 100 (got "3")');
    expect(problems).toHaveLength(7);
  });

  it('rejects a size below 1kb and a metrics port that clashes with the appservice port', () => {
    const problems = problemsOf(() => parseConfig(`${MINIMAL}appservice: { max_body_bytes: 10b, port: 9000 }\nmetrics: { enabled: true, port: 9000 }\n`, '/x'));
    expect(problems.map((p) => p.path)).toEqual(['appservice.max_body_bytes', 'metrics.port']);
  });

  it('reports YAML syntax errors with line and column', () => {
    const problems = problemsOf(() => parseConfig('homeserver:\n  url: [unclosed\n', '/x', 'conf.yaml'));
    expect(problems[0].message).toMatch(/not valid YAML \(line \d+, column \d+/);
  });

  it('rejects duplicate keys and YAML-1.1 surprises such as yes/no booleans', () => {
    expect(() => parseConfig(`${MINIMAL}homeserver: {}`, '/x')).toThrow(/duplicated mapping key/);
    const problems = problemsOf(() => parseConfig(`${MINIMAL}metrics: { enabled: yes }`, '/x'));
    expect(problems).toEqual([{ path: 'metrics.enabled', message: 'must be true or false (got "yes")' }]);
  });

  it('rejects an empty file and a file that is not a mapping', () => {
    expect(problemsOf(() => parseConfig('', '/x'))[0].message).toMatch(/is empty; copy config.sample.yaml/);
    expect(problemsOf(() => parseConfig('- a\n- b\n', '/x'))[0].message).toMatch(/must be a mapping/);
  });
});

describe('loadConfig', () => {
  let dir: string;
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'bridgekit-config-')); });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("resolves relative paths against the config file's directory", () => {
    writeFileSync(join(dir, 'config.yaml'), MINIMAL);
    const cfg = loadConfig(join(dir, 'config.yaml'));
    expect(cfg.baseDir).toBe(dir);
    expect(cfg.database.path).toBe(join(dir, 'bridgekit.db'));
  });

  it('says what to do when the file is missing', () => {
    const problems = problemsOf(() => loadConfig(join(dir, 'nope.yaml')));
    expect(problems[0].message).toMatch(/the file does not exist.*copy config.sample.yaml/);
  });

  it('documents the real defaults in config.sample.yaml: uncommenting every key changes nothing', () => {
    const sample = readFileSync(join(__dirname, '../../../../config.sample.yaml'), 'utf8');
    const uncommented = sample.replace(/^(\s*)#(\w+: \S.*)$/gm, '$1$2');
    expect(uncommented).not.toBe(sample);
    const defaults = parseConfig(sample, '/x');
    const explicit = parseConfig(uncommented, '/x');
    // The three optional keys are shown with example values, not defaults.
    expect(explicit.appservice.publicUrl).toBe('https://bridge.example.org');
    expect(explicit.logging.file).toBe('/x/bridgekit.log');
    expect(explicit.database.postgres).toEqual({ url: 'postgresql://bridge:password@localhost:5432/bridge', poolSize: 10, statementTimeoutMs: 30000 });
    const { publicUrl: _p, ...appservice } = explicit.appservice;
    const { file: _f, ...logging } = explicit.logging;
    const { postgres: _pg, ...database } = explicit.database;
    expect({ ...explicit, appservice, logging, database }).toEqual(defaults);
  });

  it('parses the repository sample config', () => {
    const cfg = loadConfig(join(__dirname, '../../../../config.sample.yaml'));
    expect(cfg.homeserver.domain).toBe('example.org');
    expect(cfg.appservice.port).toBe(8090);
    expect(cfg.sections).toEqual({});
  });
});

describe('parseByteSize', () => {
  it.each([
    [2048, 2048], ['10mb', 10485760], ['10 MB', 10485760], ['512KiB', 524288], ['1.5kb', 1536], ['100', 100],
  ])('%p → %p', (input, expected) => expect(parseByteSize(input)).toBe(expected));
  it.each([['lots'], [1.5], [-1]])('%p is not a size', (input) => expect(parseByteSize(input)).toBeUndefined());
});

describe('top-level sections', () => {
  it("refuses a misspelled section and suggests the closest right one ('loging' → 'logging')", () => {
    const err = (() => {
      try {
        parseConfig(`${MINIMAL}loging:\n  level: debug\n`, '/x', '/x/config.yaml', { sections: ['irc'] });
      } catch (e) {
        return e as ConfigError;
      }
      throw new Error('expected a ConfigError');
    })();
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toBe("/x/config.yaml has 1 problem:\n  - unknown section 'loging' — did you mean 'logging'?");
  });

  it("counts the connector's declared sections as known, and suggests them too", () => {
    const cfg = parseConfig(`${MINIMAL}irc:\n  networks: {}\n`, '/x', 'c.yaml', { sections: ['irc'] });
    expect(cfg.sections).toEqual({ irc: { networks: {} } });
    const problems = problemsOf(() => parseConfig(`${MINIMAL}ircc: {}\nhomserver_extra: 1\nzzz: 1\n`, '/x', 'c.yaml', { sections: ['irc'] }));
    expect(problems.map((p) => p.message)).toEqual([
      "unknown section 'ircc' — did you mean 'irc'?",
      "unknown section 'homserver_extra' — remove it or fix its spelling (known sections: homeserver, appservice, metrics, database, logging, ingest, moderation, shutdown, irc)",
      "unknown section 'zzz' — remove it or fix its spelling (known sections: homeserver, appservice, metrics, database, logging, ingest, moderation, shutdown, irc)",
    ]);
  });

  it('lets unknown sections through unchecked when the caller declares none (tools without a connector)', () => {
    expect(parseConfig(`${MINIMAL}loging: {}\n`, '/x').sections).toEqual({ loging: {} });
  });

  it('puts the database directory beside the database, for the files a bridge creates', () => {
    expect(parseConfig(`${MINIMAL}database: { path: data/irc.db }\n`, '/srv').database).toEqual({ path: '/srv/data/irc.db', dir: '/srv/data', backupsKept: 3 });
    expect(parseConfig(`${MINIMAL}database: { path: ":memory:" }\n`, '/srv').database).toEqual({ path: ':memory:', dir: '/srv', backupsKept: 3 });
  });
});
