/**
 * What the stack keeps in its data folder besides the servers' own data: the secrets that must
 * survive a restart (Synapse's keys, the test account's password) and a record of the processes
 * it runs, so a second `npm run stack` can tell "already running" from "left over after a crash".
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { commandLineOf, isAlive, stopPid } from '../test/e2e/harness/processes';
import { StackError } from './errors';

export interface StackSecrets {
  registrationSharedSecret: string;
  macaroonSecretKey: string;
  formSecret: string;
  account: { localpart: string; password: string; accessToken?: string };
}

const SECRETS_FILE = 'secrets.json';
const RUNNING_FILE = 'running.json';

function secret(): string {
  return randomBytes(24).toString('hex');
}

/** Reads the secrets, creating them (and the data folder) on the first start. */
export function loadSecrets(dataDir: string, accountLocalpart: string): StackSecrets {
  const path = join(dataDir, SECRETS_FILE);
  if (existsSync(path)) return JSON.parse(readFileSync(path, 'utf8')) as StackSecrets;
  mkdirSync(dataDir, { recursive: true });
  const secrets: StackSecrets = {
    registrationSharedSecret: secret(),
    macaroonSecretKey: secret(),
    formSecret: secret(),
    // Short enough to type into a client, random enough for a loopback-only server.
    account: { localpart: accountLocalpart, password: randomBytes(9).toString('base64url') },
  };
  saveSecrets(dataDir, secrets);
  return secrets;
}

export function saveSecrets(dataDir: string, secrets: StackSecrets): void {
  writeFileSync(join(dataDir, SECRETS_FILE), `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
}

export interface RunningProcess {
  name: string;
  pid: number;
  logPath: string;
}

export interface RunningRecord {
  /** The `node stack/start.js` process that started (and will stop) the others. */
  launcherPid: number;
  processes: RunningProcess[];
}

export function readRunningRecord(dataDir: string): RunningRecord | undefined {
  const path = join(dataDir, RUNNING_FILE);
  if (!existsSync(path)) return undefined;
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as RunningRecord;
  } catch {
    return undefined; // cut short by a crash mid-write: nothing reliable to act on
  }
}

export function writeRunningRecord(dataDir: string, record: RunningRecord): void {
  writeFileSync(join(dataDir, RUNNING_FILE), `${JSON.stringify(record, null, 2)}\n`);
}

export function removeRunningRecord(dataDir: string): void {
  rmSync(join(dataDir, RUNNING_FILE), { force: true });
}

/**
 * Refuses to start next to a running stack on the same folder, and stops what a stack that was
 * killed (kill -9, a closed terminal) left running. A PID is only signalled while its command line
 * still names the data folder, so a recycled PID is never hit. Returns the names it stopped.
 */
export async function clearLeftovers(dataDir: string): Promise<string[]> {
  const record = readRunningRecord(dataDir);
  if (!record) return [];
  if (record.launcherPid !== process.pid && isAlive(record.launcherPid) && /stack[\\/](start|dist)/.test(commandLineOf(record.launcherPid) ?? '')) {
    throw new StackError(
      `A stack is already running from ${dataDir} (process ${record.launcherPid}).`,
      `Use that one, or stop it first (Ctrl-C in its terminal, or \`kill ${record.launcherPid}\`). To run a second stack, set STACK_DIR and other ports.`,
    );
  }
  const stopped: string[] = [];
  for (const { name, pid } of [...record.processes].reverse()) {
    if (!isAlive(pid) || !(commandLineOf(pid) ?? '').includes(dataDir)) continue;
    await stopPid(pid, 10_000);
    stopped.push(`${name} (pid ${pid})`);
  }
  removeRunningRecord(dataDir);
  return stopped;
}
