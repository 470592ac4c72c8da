/**
 * Outages on purpose: stop the run's IRC server or homeserver in the middle of a scenario and
 * start it again on the same port with the same data, as an admin's restart would. The new PID
 * replaces the old one in the run record, so teardown stops the right process.
 *
 * The servers are shared by the whole run: this is only safe because the e2e tier runs its
 * files one at a time (--runInBand), which it must anyway (one appservice port, one bridge).
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { readE2eEnv } from './env';
import { startNgircd } from './ngircd';
import { stopPid } from './processes';
import { recordedPid, replaceRecordedPid } from './run-record';
import { startSynapse } from './synapse';

const IRC_SERVER = 'ngircd';
const HOMESERVER = 'synapse';

async function stopRecorded(name: string): Promise<void> {
  const env = readE2eEnv();
  const killed = await stopPid(recordedPid(env.runDir, name), 10_000);
  if (killed) process.stderr.write(`e2e: ${name} ignored SIGTERM for 10 s and was killed\n`);
}

async function startIrcServer(): Promise<void> {
  const env = readE2eEnv();
  const irc = await startNgircd({ runDir: env.runDir, logDir: env.logDir, port: env.irc.port });
  replaceRecordedPid(env.runDir, IRC_SERVER, irc.pid);
}

async function startHomeserver(): Promise<void> {
  const env = readE2eEnv();
  const port = Number(new URL(env.homeserver.url).port);
  const synapse = await startSynapse({ configPath: join(env.runDir, 'homeserver.yaml'), runDir: env.runDir, logDir: env.logDir, port });
  replaceRecordedPid(env.runDir, HOMESERVER, synapse.pid);
}

/**
 * Stops the IRC server (every connection drops, as in a crash or restart of the IRCd), runs
 * `whileDown`, then starts it again on the same port, even when `whileDown` throws.
 */
export async function restartIrcServer(whileDown: () => Promise<void> = async () => undefined): Promise<void> {
  await stopRecorded(IRC_SERVER);
  try {
    await whileDown();
  } finally {
    await startIrcServer();
  }
}

/**
 * Stops Synapse (SIGTERM), runs `whileDown`, then starts it again on the same port and database,
 * resolving once /health answers; it is restarted even when `whileDown` throws.
 */
export async function restartHomeserver(whileDown: () => Promise<void> = async () => undefined): Promise<void> {
  await stopRecorded(HOMESERVER);
  try {
    await whileDown();
  } finally {
    await startHomeserver();
  }
}

/**
 * Waits until Synapse holds no appservice transaction it has not seen acknowledged. Synapse on
 * SQLite numbers the next transaction from the highest one still stored, and deletes each once
 * the bridge answered it: so a restart with none left counts from 1 again, while a restart with
 * one still in flight goes on from it. A test of the reset waits here first to be deterministic.
 */
export async function untilHomeserverTransactionsAcknowledged(timeoutMs = 30_000): Promise<void> {
  const env = readE2eEnv();
  const db = new Database(join(env.runDir, 'homeserver.db'), { readonly: true, fileMustExist: true });
  try {
    db.pragma('busy_timeout = 2000');
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { pending } = db.prepare('SELECT count(*) AS pending FROM application_services_txns').get() as { pending: number };
      if (pending === 0) return;
      if (Date.now() > deadline) throw new Error(`Synapse still holds ${pending} unacknowledged appservice transaction(s) after ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    db.close();
  }
}
