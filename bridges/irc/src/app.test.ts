import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, runCli } from '@bridgekit/appservice';
import { ircBridgeApp } from './app';
import { parseIrcConfig } from './config/parse';

// The IRC bridge's CLI in-process (config and registration checks); `run` as a real process is
// covered by test/e2e/bridge-process.e2e.ts.

describe('the IRC bridge program', () => {
  let dir: string;
  let lines: string[];
  const config = () => join(dir, 'config.yaml');
  const cli = (...argv: string[]) => runCli(ircBridgeApp, argv, (l) => void lines.push(l), { script: '/usr/bin/bridgekit-irc', cwd: dir });
  const write = (irc: string, extra = '') => writeFileSync(config(), `homeserver: { url: "http://127.0.0.1:9", domain: example.org }\n${extra}irc:\n${irc}`);
  const MINIMAL_IRC = '  networks: { libera: { host: irc.libera.chat } }\n';

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'bridgekit-irc-cli-'));
    lines = [];
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reports its own package version', async () => {
    const { version } = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version: string };
    await expect(cli('--version')).resolves.toBe(0);
    expect(lines[0]).toMatch(new RegExp(`^bridgekit-irc ${version.replace(/\./g, '\\.')} \\(@bridgekit/appservice `));
  });

  it('names the config file and the key for an error inside irc:', async () => {
    write('  networks: { libera: { host: irc.libera.chat, port: 99999 } }\n');
    await expect(cli('check-config', '-c', config())).resolves.toBe(2);
    expect(lines.join('\n')).toMatch(new RegExp(`^${config()} has 1 problem:\\n  - irc\\.networks\\.libera\\.port: must be an integer between 1 and 65535`));
  });

  it('knows irc: as a section and refuses a misspelled one with a suggestion', async () => {
    write(MINIMAL_IRC, 'loging: { level: debug }\n');
    await expect(cli('check-config', '-c', config())).resolves.toBe(2);
    expect(lines).toEqual([`${config()} has 1 problem:\n  - unknown section 'loging' — did you mean 'logging'?`]);
  });

  it('tells hints with the installed command, and which irc key to change when the registration disagrees', async () => {
    write(MINIMAL_IRC);
    await expect(cli('check-config', '-c', config())).resolves.toBe(0);
    expect(lines[0]).toContain(`create it with bridgekit-irc generate-registration --config ${config()}`);
    await expect(cli('generate-registration', '-c', config())).resolves.toBe(0);
    write(`  ghost_prefix: _matrixirc_\n${MINIMAL_IRC}`);
    lines = [];
    await expect(cli('check-config', '-c', config())).resolves.toBe(2);
    expect(lines.join('\n')).toMatch(/namespaces\.users: .*\(irc\.ghost_prefix is "_matrixirc_" in the config\): change irc\.ghost_prefix/);
    write(`  alias_template: '#chat_$NETWORK_$CHANNEL'\n${MINIMAL_IRC}`);
    lines = [];
    await expect(cli('check-config', '-c', config())).resolves.toBe(2);
    expect(lines.join('\n')).toMatch(/namespaces\.aliases: .*\(irc\.alias_template is "chat_" in the config\): change irc\.alias_template/);
  });

  it('puts the key files it creates next to the database by default, not next to the config', () => {
    write(MINIMAL_IRC, 'database: { path: /var/lib/bridgekit/bridge.db }\n');
    expect(parseIrcConfig(loadConfig(config()))).toMatchObject({
      passwordKeyFile: '/var/lib/bridgekit/irc-passwords.key',
      media: { signingKeyFile: '/var/lib/bridgekit/media-signing.key' },
    });
    // A path the admin sets stays relative to the config, like every other path.
    write(`  password_key_file: keys/pw.key\n  media: { signing_key_file: keys/media.key }\n${MINIMAL_IRC}`, 'database: { path: /var/lib/bridgekit/bridge.db }\n');
    expect(parseIrcConfig(loadConfig(config()))).toMatchObject({ passwordKeyFile: join(dir, 'keys/pw.key'), media: { signingKeyFile: join(dir, 'keys/media.key') } });
  });
});

describe('the repository', () => {
  const root = join(__dirname, '../../..');
  it('git-ignores the key files the bridge creates', () => {
    const ignored = readFileSync(join(root, '.gitignore'), 'utf8').split('\n');
    expect(ignored).toContain('*.key');
  });

  it('documents the commands that exist: no `bridgekit generate-registration`, and -c as the CLI accepts it', () => {
    for (const file of ['README.md', 'config.sample.yaml', 'registration.sample.yaml']) {
      const text = readFileSync(join(root, file), 'utf8');
      expect(text).not.toMatch(/bridgekit (generate-registration|check-config|run)\b/);
    }
    expect(readFileSync(join(root, 'config.sample.yaml'), 'utf8')).toContain('node bridges/irc/dist/main.js check-config -c config.yaml');
  });

  it('documents a metrics port that is not Prometheus\'s own', () => {
    const sample = readFileSync(join(root, 'config.sample.yaml'), 'utf8');
    expect(sample).toMatch(/^ {2}#port: 8093$/m);
    expect(sample).not.toMatch(/#port: 9090/);
  });
});
