/**
 * The real IRC server of the run: ngIRCd on a loopback port, configured for many connections
 * from one IP with no flood penalties (see E2E-NOTES §5 for why ngIRCd over InspIRCd).
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { exitWatcher, spawnLogged, tailFile, whenSpawned, type LogSink } from './processes';
import { WaitTimeoutError, delay } from './wait';

export const IRC_SERVER_NAME = 'irc.e2e.test';

/** How the server introduces itself (its name is the prefix of every server reply, e.g. `001`). */
export interface IrcServerIdentity {
  /** Must contain a dot (ngIRCd refuses to start otherwise). */
  name: string;
  info: string;
  motd: string;
  adminInfo: string;
  adminEmail: string;
}

export const E2E_IRC_IDENTITY: IrcServerIdentity = {
  name: IRC_SERVER_NAME,
  info: 'Bridgekit e2e IRC server',
  motd: 'Bridgekit e2e',
  adminInfo: 'Bridgekit end-to-end tests',
  adminEmail: 'e2e@e2e.test',
};

/** A channel that exists from the start (ngIRCd `[Channel]`), e.g. with a topic pointing at its portal. */
export interface PredefinedChannel {
  name: string;
  topic?: string;
}

/** ngIRCd's configuration. Debian's ngIRCd 26/27 both accept it. */
export function ngircdConfig(port: number, identity: IrcServerIdentity = E2E_IRC_IDENTITY, channels: readonly PredefinedChannel[] = []): string {
  const channelSections = channels.flatMap((c) => ['[Channel]', `Name = ${c.name}`, ...(c.topic ? [`Topic = ${c.topic}`] : []), '']);
  return [
    '[Global]',
    `Name = ${identity.name}`,
    `Info = ${identity.info}`,
    'Listen = 127.0.0.1',
    `Ports = ${port}`,
    // Without these ngIRCd warns that the RFC requires them.
    `AdminInfo1 = ${identity.adminInfo}`,
    'AdminInfo2 = loopback only',
    `AdminEMail = ${identity.adminEmail}`,
    // Inline MOTD: no file to ship, no "MOTD file not found" noise.
    `MotdPhrase = ${identity.motd}`,
    // No PidFile: as root ngIRCd drops to nobody and could not write it; we keep the spawn PID.
    '',
    '[Limits]',
    'MaxConnectionsIP = 0', // default 5: a bridge opens one connection per Matrix user
    'MaxJoins = 0', // default 10 channels per user
    'MaxNickLength = 30', // default 9: too short for bridged nicks
    'MaxPenaltyTime = 0', // no flood penalties, so lines are not delayed (ngIRCd logs "not recommended")
    'PingTimeout = 600',
    'PongTimeout = 600',
    '',
    '[Options]',
    'DNS = no',
    'Ident = no',
    'PAM = no',
    '',
    ...channelSections,
  ].join('\n');
}

/** The ngircd binary: PATH first, then Debian's /usr/sbin (often not on a non-root PATH). */
export function ngircdBinary(): string {
  for (const dir of (process.env.PATH ?? '').split(':').concat('/usr/sbin', '/usr/local/sbin')) {
    if (dir && existsSync(join(dir, 'ngircd'))) return join(dir, 'ngircd');
  }
  throw new Error('ngircd is not installed: run `bash test/e2e/setup ircd` (Debian package "ngircd")');
}

/**
 * Registers a throwaway client and resolves on `001`: proves the server accepts and registers
 * clients, which an open port alone does not.
 */
export function probeIrcRegistration(host: string, port: number, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    let buffer = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new WaitTimeoutError(`IRC 001 from ${host}:${port}`, timeoutMs, `received: ${JSON.stringify(buffer)}`));
    }, timeoutMs);
    socket.setEncoding('utf8');
    socket.on('connect', () => socket.write('NICK e2eprobe\r\nUSER e2eprobe 0 * :e2e probe\r\n'));
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      if (/^:\S+ 001 /m.test(buffer)) {
        clearTimeout(timer);
        socket.end('QUIT :probe done\r\n');
        resolve();
      }
    });
    socket.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

export interface StartedIrcServer {
  child: ChildProcess;
  pid: number;
  port: number;
  logPath: string;
}

export interface StartNgircdOptions {
  runDir: string;
  logDir: string;
  port: number;
  timeoutMs?: number;
  identity?: IrcServerIdentity;
  channels?: readonly PredefinedChannel[];
  /** See SpawnLoggedOptions.detached. */
  detached?: boolean;
  /** See SpawnLoggedOptions.openLog. */
  openLog?: (logPath: string) => LogSink;
  /** Called as soon as the process runs, before it is ready: lets a caller stop it if interrupted. */
  onSpawn?: (child: ChildProcess) => void;
}

export async function startNgircd(options: StartNgircdOptions): Promise<StartedIrcServer> {
  const configPath = join(options.runDir, 'ngircd.conf');
  const logPath = join(options.logDir, 'ngircd.log');
  writeFileSync(configPath, ngircdConfig(options.port, options.identity, options.channels));
  const child = spawnLogged(ngircdBinary(), ['--nodaemon', '--config', configPath], { cwd: options.runDir, logPath, detached: options.detached, openLog: options.openLog });
  const pid = await whenSpawned(child, 'ngircd');
  options.onSpawn?.(child);
  const exited = exitWatcher(child, 'ngircd', logPath);
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  // The port opens a few ms after spawn; retry refused connections until the deadline.
  for (;;) {
    const abort = exited();
    if (abort) throw abort;
    try {
      await probeIrcRegistration('127.0.0.1', options.port, Math.max(100, deadline - Date.now()));
      return { child, pid, port: options.port, logPath };
    } catch (err) {
      if (Date.now() >= deadline) {
        child.kill('SIGKILL');
        throw new Error(`ngircd did not register a client in time: ${(err as Error).message}\n${tailFile(logPath)}`);
      }
      await delay(25);
    }
  }
}
