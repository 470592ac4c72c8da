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

export const NGIRCD_BINARY = process.env.NGIRCD_BINARY ?? '/usr/sbin/ngircd';

export interface TestIrcd {
  host: string;
  port: number;
  /** ngIRCd's output so far (for failure messages). */
  output(): string;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export async function startTestIrcd(options: { nickLength?: number } = {}): Promise<TestIrcd> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'bridgekit-ngircd-'));
  const port = await freePort();
  const config = path.join(dir, 'ngircd.conf');
  await writeFile(config, [
    '[Global]',
    '  Name = irc.test',
    '  Info = Bridgekit test server',
    '  Listen = 127.0.0.1',
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
    '  DNS = no',
    '  Ident = no',
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
    if (await canConnect(port)) return { host: '127.0.0.1', port, output: () => output, stop };
    await new Promise((r) => setTimeout(r, 50));
  }
  await stop();
  throw new Error(`ngIRCd did not start on 127.0.0.1:${port}. Is ${NGIRCD_BINARY} installed? Output:\n${output}`);
}
