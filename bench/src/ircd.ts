/**
 * A real ngIRCd on loopback, configured like bridges/irc/src/irc/test-ircd.ts but for load:
 * no per-IP connection cap (MaxConnectionsIP = 0), no global cap (MaxConnections = 0), no join
 * cap (MaxJoins = 0) and no flood penalties (MaxPenaltyTime = 0). What ngIRCd still imposes
 * (it is compiled in, src/ngircd/conn.c): at most 3 commands per client per main-loop turn,
 * and a 32 KiB write buffer per client beyond which it drops that client.
 * `restart()` stops the server and starts a new one on the same port (mass reconnect).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { freePort } from '@bridgekit/appservice/testing';
import { nowMs, sleep, withTimeout } from './time';

export { freePort };

export const NGIRCD_BINARY = process.env.NGIRCD_BINARY ?? '/usr/sbin/ngircd';

export function ngircdVersion(): string {
  try {
    return execFileSync(NGIRCD_BINARY, ['--version'], { encoding: 'utf8' }).split('\n')[0]?.trim() ?? 'unknown';
  } catch {
    return 'not installed';
  }
}


export function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export class Ircd {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();

  private constructor(
    readonly port: number,
    private readonly config: string,
    private readonly logFile: string,
  ) {}

  /** Writes the config into `dir` and starts the server; resolves once the port accepts. */
  static async start(dir: string): Promise<Ircd> {
    mkdirSync(path.join(dir, 'ngircd.conf.d'), { recursive: true });
    const port = await freePort();
    const config = path.join(dir, 'ngircd.conf');
    writeFileSync(config, [
      '[Global]',
      '  Name = irc.bench',
      '  Info = Bridgekit benchmark server',
      '  Listen = 127.0.0.1',
      `  Ports = ${port}`,
      '  AdminInfo1 = Bridgekit benchmarks',
      '  AdminInfo2 = loopback only',
      '  AdminEMail = bench@irc.bench',
      '  MotdPhrase = Bridgekit benchmark server',
      `  IncludeDir = ${path.join(dir, 'ngircd.conf.d')}`,
      '[Limits]',
      '  MaxConnections = 0',
      '  MaxConnectionsIP = 0',
      '  MaxJoins = 0',
      '  MaxNickLength = 30',
      '  MaxPenaltyTime = 0',
      '  PingTimeout = 600',
      '  PongTimeout = 300',
      '[Options]',
      '  DNS = no',
      '  Ident = no',
      '  PAM = no',
      '',
    ].join('\n'));
    const ircd = new Ircd(port, config, path.join(dir, 'ngircd.log'));
    await ircd.spawn();
    return ircd;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Stops the server (its clients see the connection close) and, `downMs` later, starts a fresh one on the same port. */
  async restart(downMs = 0): Promise<{ stoppedAt: number; upAt: number }> {
    await this.stop();
    const stoppedAt = nowMs();
    if (downMs > 0) await sleep(downMs);
    await this.spawn();
    return { stoppedAt, upAt: nowMs() };
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child) return;
    if (child.exitCode === null) child.kill('SIGTERM');
    await withTimeout(this.exited, 10_000, 'ngIRCd to exit').catch(() => child.kill('SIGKILL'));
    await this.exited;
    this.child = undefined;
  }

  private async spawn(): Promise<void> {
    const log = openSync(this.logFile, 'a');
    const child = spawn(NGIRCD_BINARY, ['--nodaemon', '--config', this.config], { stdio: ['ignore', log, log] });
    closeSync(log);
    this.child = child;
    this.exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    // Bounded: 400 × 5 ms.
    for (let attempt = 0; attempt < 400; attempt++) {
      if (child.exitCode !== null) break;
      if (await canConnect(this.port)) return;
      await sleep(5);
    }
    await this.stop();
    throw new Error(`ngIRCd did not start on 127.0.0.1:${this.port}; see ${this.logFile}. Is ${NGIRCD_BINARY} installed (apt-get install ngircd)?`);
  }
}
