import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bridgekitBin, BRIDGEKIT_GUIDE } from './cli/bin';
import { runCli, type BridgeApp } from './cli';
import { Type } from '@sinclair/typebox';
import { defineConfigSection } from './config/section';
import type { Connector } from './connector';
import { CORE_VERSION } from './version';

// Unit tier: the CLI commands in-process against real files in a temp dir; `run` itself is
// exercised as a real process by the e2e tier (bridge-process.e2e.ts).

const TEST_SECTION = defineConfigSection({
  key: 'test',
  schema: Type.Object({ prefix: Type.String({ default: '_t_' }), poll_seconds: Type.Integer({ minimum: 1, default: 5 }) }, { additionalProperties: false }),
});
// The connector declares the section; the app lists it so the loader knows the key before any connector exists.
const connector: Connector<{ prefix: string; pollSeconds: number }> = {
  name: 'test', configSection: TEST_SECTION, start: async () => undefined, stop: async () => undefined, onMatrixEvent: async () => undefined,
};
const app: BridgeApp = {
  name: 'test',
  command: 'bridgekit-test',
  version: '1.2.3',
  configSections: [TEST_SECTION],
  createConnector: () => connector,
  registrationDefaults: (config) => ({
    senderLocalpart: 'testbot',
    userPrefix: TEST_SECTION.read(config).prefix,
    aliasPrefix: 't_',
    configKeys: { userPrefix: 'test.prefix' },
  }),
};

describe('the bridge CLI', () => {
  let dir: string;
  let lines: string[];
  const out = (line: string) => void lines.push(line);
  // As if run from a checkout: `node bridges/test/dist/main.js ...` from `dir`.
  const cli = (...argv: string[]) => runCli(app, argv, out, { script: join(dir, 'bridges/test/dist/main.js'), cwd: dir });
  const text = () => lines.join('\n');
  const writeConfig = (extra = '') => writeFileSync(join(dir, 'config.yaml'), `homeserver: { url: "http://127.0.0.1:9", domain: example.org }\n${extra}`);

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'bridgekit-cli-'));
    lines = [];
    writeConfig();
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('prints the version with --version', async () => {
    await expect(cli('--version')).resolves.toBe(0);
    expect(lines).toEqual([`bridgekit-test 1.2.3 (@bridgekit/appservice ${CORE_VERSION})`]);
  });

  it('accepts -c for --config and -r for --registration, as config.sample.yaml writes them', async () => {
    writeFileSync(join(dir, 'other.yaml'), 'homeserver: { url: "http://127.0.0.1:9", domain: other.org }\n');
    await expect(cli('generate-registration', '-c', join(dir, 'other.yaml'), '-r', join(dir, 'reg-other.yaml'))).resolves.toBe(0);
    expect(readFileSync(join(dir, 'reg-other.yaml'), 'utf8')).toContain('other\\.org');
    lines = [];
    await expect(cli('check-config', '-c', join(dir, 'other.yaml'), '-r', join(dir, 'reg-other.yaml'))).resolves.toBe(0);
    expect(text()).toMatch(/other\.yaml and .*reg-other\.yaml are valid and agree/);
  });

  it('check-config works before the registration exists, naming the real command that makes it', async () => {
    await expect(cli('check-config', '-c', 'config.yaml')).resolves.toBe(2); // relative to cwd, which is not `dir` here
    lines = [];
    await expect(cli('check-config', '-c', join(dir, 'config.yaml'))).resolves.toBe(0);
    expect(text()).toBe(`${join(dir, 'config.yaml')} is valid. The registration ${join(dir, 'registration.yaml')} does not exist yet: `
      + `create it with node bridges/test/dist/main.js generate-registration --config ${join(dir, 'config.yaml')}, load it in the homeserver, then run check-config again to compare the two.`);
  });

  it('generate-registration writes the file whose header and hints name the real command, never `bridgekit generate-registration`', async () => {
    const config = join(dir, 'config.yaml');
    await expect(cli('generate-registration', '--config', config)).resolves.toBe(0);
    const written = readFileSync(join(dir, 'registration.yaml'), 'utf8');
    expect(written.split('\n')[0]).toBe(`# Application-service registration, made by \`node bridges/test/dist/main.js generate-registration --config ${config}\`.`);
    expect(text()).toContain(`Check the pair with: node bridges/test/dist/main.js check-config --config ${config}`);
    writeFileSync(join(dir, 'registration.yaml'), written.replace(/as_token: \S+/, 'as_token: <placeholder>'));
    lines = [];
    await expect(cli('check-config', '-c', config)).resolves.toBe(2);
    expect(text()).toContain(`run \`node bridges/test/dist/main.js generate-registration --config ${config}\` to make a registration with fresh random tokens`);
    expect(`${written}\n${text()}`).not.toMatch(/bridgekit generate-registration/);
  });

  it('refuses a misspelled top-level section, suggesting the right one; the connector\'s section counts as known', async () => {
    writeConfig('loging: { level: debug }\ntest: { prefix: _t_ }\n');
    await expect(cli('check-config', '-c', join(dir, 'config.yaml'))).resolves.toBe(2);
    expect(text()).toBe(`${join(dir, 'config.yaml')} has 1 problem:\n  - unknown section 'loging' — did you mean 'logging'?`);
  });

  it("names the config file and the key in the connector's own errors", async () => {
    writeConfig('test: { prefx: _t_ }\n');
    await expect(cli('check-config', '-c', join(dir, 'config.yaml'))).resolves.toBe(2);
    expect(text()).toMatch(new RegExp(`^${join(dir, 'config.yaml')} has 1 problem:\\n  - test\\.prefx: is not a known key`));
  });

  it("check-config validates the connector's declared section, as run would, with did-you-mean", async () => {
    writeConfig('test: { pol_seconds: 0 }\n');
    // generate-registration reads only prefix (valid by default); check-config reads the whole section.
    await expect(cli('check-config', '-c', join(dir, 'config.yaml'))).resolves.toBe(2);
    expect(text()).toContain('test.pol_seconds: is not a known key; did you mean poll_seconds?');
  });

  it('generates a registration without an alias namespace for a bridge without aliases', async () => {
    const noAliases: BridgeApp = { ...app, registrationDefaults: () => ({ senderLocalpart: 'testbot', userPrefix: '_t_' }) };
    const config = join(dir, 'config.yaml');
    await expect(runCli(noAliases, ['generate-registration', '-c', config], out)).resolves.toBe(0);
    expect(readFileSync(join(dir, 'registration.yaml'), 'utf8')).toMatch(/aliases: \[\]/);
    lines = [];
    await expect(runCli(noAliases, ['check-config', '-c', config], out)).resolves.toBe(0);
    expect(text()).toMatch(/are valid and agree/);
    expect(text()).not.toMatch(/Note:/);
    // A connector that does answer alias queries but has no prefix is pointed at the gap.
    const answersAliases: BridgeApp = { ...noAliases, createConnector: () => ({ ...connector, onAliasQuery: async () => false }) };
    lines = [];
    await expect(runCli(answersAliases, ['check-config', '-c', config], out)).resolves.toBe(0);
    expect(text()).toMatch(/Note: the connector answers alias queries, but test declares no alias prefix/);
  });

  it('check-config and run compare the registration with the config and say which to change', async () => {
    const config = join(dir, 'config.yaml');
    await cli('generate-registration', '-c', config);
    writeConfig('test: { prefix: _other_ }\n');
    lines = [];
    await expect(cli('check-config', '-c', config)).resolves.toBe(2);
    expect(text()).toMatch(/namespaces\.users: \(@_t_\.\*:example\\\.org\) does not contain the bridge's ghosts .* \(test\.prefix is "_other_" in the config\): change test\.prefix/);
    writeFileSync(config, 'homeserver: { url: "http://127.0.0.1:9", domain: example.com }\n');
    lines = [];
    // `run` stops at the same check, before anything is opened.
    await expect(cli('run', '-c', config)).resolves.toBe(2);
    expect(text()).toMatch(/homeserver\.domain: is "example\.com", but the registration's users namespace .* is for "example\.org"/);
    expect(existsSync(join(dir, 'bridgekit.db'))).toBe(false);
  });

  it('says what to do for a missing config and an unknown option', async () => {
    await expect(cli('run', '-c', join(dir, 'nope.yaml'))).resolves.toBe(2);
    expect(text()).toMatch(/cannot be read \(the file does not exist\)/);
    lines = [];
    await expect(cli('run', '--frobnicate')).resolves.toBe(2);
    expect(text()).toMatch(/Unknown option '--frobnicate'[\s\S]*Usage: node bridges\/test\/dist\/main\.js <command>/);
  });
});

describe('the bridgekit command of the core package', () => {
  it('says which command to run instead, with a usage exit code, instead of exiting 0 silently', () => {
    const stdout: string[] = [];
    const stderr: string[] = [];
    expect(bridgekitBin(['generate-registration'], (t) => stdout.push(t), (t) => stderr.push(t))).toBe(2);
    expect(stdout).toEqual([]);
    expect(stderr.join('')).toMatch(/runs no bridge by itself[\s\S]*bridgekit-irc <command> --config config\.yaml[\s\S]*node bridges\/irc\/dist\/main\.js/);
    expect(bridgekitBin([], () => undefined, (t) => stderr.push(t))).toBe(2);
    expect(bridgekitBin(['--help'], (t) => stdout.push(t), () => undefined)).toBe(0);
    expect(stdout).toEqual([`${BRIDGEKIT_GUIDE}\n`]);
    const version: string[] = [];
    expect(bridgekitBin(['--version'], (t) => version.push(t), () => undefined)).toBe(0);
    expect(version).toEqual([`@bridgekit/appservice ${CORE_VERSION}\n`]);
  });

  it('is the file the package.json bin points at', () => {
    const manifest = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { bin: Record<string, string> };
    expect(manifest.bin).toEqual({ bridgekit: 'dist/cli/bin.js' });
    expect(existsSync(join(__dirname, 'cli', 'bin.ts'))).toBe(true);
  });
});
