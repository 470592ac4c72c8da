/** The machine and its load, recorded with every result (the machine is shared). */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { ngircdVersion } from './ircd';

export interface MachineInfo {
  hostname: string;
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  os: string;
  node: string;
  ngircd: string;
  /** Soft limit on open files of this process (children inherit it). */
  openFilesLimit: number;
  commit: string;
}

export function openFilesLimit(): number {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith('Max open files'));
    const soft = line?.split(/\s{2,}/)[1];
    return soft === 'unlimited' ? Infinity : Number(soft);
  } catch {
    return NaN;
  }
}

function gitCommit(): string {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'packages', 'bridges'], { encoding: 'utf8' }).trim() !== '';
    return dirty ? `${commit} (packages/ or bridges/ modified)` : commit;
  } catch {
    return 'unknown';
  }
}

function osRelease(): string {
  try {
    const pretty = /^PRETTY_NAME="?([^"\n]*)"?/m.exec(readFileSync('/etc/os-release', 'utf8'))?.[1];
    return `${pretty ?? os.type()} (kernel ${os.release()})`;
  } catch {
    return `${os.type()} ${os.release()}`;
  }
}

export function machineInfo(): MachineInfo {
  return {
    hostname: os.hostname(),
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    os: osRelease(),
    node: process.version,
    ngircd: ngircdVersion(),
    openFilesLimit: openFilesLimit(),
    commit: gitCommit(),
  };
}

/** 1-, 5- and 15-minute load averages, rounded. */
export function loadAverage(): number[] {
  return os.loadavg().map((l) => Math.round(l * 100) / 100);
}

/** Cumulative CPU ticks of the whole machine (/proc/stat), to tell iowait and steal during a run. */
export interface CpuTicks {
  total: number;
  iowait: number;
  steal: number;
}

export function cpuTicks(): CpuTicks {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    return { total: fields.reduce((a, b) => a + b, 0), iowait: fields[4] ?? 0, steal: fields[7] ?? 0 };
  } catch {
    return { total: 0, iowait: 0, steal: 0 };
  }
}

/** Percentages of machine CPU time spent waiting for I/O and stolen by the hypervisor between two readings. */
export function waitShares(from: CpuTicks, to: CpuTicks): { iowaitPct: number; stealPct: number } {
  const total = to.total - from.total;
  if (total <= 0) return { iowaitPct: NaN, stealPct: NaN };
  const pct = (n: number) => Math.round((1000 * n) / total) / 10;
  return { iowaitPct: pct(to.iowait - from.iowait), stealPct: pct(to.steal - from.steal) };
}
