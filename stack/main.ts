/**
 * `npm run stack`: a local Synapse, a local IRC server and the IRC bridge between them, in one
 * command, for trying Bridgekit before writing any config. Started by stack/start.js after the
 * build. Environment (defaults in settings.ts):
 *   STACK_DIR            data folder (.stack): databases, configs, secrets, logs
 *   STACK_SYNAPSE_PORT   8008      STACK_IRC_PORT  6667      STACK_BRIDGE_PORT  8090
 *   STACK_BRIDGE_SCRIPT, STACK_PORTAL_ALIAS   run another Bridgekit bridge in the same stack
 * (the README lists them all, with E2E_PYTHON for the first start's Synapse install).
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ensureTestAccount, joinPortal, type TestAccount } from './account';
import { readyBanner } from './banner';
import { STACK_LOG_LIMITS, rotateLog } from './capped-log';
import { assertBridgeBuilt, ensureRegistration, startBridge, writeBridgeConfig } from './bridge';
import { StackError, logTail, messageOf, shown } from './errors';
import { isInstalled, runInstaller } from './install';
import { waitForChannelMember } from './irc-probe';
import { assertPortsFree } from './port-check';
import { Progress } from './progress';
import { startHomeserver, startIrcServer } from './servers';
import { BOT_NICK, CHANNEL, SERVER_NAME, TEST_ACCOUNT, readSettings, type StackSettings } from './settings';
import { clearLeftovers, loadSecrets } from './state';
import { Supervisor, type UnexpectedExit } from './supervisor';

const LOGS = ['ngircd.log', 'synapse.log', 'bridge.log'];

/** Each start writes fresh files; earlier runs' logs stay as `<name>.1`, `<name>.2`, … (capped-log.ts). */
function rotateLogs(logDir: string): void {
  mkdirSync(logDir, { recursive: true });
  for (const name of LOGS) rotateLog(join(logDir, name), STACK_LOG_LIMITS.keep);
}

function indent(text: string, prefix: string): string {
  return text
    .split('\n')
    .map((line) => `${prefix}${line}`)
    .join('\n');
}

function report(err: unknown): void {
  const lines = [`\nError: ${messageOf(err)}`];
  if (err instanceof StackError) {
    if (err.hint) lines.push(`  What to do: ${err.hint}`);
    if (err.details) lines.push(`  ${err.details.title}:`, indent(err.details.text, '    | '));
  } else if (err instanceof Error && err.stack) {
    lines.push(indent(err.stack.split('\n').slice(1).join('\n'), '  '));
  }
  process.stderr.write(`${lines.join('\n')}\n`);
}

interface Started {
  account: TestAccount;
  /** The bridge bot's Matrix ID, from the registration. */
  botUserId: string;
}

async function startUp(settings: StackSettings, progress: Progress, supervisor: Supervisor): Promise<Started> {
  assertBridgeBuilt(settings);
  if (isInstalled()) progress.line('Synapse and ngIRCd are installed.');
  else await progress.step('Installing Synapse and ngIRCd (first run only, usually under a minute)', runInstaller, 'installed');

  const leftovers = await clearLeftovers(settings.dataDir);
  if (leftovers.length > 0) progress.line(`Stopped what an earlier stack left running: ${leftovers.join(', ')}.`);
  await assertPortsFree([settings.synapsePort, settings.ircPort, settings.bridgePort]);

  const firstStart = !existsSync(join(settings.dataDir, 'synapse', 'homeserver.db'));
  const secrets = loadSecrets(settings.dataDir, TEST_ACCOUNT);
  rotateLogs(settings.logDir);

  const paths = writeBridgeConfig(settings);
  const { registration } = await progress.step('Writing the bridge config and registration', () => ensureRegistration(settings, paths), (r) =>
    r.created ? 'registration generated' : 'registration reused',
  );

  await progress.step('Starting ngIRCd', () => startIrcServer(settings, (child) => supervisor.adopt('ngIRCd', child, join(settings.logDir, 'ngircd.log'))), 'ready');
  const homeserverUrl = `http://127.0.0.1:${settings.synapsePort.port}`;
  await progress.step(
    firstStart ? 'Starting Synapse (first start: creating its database, up to a minute)' : 'Starting Synapse',
    () => startHomeserver(settings, secrets, paths.registration, (child) => supervisor.adopt('Synapse', child, join(settings.logDir, 'synapse.log'))),
    'ready',
  );
  await progress.step('Starting the bridge', () => startBridge(settings, paths, registration, (child) => supervisor.adopt('the bridge', child, paths.log)), 'ready');

  const { account } = await progress.step(`Setting up the Matrix account "${TEST_ACCOUNT}"`, () => ensureTestAccount(homeserverUrl, settings.dataDir, secrets), (r) =>
    r.created ? 'created' : 'reused',
  );
  await progress.step(`Joining ${settings.portalAlias}`, async () => {
    try {
      return await joinPortal(homeserverUrl, account.accessToken, settings.portalAlias);
    } catch (err) {
      throw new StackError(`The bridge did not open the portal room: ${messageOf(err)}`, 'The bridge log below says why.', logTail(paths.log));
    }
  }, 'joined');
  await progress.step(`Waiting for the bridge bot (${BOT_NICK}) in ${CHANNEL}`, async () => {
    try {
      await waitForChannelMember('127.0.0.1', settings.ircPort.port, CHANNEL, BOT_NICK, 30_000);
    } catch (err) {
      throw new StackError(`The bridge's bot did not join ${CHANNEL}: ${messageOf(err)}`, 'The bridge log below says why.', logTail(paths.log));
    }
  }, 'joined');
  return { account, botUserId: `@${registration.senderLocalpart}:${SERVER_NAME}` };
}

export async function main(): Promise<number> {
  const progress = new Progress((text) => process.stdout.write(text));
  let settings: StackSettings;
  try {
    settings = readSettings();
  } catch (err) {
    report(err);
    return 2;
  }
  const dataDir = settings.dataDir;

  let resolveFinished: (code: number) => void = () => undefined;
  const finished = new Promise<number>((resolve) => (resolveFinished = resolve));
  let shuttingDown = false;
  /** Stops what runs; a failure is reported last, so it is what stays on screen. */
  const shutdown = (code: number, failure?: unknown): void => {
    if (shuttingDown) return;
    shuttingDown = true;
    supervisor.stopAll(progress).then(
      () => {
        if (failure === undefined) progress.line(`Stopped. Data kept in ${shown(dataDir)}/; \`npm run stack\` starts again where you left off.`);
        else report(failure);
        resolveFinished(code);
      },
      (err: unknown) => {
        report(failure ?? err);
        resolveFinished(1);
      },
    );
  };
  const supervisor = new Supervisor(dataDir, (exit: UnexpectedExit) => {
    const how = exit.signal ? `signal ${exit.signal}` : `exit code ${exit.code}`;
    shutdown(1, new StackError(`${exit.name} stopped unexpectedly (${how}), so the stack stopped the rest.`, `Its log is ${shown(exit.logPath)}.`, logTail(exit.logPath, exit.logTail)));
  });

  let firstSignalAt = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (firstSignalAt === 0) {
      firstSignalAt = Date.now();
      progress.interrupt(`${signal === 'SIGINT' ? 'Ctrl-C' : signal}, stopping`);
      shutdown(0);
    } else if (Date.now() - firstSignalAt > 2_000) {
      // A second Ctrl-C well after the first (npm forwards the first one again at once): force it.
      progress.line('Killing everything now.');
      supervisor.killAll();
      resolveFinished(1);
    }
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, onSignal);
  // After SIGHUP (terminal closed) writes fail with EIO/EPIPE; stopping the servers still matters.
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);

  try {
    const started = await startUp(settings, progress, supervisor);
    if (!shuttingDown) {
      supervisor.watch();
      process.stdout.write(readyBanner(settings, started.account, started.botUserId, process.uptime() * 1000));
    }
  } catch (err) {
    // After an interruption the abandoned step's error is only noise.
    if (!shuttingDown) shutdown(1, err);
  }
  return finished;
}
