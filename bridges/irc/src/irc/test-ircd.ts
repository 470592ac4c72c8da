/**
 * A real ngIRCd on loopback for connection tests: writes a config into a temp dir, starts
 * `ngircd --nodaemon`, waits until the port accepts connections, and stops it by PID.
 * Flood penalties are off (MaxPenaltyTime = 0) so tests are limited only by our own queue.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '@bridgekit/appservice/testing';

export const NGIRCD_BINARY = process.env.NGIRCD_BINARY ?? '/usr/sbin/ngircd';

export interface TestIrcd {
  host: string;
  port: number;
  /** ngIRCd's output so far (for failure messages). */
  output(): string;
  stop(): Promise<void>;
}

function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * `listen`: the address ngIRCd listens on (default 127.0.0.1; `::1` for IPv6 tests). `ident`:
 * ngIRCd asks the connecting host's port 113 for the user name (RFC 1413) and shows it without `~`
 * (this turns its reverse DNS on too: ngIRCd asks ident only along with it).
 */
export async function startTestIrcd(options: { nickLength?: number; listen?: string; ident?: boolean } = {}): Promise<TestIrcd> {
  const host = options.listen ?? '127.0.0.1';
  const dir = await mkdtemp(path.join(os.tmpdir(), 'bridgekit-ngircd-'));
  const port = await freePort();
  const config = path.join(dir, 'ngircd.conf');
  await writeFile(config, [
    '[Global]',
    '  Name = irc.test',
    '  Info = Bridgekit test server',
    `  Listen = ${host}`,
    `  Ports = ${port}`,
    '  AdminInfo1 = Bridgekit tests',
    '  AdminInfo2 = loopback only',
    '  AdminEMail = tests@irc.test',
    `  MotdPhrase = Bridgekit test server`,
    '[Limits]',
    '  MaxConnectionsIP = 0',
    '  MaxJoins = 0',
    `  MaxNickLength = ${options.nickLength ?? 30}`,
    '  MaxPenaltyTime = 0',
    '  PingTimeout = 120',
    '  PongTimeout = 60',
    '[Options]',
    // ngIRCd asks ident only from its resolver process, which runs only with DNS on.
    `  DNS = ${options.ident ? 'yes' : 'no'}`,
    `  Ident = ${options.ident ? 'yes' : 'no'}`,
    '  PAM = no',
    '',
  ].join('\n'));

  const child: ChildProcess = spawn(NGIRCD_BINARY, ['--nodaemon', '--config', config], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-20_000);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const stop = async () => {
    if (child.exitCode === null && child.pid !== undefined) child.kill('SIGTERM');
    await exited;
    await rm(dir, { recursive: true, force: true });
  };

  for (let attempt = 0; attempt < 100; attempt++) {
    if (child.exitCode !== null) break;
    if (await canConnect(host, port)) return { host, port, output: () => output, stop };
    await new Promise((r) => setTimeout(r, 50));
  }
  await stop();
  throw new Error(`ngIRCd did not start on ${host} port ${port}. Is ${NGIRCD_BINARY} installed? Output:\n${output}`);
}
