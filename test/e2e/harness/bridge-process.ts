/**
 * Runs the bridge the way a user does — its CLI with a config file — as a child process of the
 * test, on the port the run's registration points at. Ready means: the appservice port answers
 * HTTP and Synapse's appservice ping round-trips (which also makes Synapse retry an appservice it
 * had marked down after an earlier bridge stopped).
 */
import type { ChildProcess } from 'node:child_process';
import { basename, dirname, join } from 'node:path';
import { readE2eEnv } from './env';
import { appservicePing } from './matrix-client';
import { REPO_ROOT } from './paths';
import { recordBridgePid } from './run-record';
import { exitWatcher, spawnLogged, tailFile, whenSpawned } from './processes';
import { pollUntil } from './wait';

/** The bridge's CLI entry (build output, relative to the repo root) and subcommand. */
export const BRIDGE_COMMAND: readonly string[] = ['bridges/irc/dist/main.js', 'run'];

export interface StartBridgeOptions {
  configPath: string;
  /** Script and arguments before `--config`, relative to the repo root; defaults to BRIDGE_COMMAND. */
  command?: readonly string[];
  /** Working directory; defaults to the config file's directory. */
  cwd?: string;
  /** Extra environment variables for the bridge. */
  env?: NodeJS.ProcessEnv;
  readyTimeoutMs?: number;
  /** Skip waiting for Synapse's ping to round-trip (a scenario whose bridge is meant to refuse it). */
  skipPingCheck?: boolean;
  /**
   * The appservice as the bridge's registration and homeserver know it; default: this run's
   * (one Synapse, one registration). A scenario with a homeserver of its own passes its own.
   */
  appservice?: { id: string; asToken: string; hsToken: string; port: number; homeserverUrl: string };
}

export interface RunningBridge {
  readonly pid: number;
  readonly logPath: string;
  /** The last lines of the bridge's log, for assertion messages. */
  logTail(lines?: number): string;
  /** Calls the appservice ping again (after provoking a failure, for instance). */
  ping(): Promise<{ durationMs: number }>;
  /** SIGTERM, then SIGKILL after `timeoutMs`; resolves with how it exited. */
  stop(timeoutMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Any HTTP answer counts: we only learn that the bridge's listener is up. */
async function appservicePortAnswers(port: number, hsToken: string): Promise<true | undefined> {
  try {
    await fetch(`http://127.0.0.1:${port}/_matrix/app/v1/users/${encodeURIComponent('@e2e-readiness-probe:e2e.test')}`, {
      headers: { Authorization: `Bearer ${hsToken}` },
      signal: AbortSignal.timeout(2_000),
    });
    return true;
  } catch {
    return undefined;
  }
}

function whenExited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  }
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

async function stopChild(child: ChildProcess, timeoutMs: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  const exited = whenExited(child);
  child.kill('SIGTERM');
  const timer = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), timeoutMs).unref());
  if ((await Promise.race([exited, timer])) === 'timeout') child.kill('SIGKILL');
  return exited;
}

export async function startBridge(options: StartBridgeOptions): Promise<RunningBridge> {
  const env = readE2eEnv();
  const appservice = options.appservice ?? { ...env.appservice, homeserverUrl: env.homeserver.url };
  const logPath = join(env.logDir, `bridge-${basename(dirname(options.configPath))}.log`);
  const [script, ...args] = options.command ?? BRIDGE_COMMAND;
  if (script === undefined) throw new Error('startBridge: empty command');
  const child = spawnLogged(process.execPath, [join(REPO_ROOT, script), ...args, '--config', options.configPath], {
    cwd: options.cwd ?? dirname(options.configPath),
    logPath,
    env: { ...process.env, ...options.env },
  });
  const pid = await whenSpawned(child, 'the bridge');
  recordBridgePid(env.runDir, pid);
  // A worker that dies mid-test must not leave a bridge holding the appservice port.
  const killOnExit = (): void => {
    child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);
  const exited = exitWatcher(child, 'the bridge', logPath);

  const bridge: RunningBridge = {
    pid,
    logPath,
    logTail: (lines = 50) => tailFile(logPath, lines),
    // With a transaction ID: Synapse forwards a missing one as `"transaction_id": null`, which
    // the bridge refuses today (400); ping.e2e.ts covers that case on its own.
    ping: () => appservicePing(appservice.id, appservice.asToken, `e2e-ready-${Date.now()}`, appservice.homeserverUrl),
    stop: async (timeoutMs = 10_000) => {
      process.off('exit', killOnExit);
      return stopChild(child, timeoutMs);
    },
  };

  try {
    await pollUntil(() => appservicePortAnswers(appservice.port, appservice.hsToken), {
      what: `the bridge to listen on 127.0.0.1:${appservice.port}`,
      timeoutMs: options.readyTimeoutMs ?? 30_000,
      intervalMs: 100,
      abortIf: exited,
      detail: () => tailFile(logPath),
    });
    // Synapse keeps HTTP connections to the appservice alive; after a previous bridge on this
    // port exited, its first request may fail on a dead pooled connection (502
    // M_CONNECTION_FAILED). Retry until the deadline; a wrong token or URL keeps failing.
    let lastPingError: Error | undefined;
    if (!options.skipPingCheck) await pollUntil(
      () => bridge.ping().then(
        () => true as const,
        (err: Error) => {
          lastPingError = err;
          return undefined;
        },
      ),
      {
        what: "Synapse's appservice ping to succeed",
        timeoutMs: 10_000,
        intervalMs: 200,
        abortIf: exited,
        detail: () => `last ping error: ${lastPingError?.message}\nlast lines of ${logPath}:\n${tailFile(logPath)}`,
      },
    );
  } catch (err) {
    await bridge.stop(2_000);
    throw err;
  }
  return bridge;
}
