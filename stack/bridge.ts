/**
 * The IRC bridge as the stack runs it: a config written in config.sample.yaml's format, the
 * registration made by the bridge's own `generate-registration`, and `run` as a child process.
 */
import { execFile, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { matrixRequest, encode } from '../test/e2e/harness/matrix-http';
import { exitWatcher, spawnLogged, whenSpawned } from '../test/e2e/harness/processes';
import { writeYaml } from '../test/e2e/harness/synapse';
import { pollUntil } from '../test/e2e/harness/wait';
import { openCappedLog } from './capped-log';
import { StackError, logTail, messageOf, shown, summaryOf } from './errors';
import { ALIAS_TEMPLATE, BOT_NICK, NETWORK_ID, SERVER_NAME, type StackSettings } from './settings';

export interface BridgePaths {
  dir: string;
  config: string;
  registration: string;
  log: string;
}

export function bridgePaths(settings: StackSettings): BridgePaths {
  const dir = join(settings.dataDir, 'bridge');
  return { dir, config: join(dir, 'config.yaml'), registration: join(dir, 'registration.yaml'), log: join(settings.logDir, 'bridge.log') };
}

/**
 * The bridge config: everything not set here keeps the default documented in config.sample.yaml.
 * Rewritten on every start from the current ports (edit a copy to experiment).
 */
export function bridgeConfig(settings: StackSettings): Record<string, unknown> {
  return {
    homeserver: { url: `http://127.0.0.1:${settings.synapsePort.port}`, domain: SERVER_NAME },
    appservice: { registration: 'registration.yaml', bind_address: '127.0.0.1', port: settings.bridgePort.port },
    database: { path: 'bridge.db' },
    logging: { level: 'info', format: 'text' },
    irc: {
      // The stack prints the alias this makes (settings.ts PORTAL_ALIAS); spelled out, not defaulted.
      alias_template: ALIAS_TEMPLATE,
      // Every account on this loopback-only homeserver may use the bridge, admin commands included.
      permissions: { [SERVER_NAME]: 'admin' },
      // Links to the homeserver's own download path, which the stack's Synapse serves unauthenticated.
      media: { mode: 'direct' },
      networks: {
        [NETWORK_ID]: {
          name: 'Local IRC',
          host: '127.0.0.1',
          port: settings.ircPort.port,
          tls: false,
          // Named here because the stack waits for this nick in the channel before it says "ready".
          bot: { nick: BOT_NICK },
          // Joining #irc_local_#<channel>:localhost opens a portal to that channel.
          dynamic_portals: true,
          // Everyone in the channel shows in the room from the start, not only once they speak
          // (the default, lazy, is for large networks): a first look should show who is there.
          membership_sync: 'all',
        },
      },
    },
  };
}

export function writeBridgeConfig(settings: StackSettings): BridgePaths {
  const paths = bridgePaths(settings);
  mkdirSync(paths.dir, { recursive: true });
  writeYaml(paths.config, bridgeConfig(settings));
  return paths;
}

export interface Registration {
  id: string;
  url: string;
  asToken: string;
  hsToken: string;
  /** The bridge bot's localpart: people DM `@<it>:<domain>` for their admin room. */
  senderLocalpart: string;
}

function readRegistration(path: string): Registration | undefined {
  if (!existsSync(path)) return undefined;
  const doc = load(readFileSync(path, 'utf8')) as Record<string, unknown> | null;
  if (!doc || typeof doc.id !== 'string' || typeof doc.as_token !== 'string' || typeof doc.hs_token !== 'string' || typeof doc.sender_localpart !== 'string') return undefined;
  return { id: doc.id, url: String(doc.url), asToken: doc.as_token, hsToken: doc.hs_token, senderLocalpart: doc.sender_localpart };
}

function runBridgeCli(settings: StackSettings, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [settings.bridgeScript, ...args], { cwd: settings.repoRoot, timeout: 60_000 }, (err, stdout, stderr) => {
      const output = `${stdout}${stderr}`.trim();
      if (err) reject(new StackError(`\`${['node', settings.bridgeScript, ...args].join(' ')}\` failed (${messageOf(err).split('\n')[0]}):\n${output}`));
      else resolve(output);
    });
  });
}

export function assertBridgeBuilt(settings: StackSettings): void {
  if (existsSync(settings.bridgeScript)) return;
  throw new StackError(
    `The bridge program ${settings.bridgeScript} does not exist, although \`npm run build\` succeeded.`,
    'Check STACK_BRIDGE_SCRIPT (unset, it is the IRC bridge built from bridges/irc/src/main.ts).',
  );
}

/**
 * Makes the registration with the bridge's own CLI (fresh tokens) the first time, and again only
 * when the bridge's port changed. Synapse reads it at start, so this runs before Synapse starts.
 */
export async function ensureRegistration(settings: StackSettings, paths: BridgePaths): Promise<{ registration: Registration; created: boolean }> {
  const url = `http://127.0.0.1:${settings.bridgePort.port}`;
  const existing = readRegistration(paths.registration);
  if (existing && existing.url === url) return { registration: existing, created: false };
  await runBridgeCli(settings, ['generate-registration', '--config', paths.config, '--output', paths.registration, '--url', url, ...(existing ? ['--force'] : [])]);
  const made = readRegistration(paths.registration);
  if (!made) throw new StackError(`generate-registration did not write a usable registration to ${paths.registration}.`);
  return { registration: made, created: true };
}

/** Any HTTP answer counts: it shows the bridge's appservice listener is up. */
async function listenerAnswers(port: number, hsToken: string): Promise<true | undefined> {
  try {
    await fetch(`http://127.0.0.1:${port}/_matrix/app/v1/users/${encode(`@stack-readiness-probe:${SERVER_NAME}`)}`, {
      headers: { Authorization: `Bearer ${hsToken}` },
      signal: AbortSignal.timeout(2_000),
    });
    return true;
  } catch {
    return undefined;
  }
}

export interface StartedBridge {
  child: ChildProcess;
  logPath: string;
}

/**
 * Starts `<bridge> run --config …` and resolves once it listens and Synapse's appservice ping
 * (MSC2659) reaches it: that proves the registration, both tokens and the URL, and makes Synapse
 * retry at once an appservice it had marked down during an earlier run.
 */
export async function startBridge(settings: StackSettings, paths: BridgePaths, registration: Registration, onSpawn: (child: ChildProcess) => void): Promise<StartedBridge> {
  const child = spawnLogged(process.execPath, [settings.bridgeScript, 'run', '--config', paths.config], { cwd: paths.dir, logPath: paths.log, detached: true, openLog: openCappedLog });
  await whenSpawned(child, 'the bridge');
  onSpawn(child);
  const exited = exitWatcher(child, 'the bridge', paths.log);
  try {
    await pollUntil(() => listenerAnswers(settings.bridgePort.port, registration.hsToken), {
      what: `the bridge to listen on 127.0.0.1:${settings.bridgePort.port}`,
      timeoutMs: 60_000,
      intervalMs: 100,
      abortIf: exited,
    });
    await matrixRequest(`http://127.0.0.1:${settings.synapsePort.port}`, 'POST', `/_matrix/client/v1/appservice/${encode(registration.id)}/ping`, {
      accessToken: registration.asToken,
      json: { transaction_id: `stack-${Date.now()}` },
    });
  } catch (err) {
    throw new StackError(
      `The bridge did not come up: ${summaryOf(err)}`,
      `Its log below says why; \`node ${shown(settings.bridgeScript)} check-config --config ${shown(paths.config)}\` checks the config alone.`,
      logTail(paths.log),
    );
  }
  return { child, logPath: paths.log };
}
