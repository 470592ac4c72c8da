/**
 * `--store postgres`: the bridge's store on a throwaway PostgreSQL server per world, started with
 * the server's own defaults (fsync and synchronous commit on), so a commit costs what it costs a
 * deployment, unlike the unit tests' cluster, which turns durability off for speed. It listens
 * on loopback and on a socket in its own temp dir, trusts local connections, and belongs to the
 * `postgres` user when the bench runs as root (PostgreSQL refuses root).
 *
 * Its CPU is read from /proc like the bridge's: the postmaster, its live children (backends,
 * WAL writer, checkpointer…) and what its exited children used (cutime/cstime).
 */
import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '@bridgekit/appservice/testing';

const TICK_MS = 10; // USER_HZ 100

export class BenchPostgres {
  private constructor(private readonly home: string, private readonly bin: string, private readonly as: string[], private readonly port: number, readonly url: string) {}

  /** initdb + start in a temp dir of its own (the server's user must own it); the database `bridge` is created empty. */
  static async start(): Promise<BenchPostgres> {
    const bin = process.env.BRIDGEKIT_PG_BIN ?? newestDebianBin();
    const home = mkdtempSync(path.join(os.tmpdir(), 'bridgekit-bench-pg-'));
    const asRoot = process.getuid?.() === 0;
    if (asRoot) chownSync(home, Number(execFileSync('id', ['-u', 'postgres']).toString()), Number(execFileSync('id', ['-g', 'postgres']).toString()));
    const as = asRoot ? ['runuser', '-u', 'postgres', '--'] : [];
    const run = (tool: string, args: string[]) => {
      const argv = [...as, path.join(bin, tool), ...args];
      execFileSync(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
    };
    const data = path.join(home, 'data');
    const port = await freePort();
    run('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--locale=C']);
    run('pg_ctl', ['start', '-w', '-D', data, '-l', path.join(home, 'server.log'), '-o', `-p ${port} -k ${home} -c listen_addresses=127.0.0.1`]);
    run('psql', ['-h', home, '-p', String(port), '-U', 'postgres', '-qc', 'CREATE DATABASE bridge', 'postgres']);
    return new BenchPostgres(home, bin, as, port, `postgresql://postgres@127.0.0.1:${port}/bridge`);
  }

  private get data(): string {
    return path.join(this.home, 'data');
  }

  /** CPU of the whole server so far, in ms (exited backends included). */
  cpuMs(): number {
    const postmaster = Number(readFileSync(path.join(this.data, 'postmaster.pid'), 'utf8').split('\n')[0]);
    let ticks = 0;
    for (const pid of readdirSync('/proc')) {
      if (!/^\d+$/.test(pid)) continue;
      const f = statFields(pid);
      if (!f) continue;
      // Field 4 (index 1 here) is the parent; 14-17 (11-14) are utime, stime, cutime, cstime.
      if (Number(pid) === postmaster) ticks += f[11]! + f[12]! + f[13]! + f[14]!;
      else if (f[1] === postmaster) ticks += f[11]! + f[12]!;
    }
    return ticks * TICK_MS;
  }

  /**
   * Commits in the bridge's database and WAL bytes written so far. Backends report their
   * commits within about a second of going idle, so this waits that long first; read it outside
   * any CPU window (psql's own connection costs the server a fork).
   */
  async counters(): Promise<{ commits: number; walBytes: number }> {
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    const argv = [...this.as, path.join(this.bin, 'psql'), '-h', this.home, '-p', String(this.port), '-U', 'postgres', '-XAtc',
      "SELECT xact_commit, pg_current_wal_lsn() - '0/0' FROM pg_stat_database WHERE datname = 'bridge'", 'postgres'];
    const [commits, walBytes] = execFileSync(argv[0]!, argv.slice(1), { encoding: 'utf8', timeout: 30_000 }).trim().split('|').map(Number);
    return { commits: commits!, walBytes: walBytes! };
  }

  /** Stops the server and removes its files (`keep`: leaves them, server.log included). */
  stop(keep = false): void {
    const argv = [...this.as, path.join(this.bin, 'pg_ctl'), 'stop', '-D', this.data, '-m', 'immediate', '-w'];
    try {
      execFileSync(argv[0]!, argv.slice(1), { stdio: 'ignore', timeout: 60_000 });
    } finally {
      if (!keep) rmSync(this.home, { recursive: true, force: true });
    }
  }
}

/** The fields of /proc/<pid>/stat after the command name, as numbers (state becomes NaN). */
function statFields(pid: string): number[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ').map(Number);
  } catch {
    return undefined; // gone meanwhile
  }
}

function newestDebianBin(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => existsSync(path.join(root, v, 'bin', 'initdb'))).sort((a, b) => Number(b) - Number(a)) : [];
  if (versions.length === 0) throw new Error('--store postgres needs PostgreSQL: `bash test/e2e/setup postgres`, or BRIDGEKIT_PG_BIN=<dir with initdb>');
  return path.join(root, versions[0]!, 'bin');
}
