/**
 * Which processes a run started, kept outside the run directory (in .e2e/runs/<jest pid>.json) so
 * the next run can stop what a crashed run left behind. A record is stale only when the jest
 * process that wrote it is gone, so two concurrent runs on one machine leave each other alone;
 * a PID is only signalled when its command line still names the stale run directory, so a
 * recycled PID is never hit.
 */
import { appendFileSync, cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LAST_RUN_DIR, RUN_RECORDS_DIR } from './paths';
import { commandLineOf, isAlive, stopPid } from './processes';

export interface RecordedProcess {
  name: string;
  pid: number;
}

export interface RunRecord {
  /** The jest process that owns the run. */
  ownerPid: number;
  runDir: string;
  processes: RecordedProcess[];
}

const BRIDGE_PIDS_FILE = 'bridge-pids.txt';

function recordPath(ownerPid: number): string {
  return join(RUN_RECORDS_DIR, `${ownerPid}.json`);
}

export function saveRunRecord(record: RunRecord): void {
  mkdirSync(RUN_RECORDS_DIR, { recursive: true });
  writeFileSync(recordPath(record.ownerPid), JSON.stringify(record, null, 2));
}

export function removeRunRecord(ownerPid: number): void {
  rmSync(recordPath(ownerPid), { force: true });
}

/** Bridges are started inside test workers; they note their PID here so teardown can reap them. */
export function recordBridgePid(runDir: string, pid: number): void {
  appendFileSync(join(runDir, BRIDGE_PIDS_FILE), `${pid}\n`);
}

function bridgePids(runDir: string): RecordedProcess[] {
  const path = join(runDir, BRIDGE_PIDS_FILE);
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => ({ name: 'bridge', pid: Number(line) }));
}

export interface StopOptions {
  graceMs: number;
  /** For another run's record: only signal PIDs whose command line still names its run directory. */
  checkCommandLine: boolean;
}

/**
 * Stops every recorded process of a run that is still alive (bridges first: they talk to the
 * servers). Returns the names of the processes that ignored SIGTERM and had to be killed.
 */
export async function stopRunProcesses(record: RunRecord, options: StopOptions): Promise<string[]> {
  const all = [...bridgePids(record.runDir), ...record.processes];
  const ours = all.filter(
    ({ pid }) => isAlive(pid) && (!options.checkCommandLine || (commandLineOf(pid) ?? '').includes(record.runDir)),
  );
  const graceMs = options.graceMs;
  const killed = await Promise.all(ours.map(async ({ name, pid }) => ((await stopPid(pid, graceMs)) ? name : undefined)));
  return killed.filter((name): name is string => name !== undefined);
}

/** The owner is a live node process (a recycled PID running something else does not count). */
function ownerStillRuns(pid: number): boolean {
  return isAlive(pid) && /node/.test(commandLineOf(pid) ?? '');
}

/** Stops the processes of runs whose jest process died without a teardown, and deletes their files. */
export async function cleanUpStaleRuns(): Promise<RunRecord[]> {
  if (!existsSync(RUN_RECORDS_DIR)) return [];
  const stale: RunRecord[] = [];
  for (const file of readdirSync(RUN_RECORDS_DIR).filter((f) => f.endsWith('.json'))) {
    const path = join(RUN_RECORDS_DIR, file);
    let record: RunRecord;
    try {
      record = JSON.parse(readFileSync(path, 'utf8')) as RunRecord;
    } catch {
      rmSync(path, { force: true }); // half-written by a run killed mid-write; nothing to act on
      continue;
    }
    if (record.ownerPid !== process.pid && ownerStillRuns(record.ownerPid)) continue;
    await stopRunProcesses(record, { graceMs: 5_000, checkCommandLine: true });
    rmSync(record.runDir, { recursive: true, force: true });
    rmSync(path, { force: true });
    stale.push(record);
  }
  return stale;
}

/**
 * Ends a run: stops its processes, keeps its logs in .e2e/last-run (global teardown is not told
 * whether tests failed, so they are always kept, overwriting the previous run's), deletes the run
 * directory (database, media, secrets) and the record.
 */
export async function endRun(record: RunRecord, logDir: string): Promise<string[]> {
  const killed = await stopRunProcesses(record, { graceMs: 10_000, checkCommandLine: false });
  rmSync(LAST_RUN_DIR, { recursive: true, force: true });
  if (existsSync(logDir)) cpSync(logDir, LAST_RUN_DIR, { recursive: true });
  rmSync(record.runDir, { recursive: true, force: true });
  removeRunRecord(record.ownerPid);
  return killed;
}

export function readRunRecord(ownerPid: number): RunRecord | undefined {
  const path = recordPath(ownerPid);
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as RunRecord) : undefined;
}

/** The record of the run using `runDir`, whichever process owns it (workers have PIDs of their own). */
export function findRunRecord(runDir: string): RunRecord | undefined {
  if (!existsSync(RUN_RECORDS_DIR)) return undefined;
  for (const file of readdirSync(RUN_RECORDS_DIR).filter((f) => f.endsWith('.json'))) {
    try {
      const record = JSON.parse(readFileSync(join(RUN_RECORDS_DIR, file), 'utf8')) as RunRecord;
      if (record.runDir === runDir) return record;
    } catch {
      // another run's record being written; not ours
    }
  }
  return undefined;
}

/**
 * Records that the process called `name` now has PID `pid` (a server a scenario restarted), so
 * teardown and stale-run cleanup stop the new process, not the dead one.
 */
export function replaceRecordedPid(runDir: string, name: string, pid: number): void {
  const record = findRunRecord(runDir);
  if (!record) throw new Error(`no run record for ${runDir}: was this run started by the e2e global setup?`);
  record.processes = [...record.processes.filter((p) => p.name !== name), { name, pid }];
  saveRunRecord(record);
}

/** The PID recorded for `name` in the run using `runDir`. */
export function recordedPid(runDir: string, name: string): number {
  const pid = findRunRecord(runDir)?.processes.find((p) => p.name === name)?.pid;
  if (pid === undefined) throw new Error(`no ${name} recorded for the run in ${runDir}`);
  return pid;
}
