/**
 * The second InspIRCd of the netsplit scenario: global setup writes its config (linked behind
 * the tier's InspIRCd, retrying the link every second); a scenario starts it here, splits it off
 * with SQUIT and watches it come back. Started only where needed: every other scenario runs on
 * one server, and a second one costs each run nothing unless asked for.
 */
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { readE2eEnv } from './env';
import type { IrcTestClient } from './irc-client';
import { exitWatcher, spawnLogged, stopPid, whenSpawned } from './processes';
import { recordBridgePid } from './run-record';
import { programPath } from './services-network';
import { pollUntil } from './wait';

export interface LeafServer {
  name: string;
  port: number;
  /** Stops the server (SIGTERM, then SIGKILL). */
  stop(): Promise<void>;
}

/** Starts the leaf and resolves once `observer` (a client of the hub) sees it in LINKS. */
export async function startLeafServer(observer: IrcTestClient, timeoutMs = 20_000): Promise<LeafServer> {
  const env = readE2eEnv();
  const { leaf } = env.ircv3;
  const logPath = join(env.logDir, 'inspircd-leaf.out.log');
  // As for the hub (services-network.ts): no core dump when InspIRCd 3 crashes on exit.
  const child: ChildProcess = spawnLogged(programPath('prlimit', 'util-linux'), ['--core=0:0', programPath('inspircd', 'inspircd'), '--nofork', '--runasroot', `--config=${leaf.configPath}`], { cwd: env.runDir, logPath });
  const pid = await whenSpawned(child, 'inspircd (leaf)');
  // Reaped by the tier's teardown with the bridges if the scenario does not get to stop it.
  recordBridgePid(env.runDir, pid);
  const exited = exitWatcher(child, 'inspircd (leaf)', logPath);
  const server: LeafServer = { name: leaf.name, port: leaf.port, stop: async () => void await stopPid(pid) };
  try {
    await waitForLink(observer, leaf.name, true, timeoutMs, exited);
  } catch (error) {
    await server.stop();
    throw error;
  }
  return server;
}

/** Resolves once `observer`'s server lists `server` among its links (or no longer does, for `linked` false). */
export async function waitForLink(observer: IrcTestClient, server: string, linked: boolean, timeoutMs = 20_000, abortIf?: () => Error | undefined): Promise<void> {
  await pollUntil(async () => {
    const since = observer.rawLines.length;
    observer.sendRaw('LINKS');
    await observer.waitForRawLine((l) => / 365 /.test(l), 5_000, since);
    const listed = observer.rawLines.slice(since).some((l) => / 364 /.test(l) && l.includes(` ${server} `));
    return listed === linked ? true : undefined;
  }, { what: `${server} to be ${linked ? 'linked' : 'split off'}`, timeoutMs, intervalMs: 250, ...(abortIf ? { abortIf } : {}) });
}
