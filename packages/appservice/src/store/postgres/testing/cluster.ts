/**
 * A throwaway PostgreSQL cluster for tests: `initdb` in a temp directory, `pg_ctl start` on a
 * free loopback port with its unix socket in that directory, trust authentication (nothing but
 * this machine can reach it), fsync off (the data is thrown away). Root cannot run PostgreSQL,
 * so as root the cluster belongs to, and runs as, the `postgres` user (Debian's package creates it).
 *
 * A test that needs PostgreSQL and cannot find it fails with what to install; it never skips.
 */
import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { freePort } from '../../../testing/ports';

export interface PostgresCluster {
  /** The superuser's URL of database `name` on this cluster. */
  url(name: string): string;
  /** Creates an empty database and returns its URL. */
  createDatabase(name: string): Promise<string>;
  /** Stops the server (fast shutdown: every connection is cut), keeping its data. */
  stopServer(): void;
  /** Starts the stopped server again on the same port. */
  startServer(): void;
  /** Stops the server and removes its directory. */
  stop(): void;
}

const MISSING = 'PostgreSQL is not installed (no initdb found in BRIDGEKIT_PG_BIN or /usr/lib/postgresql/*/bin). '
  + 'Run `bash test/e2e/setup postgres` (installs Debian\'s postgresql with apt) or set BRIDGEKIT_PG_BIN to the directory holding initdb and pg_ctl.';

/** The directory with initdb and pg_ctl: BRIDGEKIT_PG_BIN, else the newest Debian install. */
export function findPostgresBin(): string {
  const fromEnv = process.env.BRIDGEKIT_PG_BIN;
  if (fromEnv) {
    if (!existsSync(join(fromEnv, 'initdb'))) throw new Error(`BRIDGEKIT_PG_BIN=${fromEnv} has no initdb. ${MISSING}`);
    return fromEnv;
  }
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'initdb'))) : [];
  versions.sort((a, b) => Number(b) - Number(a));
  if (versions.length === 0) throw new Error(MISSING);
  return join(root, versions[0], 'bin');
}

export async function startPostgresCluster(): Promise<PostgresCluster> {
  const bin = findPostgresBin();
  const asRoot = process.getuid?.() === 0;
  const dir = mkdtempSync(join(tmpdir(), 'bridgekit-pg-'));
  const owner = asRoot ? postgresIds() : undefined;
  if (owner) chownSync(dir, owner.uid, owner.gid);
  // As root, every PostgreSQL binary runs as `postgres`; otherwise as whoever runs the tests.
  const run = (tool: string, args: string[]) => {
    const [cmd, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', join(bin, tool), ...args]] : [join(bin, tool), args];
    execFileSync(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
  };
  const data = join(dir, 'data');
  const port = await freePort();
  const start = () => run('pg_ctl', ['start', '-w', '-D', data, '-l', join(dir, 'server.log'), '-o',
    `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off`]);
  try {
    run('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--locale=C', '--no-sync']);
    start();
  } catch (err) {
    const log = existsSync(join(dir, 'server.log')) ? readFileSync(join(dir, 'server.log'), 'utf8').slice(-2000) : '';
    rmSync(dir, { recursive: true, force: true });
    const stderr = (err as { stderr?: Buffer }).stderr?.toString() ?? '';
    throw new Error(`Could not start a test PostgreSQL cluster: ${(err as Error).message}\n${stderr}\n${log}`);
  }
  const url = (name: string) => `postgresql://postgres@127.0.0.1:${port}/${name}`;
  return {
    url,
    async createDatabase(name) {
      const admin = new Client({ connectionString: url('postgres') });
      await admin.connect();
      try {
        await admin.query(`CREATE DATABASE "${name.replace(/"/g, '')}"`);
      } finally {
        await admin.end();
      }
      return url(name);
    },
    stopServer() {
      run('pg_ctl', ['stop', '-D', data, '-m', 'fast', '-w']);
    },
    startServer() {
      start();
    },
    stop() {
      try {
        run('pg_ctl', ['stop', '-D', data, '-m', 'immediate', '-w']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

function postgresIds(): { uid: number; gid: number } {
  try {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    return { uid, gid };
  } catch {
    throw new Error(`PostgreSQL refuses to run as root and there is no 'postgres' user to run it as. ${MISSING}`);
  }
}

