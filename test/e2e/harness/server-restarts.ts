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
 * Restarts Synapse so that it numbers its appservice transactions from 1 again, as it does
 * whenever it restarts with none stored. Synapse on SQLite numbers the next transaction from the
 * highest one still in `application_services_txns` and deletes each once the bridge answered it.
 * A row can stay there though: one Synapse was stopped before deleting, or one its recovery held
 * back (it resends stored rows only to an appservice it marked down). So this waits up to
 * `settleMs` for the table to empty, and removes what is left while Synapse is down, naming it
 * on stderr: those rows belong to earlier scenarios, and a test's own message among them would
 * fail that test's count, loudly.
 */
export async function restartHomeserverCountingFromOne(settleMs = 10_000): Promise<void> {
  const dbPath = join(readE2eEnv().runDir, 'homeserver.db');
  const stored = (db: Database.Database) => db.prepare('SELECT as_id, txn_id, event_ids FROM application_services_txns').all() as Array<{ as_id: string; txn_id: number; event_ids: string }>;
  const reader = new Database(dbPath, { readonly: true, fileMustExist: true });
  try {
    reader.pragma('busy_timeout = 2000');
    const deadline = Date.now() + settleMs;
    while (stored(reader).length > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
  } finally {
    reader.close();
  }
  await restartHomeserver(async () => {
    const db = new Database(dbPath, { fileMustExist: true });
    try {
      const left = stored(db);
      if (left.length > 0) {
        process.stderr.write(`e2e: removing ${left.length} appservice transaction(s) Synapse kept after ${settleMs} ms: ${left.map((r) => `${r.as_id}#${r.txn_id} ${r.event_ids}`).join('; ')}\n`);
        db.prepare('DELETE FROM application_services_txns').run();
      }
    } finally {
      db.close();
    }
  });
}
