import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { ConfigError, type ConfigProblem } from '@bridgekit/appservice';
import { createTestConfig } from '@bridgekit/appservice/testing';
import { aliasPrefixOf, IRC_CONFIG_SECTION, parseIrcConfig } from './parse';
import { IRC_SECTION_SCHEMA } from './schema';

function parse(irc: unknown, baseDir = '/etc/bridge') {
  return parseIrcConfig(createTestConfig({ irc }, { dir: baseDir }));
}

function problems(irc: unknown): readonly ConfigProblem[] {
  try {
    parse(irc);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

const minimal = { networks: { libera: { host: 'irc.libera.chat' } } };

describe('access lists in the config', () => {
  it('names a regular expression that does not compile, and a static room the lists exclude', () => {
    expect(problems({
      networks: {
        libera: {
          host: 'irc.libera.chat',
          access: { exclude_channels: ['#ops-*'], exclude_users: ['/(oops/'] },
          static_rooms: [{ channel: '#OPS-team', room_id: '!r:hs.test' }],
        },
      },
    })).toEqual([
      { path: 'irc.networks.libera.access.exclude_users[0]', message: expect.stringMatching(/^is not a valid regular expression \(/) },
      { path: 'irc.networks.libera.static_rooms[0].channel', message: 'is excluded by irc.networks.libera.access: remove it from the access lists or from static_rooms' },
    ]);
  });
});

describe('parseIrcConfig', () => {
  it('fills every default for a minimal section and camelCases it', () => {
    const config = parse(minimal);
    expect(config).toMatchObject({
      senderLocalpart: 'ircbot', ghostPrefix: '_irc_', aliasTemplate: '#_irc_$NETWORK_$CHANNEL',
      passwordKeyFile: '/etc/bridge/irc-passwords.key', permissions: { 'hs.test': 'user' },
      media: { mode: 'direct', modeConfigured: false, publicUrl: 'http://127.0.0.1:8008', signingKeyFile: '/etc/bridge/media-signing.key' },
    });
    const net = config.networks.get('libera' as never)!;
    expect(net).toMatchObject({
      id: 'libera', name: 'libera', host: 'irc.libera.chat', port: 6697, tls: true, tlsRejectUnauthorized: true,
      bot: { nick: 'MatrixBridge', username: 'matrixbridge' },
      puppets: { nickTemplate: '$DISPLAY[m]', maxConnections: 1000, idleTimeoutSeconds: 0 },
      flood: { burst: 5, linesPerSecond: 0.5, maxQueued: 200 },
      reconnect: { baseDelaySeconds: 2, maxDelaySeconds: 300 },
      fallbackEncoding: 'cp1252', dynamicPortals: true, staticRooms: [], membershipSync: 'lazy', awayPresence: false, publishPortals: false,
      messages: { pasteThresholdLines: 3, replyTemplate: '$NICK: "$QUOTE" <- $REPLY', editTemplate: '* $NEW', redactions: 'ignore', formatting: { monospace: false, strikethrough: false } },
    });
    expect(net.password).toBeUndefined();
  });

  it('turns the inline code and strikethrough control codes on only when asked', () => {
    const net = (messages: Record<string, unknown>) => parse({ networks: { libera: { host: 'irc.libera.chat', messages } } }).networks.get('libera' as never)!;
    expect(net({ formatting: { monospace_codes: true } }).messages.formatting).toEqual({ monospace: true, strikethrough: false });
    expect(net({ formatting: { strikethrough_codes: true } }).messages.formatting).toEqual({ monospace: false, strikethrough: true });
    expect(() => net({ formatting: { monospace_codes: 'yes' } })).toThrow(/monospace_codes/);
  });

  it.each([
    ['a public URL alone turns the proxy on', { public_url: 'https://bridge.example/' }, 'proxy', false, 'https://bridge.example'],
    ['an explicit direct mode keeps direct links to the given URL', { mode: 'direct', public_url: 'https://hs.example' }, 'direct', true, 'https://hs.example'],
    ['an explicit proxy mode', { mode: 'proxy', public_url: 'https://bridge.example' }, 'proxy', true, 'https://bridge.example'],
  ])('media: %s', (_what, media, mode, modeConfigured, publicUrl) => {
    expect(parse({ ...minimal, media }).media).toMatchObject({ mode, modeConfigured, publicUrl });
  });

  it('takes an mxc:// protocol icon and refuses anything else', () => {
    expect(parse({ ...minimal, protocol_icon: 'mxc://example.org/AbC_d-1' }).protocolIcon).toBe('mxc://example.org/AbC_d-1');
    expect(parse(minimal).protocolIcon).toBeUndefined();
    expect(problems({ ...minimal, protocol_icon: 'https://example.org/irc.png' }).map((p) => p.path)).toEqual(['irc.protocol_icon']);
  });

  it('uses port 6667 without TLS and keeps several networks apart', () => {
    const config = parse({ networks: { a: { host: 'a.example', tls: false }, b: { host: 'b.example', port: 7000 } } });
    expect([...config.networks.values()].map((n) => [n.id, n.port, n.tls])).toEqual([['a', 6667, false], ['b', 7000, true]]);
  });

  it('reads the CA file and static rooms', () => {
    const dir = mkdtempSync(join(tmpdir(), 'irc-config-'));
    try {
      writeFileSync(join(dir, 'ca.pem'), '-----BEGIN CERTIFICATE-----\n');
      const config = parse({ networks: { x: { host: 'x.example', ca_file: 'ca.pem', static_rooms: [{ channel: '#Room', room_id: '!r:hs.test', key: 'k' }] } } }, dir);
      const net = config.networks.get('x' as never)!;
      expect(net.ca).toBe('-----BEGIN CERTIFICATE-----\n');
      expect(net.staticRooms).toEqual([{ channel: '#Room', roomId: '!r:hs.test', key: 'k' }]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each([
    ['a missing section', undefined, 'irc', /is required: add an `irc:` section/],
    ['no networks', {}, 'irc.networks', /is required/],
    ['an upper-case network name', { networks: { Libera: { host: 'h' } } }, 'irc.networks', /network name of 1-32 lower-case/],
    ['a host with a port', { networks: { l: { host: 'irc.libera.chat:6697' } } }, 'irc.networks.l.host', /without scheme or port/],
    ['a zero burst', { networks: { l: { host: 'h', flood: { burst: 0 } } } }, 'irc.networks.l.flood.burst', /between 1 and 10000/],
    ['an unknown key', { networks: { l: { host: 'h', nick: 'x' } } }, 'irc.networks.l.nick', /not a known key/],
    ['an alias template without $CHANNEL', { ...minimal, alias_template: '#irc_$NETWORK' }, 'irc.alias_template', /\$CHANNEL exactly once/],
    ['an alias template without a fixed prefix', { ...minimal, alias_template: '#$NETWORK_$CHANNEL' }, 'irc.alias_template', /must start with fixed text/],
    ['a bot inside the ghost namespace', { ...minimal, sender_localpart: '_irc_bot' }, 'irc.sender_localpart', /must not start with ghost_prefix/],
    ['an unknown encoding', { networks: { l: { host: 'h', fallback_encoding: 'klingon' } } }, 'irc.networks.l.fallback_encoding', /Unknown IRC fallback encoding/],
    ['a bad static channel', { networks: { l: { host: 'h', static_rooms: [{ channel: 'nohash', room_id: '!r:hs' }] } } }, 'irc.networks.l.static_rooms[0].channel', /must be a channel name/],
    ['a missing CA file', { networks: { l: { host: 'h', ca_file: 'nope.pem' } } }, 'irc.networks.l.ca_file', /cannot be read \(ENOENT\)/],
    ['proxy media without a public URL', { ...minimal, media: { mode: 'proxy' } }, 'irc.media.public_url', /is required when media.mode is "proxy"/],
    ['provisioning without a secret', { ...minimal, provisioning: { enabled: true } }, 'irc.provisioning.secret', /is required when provisioning is enabled/],
  ])('refuses %s, naming the key', (_what, irc, path, message) => {
    const found = problems(irc);
    expect(found.map((p) => p.path)).toContain(path);
    expect(found.find((p) => p.path === path)!.message).toMatch(message);
  });

  it('never echoes a bad secret back', () => {
    const found = problems({ networks: { l: { host: 'h', password: ['hunter2'] } } });
    expect(found.map((p) => p.path)).toEqual(['irc.networks.l.password']);
    expect(JSON.stringify(found)).not.toContain('hunter2');
  });

  it("registers every password, key and secret of the section for the core's log redaction", () => {
    const { secrets } = IRC_CONFIG_SECTION.load(createTestConfig({ irc: {
      provisioning: { enabled: true, secret: 'prov-secret-1' },
      networks: { l: { host: 'h', password: 'pass-1', bot: { sasl: { account: 'bot', password: 'sasl-1' } }, static_rooms: [{ channel: '#c', room_id: '!r:hs', key: 'chan-key-1' }] } },
    } }));
    expect([...secrets].sort()).toEqual(['chan-key-1', 'pass-1', 'prov-secret-1', 'sasl-1']);
  });

  it('keeps the keys of maps as written: network names, user IDs and mode letters are data, not config keys', () => {
    const config = parse({ permissions: { '@ops_team:hs.test': 'admin' }, networks: { 'my-net': { host: 'h', mode_power_levels: { o: 50 } } } });
    expect(config.permissions).toEqual({ '@ops_team:hs.test': 'admin' });
    expect(config.networks.get('my-net' as never)!.modePowerLevels).toEqual({ o: 50 });
  });

  it('requires $NETWORK in the alias template when there are several networks', () => {
    const found = problems({ alias_template: '#irc_$CHANNEL', networks: { a: { host: 'a' }, b: { host: 'b' } } });
    expect(found.map((p) => p.path)).toEqual(['irc.alias_template']);
  });
});

describe('aliasPrefixOf', () => {
  it.each([['#_irc_$NETWORK_$CHANNEL', '_irc_'], ['#irc_$NETWORK_$CHANNEL', 'irc_'], ['irc-$CHANNEL', 'irc-'], ['#$CHANNEL', '']])('%s → %s', (template, prefix) => {
    expect(aliasPrefixOf(template)).toBe(prefix);
  });
});

describe('config.sample.yaml', () => {
  const sample = readFileSync(join(__dirname, '../../../../config.sample.yaml'), 'utf8');
  // The irc block: from "#irc:" to the end, with one leading '#' removed from each line.
  const block = sample.slice(sample.indexOf('\n#irc:') + 1).split('\n').map((line) => line.replace(/^#/, '')).join('\n');
  const documented = (load(block) as { irc: Record<string, unknown> }).irc;

  it('documents the real defaults: the uncommented block equals the minimal config', () => {
    expect(parse(documented)).toEqual(parse({ networks: { libera: { host: 'irc.libera.chat' } } }));
  });

  it('documents every key of the schema (optional examples included)', () => {
    // Keys at a line's start, and inside flow mappings such as `#sasl: { account: x, password: y }`.
    const keys = (text: string) => [...text.matchAll(/(?:^[\s#-]*|[{,]\s*)([a-z_][a-z0-9_]*):/gm)].map((m) => m[1]);
    // Every key the schema declares, at any depth (through maps and lists).
    const schemaKeys: string[] = [];
    const walk = (node: unknown): void => {
      if (node === null || typeof node !== 'object') return;
      const s = node as { properties?: Record<string, unknown>; additionalProperties?: unknown; items?: unknown };
      for (const [key, child] of Object.entries(s.properties ?? {})) {
        schemaKeys.push(key);
        walk(child);
      }
      walk(s.additionalProperties);
      walk(s.items);
    };
    walk(IRC_SECTION_SCHEMA);
    expect(schemaKeys.length).toBeGreaterThan(60);
    const documentedKeys = new Set(keys(block));
    expect(schemaKeys.filter((k) => !documentedKeys.has(k))).toEqual([]);
  });
});

describe('per-user IPv6 source addresses and the identd in the config', () => {
  it('reads a prefix and a start, and leaves the identd off by default', () => {
    const irc = parse({ networks: { libera: { host: '[2001:db8::6667]', ipv6: { prefix: '2001:db8:1::/64', start: '2001:db8:1::1000' } } } });
    const net = irc.networks.get('libera' as never);
    expect(net?.ipv6).toEqual({ prefix: '2001:db8:1::/64', start: '2001:db8:1::1000' });
    expect(net?.host).toBe('2001:db8::6667');
    expect(irc.ident).toEqual({ enabled: false, address: '::', port: 113 });
  });

  it('says what to write for a bad prefix, a start outside it, and a server only reachable over IPv4', () => {
    expect(problems({ networks: { libera: { host: 'irc.libera.chat', ipv6: { prefix: '2001:db8:1::5/64' } } } })).toEqual([
      { path: 'irc.networks.libera.ipv6.prefix', message: 'has bits set after the first 64: write the prefix itself, "2001:db8:1::/64"' },
    ]);
    expect(problems({ networks: { libera: { host: 'irc.libera.chat', ipv6: { prefix: '10.0.0.0/8' } } } })).toEqual([
      { path: 'irc.networks.libera.ipv6.prefix', message: expect.stringMatching(/^must start with an IPv6 address/) },
    ]);
    expect(problems({ networks: { libera: { host: '192.0.2.7', ipv6: { prefix: '2001:db8:1::/64', start: '2001:db8:2::1' } } } })).toEqual([
      { path: 'irc.networks.libera.ipv6.start', message: 'must be an IPv6 address inside 2001:db8:1::/64, e.g. "2001:db8:1::1000" (got "2001:db8:2::1")' },
      { path: 'irc.networks.libera.ipv6', message: expect.stringMatching(/^needs the server reached over IPv6, but host 192\.0\.2\.7 is an IPv4 address/) },
    ]);
  });

  it('refuses an identd port out of range', () => {
    expect(problems({ ...minimal, ident: { enabled: true, port: 0 } })).toEqual([
      { path: 'irc.ident.port', message: expect.any(String) },
    ]);
  });
});
