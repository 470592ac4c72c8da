/**
 * What the stack runs with: fixed names (server `localhost`, IRC network `local`, channel
 * `#bridgekit`) and the few things a person may need to change, read from the environment.
 */
import { isAbsolute, join, resolve } from 'node:path';
import { REPO_ROOT } from '../test/e2e/harness/paths';
import { StackError } from './errors';

export const SERVER_NAME = 'localhost';
export const NETWORK_ID = 'local';
export const CHANNEL = '#bridgekit';
/**
 * The bridge config's `irc.alias_template`. The bridge's default is now `#_irc_$NETWORK_$CHANNEL`;
 * the stack keeps the older form because a stack made before keeps its registration (and its
 * alias namespace) in the data folder.
 */
export const ALIAS_TEMPLATE = '#irc_$NETWORK_$CHANNEL';
export const PORTAL_ALIAS = `${ALIAS_TEMPLATE.replace('$NETWORK', NETWORK_ID).replace('$CHANNEL', CHANNEL)}:${SERVER_NAME}`;
/** The Matrix account the stack creates for you (password generated once, kept in the data folder). */
export const TEST_ACCOUNT = 'demo';
export const IRC_SERVER_NAME = 'irc.localhost';
/** The bridge bot's IRC nick (`irc.networks.local.bot.nick`). */
export const BOT_NICK = 'MatrixBridge';

export interface PortSetting {
  /** What listens there, for messages: "Synapse", "the IRC server", "the bridge". */
  owner: string;
  port: number;
  /** The environment variable that changes it. */
  envVar: string;
}

export interface StackSettings {
  repoRoot: string;
  /** Everything the stack keeps between runs: databases, configs, secrets, logs. */
  dataDir: string;
  logDir: string;
  synapsePort: PortSetting;
  ircPort: PortSetting;
  bridgePort: PortSetting;
  /** The bridge program's CLI (a script run with node). */
  bridgeScript: string;
  /** The room alias the test account joins, which makes the bridge open the portal. */
  portalAlias: string;
}

function port(env: NodeJS.ProcessEnv, envVar: string, fallback: number, owner: string): PortSetting {
  const raw = env[envVar];
  if (raw === undefined || raw === '') return { owner, port: fallback, envVar };
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > 65535) {
    throw new StackError(`${envVar}=${raw} is not a port number.`, `Set ${envVar} to a number from 1 to 65535 (above 1023 unless you are root), or unset it to use ${fallback}.`);
  }
  return { owner, port: value, envVar };
}

function path(env: NodeJS.ProcessEnv, envVar: string, fallback: string): string {
  const raw = env[envVar];
  if (raw === undefined || raw === '') return join(REPO_ROOT, fallback);
  return isAbsolute(raw) ? raw : resolve(raw);
}

export function readSettings(env: NodeJS.ProcessEnv = process.env): StackSettings {
  const dataDir = path(env, 'STACK_DIR', '.stack');
  const settings: StackSettings = {
    repoRoot: REPO_ROOT,
    dataDir,
    logDir: join(dataDir, 'logs'),
    synapsePort: port(env, 'STACK_SYNAPSE_PORT', 8008, 'Synapse'),
    ircPort: port(env, 'STACK_IRC_PORT', 6667, 'the IRC server'),
    bridgePort: port(env, 'STACK_BRIDGE_PORT', 8090, 'the bridge'),
    bridgeScript: path(env, 'STACK_BRIDGE_SCRIPT', 'bridges/irc/dist/main.js'),
    portalAlias: env.STACK_PORTAL_ALIAS || PORTAL_ALIAS,
  };
  if (!new RegExp(`^#[^:]+:${SERVER_NAME}$`).test(settings.portalAlias)) {
    throw new StackError(`STACK_PORTAL_ALIAS=${settings.portalAlias} is not a room alias on this homeserver.`, `Write it like ${PORTAL_ALIAS}.`);
  }
  const ports = [settings.synapsePort, settings.ircPort, settings.bridgePort];
  for (const [i, a] of ports.entries()) {
    const b = ports.slice(i + 1).find((other) => other.port === a.port);
    if (b) throw new StackError(`${a.envVar} and ${b.envVar} are both ${a.port}.`, `Give ${a.owner} and ${b.owner} different ports.`);
  }
  return settings;
}
