/**
 * The harness's way of running a bridge (a CLI child process with a written config, ready once
 * Synapse's appservice ping succeeds), exercised with a stand-in script until the real bridge
 * exists. Bridge scenarios call the same startBridge with the default command.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { writeBridgeConfig } from './harness/bridge-config';
import { startBridge } from './harness/bridge-process';
import { readE2eEnv } from './harness/env';
import { isAlive } from './harness/processes';

const STAND_IN = ['test/e2e/fixtures/stand-in-bridge.js', 'run'];

describe('bridge process harness', () => {
  it('writes a config pointing the bridge at this run, with overrides merged in', () => {
    const env = readE2eEnv();
    const { configPath } = writeBridgeConfig(env, { logging: { level: 'info' }, irc: { networks: { e2e: { tls: false, name: 'Renamed' } } } });
    const document = load(readFileSync(configPath, 'utf8')) as Record<string, Record<string, unknown>>;
    expect(document.homeserver).toEqual({ url: env.homeserver.url, domain: 'e2e.test' });
    expect(document.appservice).toMatchObject({ registration: env.appservice.registrationPath, port: env.appservice.port });
    expect(document.logging).toEqual({ level: 'info', format: 'text' });
    expect(document.irc).toMatchObject({ networks: { e2e: { name: 'Renamed', host: env.irc.host, port: env.irc.port } } });
  });

  it('starts a bridge CLI with that config, waits for a successful ping, and stops it', async () => {
    const env = readE2eEnv();
    const { configPath, dir } = writeBridgeConfig(env);
    const bridge = await startBridge({ configPath, command: STAND_IN });
    expect(isAlive(bridge.pid)).toBe(true);
    expect((await bridge.ping()).durationMs).toBeGreaterThanOrEqual(0);

    await expect(bridge.stop()).resolves.toEqual({ code: 0, signal: null });
    expect(isAlive(bridge.pid)).toBe(false);
    const log = readFileSync(bridge.logPath, 'utf8');
    expect(log).toContain('POST /_matrix/app/v1/ping authorized=true');
    expect(log).toContain('SIGTERM');
    expect(bridge.logPath.startsWith(env.logDir)).toBe(true);
    expect(dir.startsWith(join(env.runDir, 'bridges'))).toBe(true);
  });

  it('fails fast with the log tail when the bridge exits during startup', async () => {
    const env = readE2eEnv();
    const { configPath } = writeBridgeConfig(env);
    // The stand-in refuses any subcommand but `run`, like a CLI given a wrong one.
    await expect(startBridge({ configPath, command: ['test/e2e/fixtures/stand-in-bridge.js', 'walk'] })).rejects.toThrow(
      /the bridge exited during startup \(exit code 2\)[\s\S]*usage: stand-in-bridge\.js/,
    );
  });
});
