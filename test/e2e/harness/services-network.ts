/**
 * The tier's IRCv3 network: InspIRCd with Atheme services linked to it, on free loopback ports
 * (a plain-text and a TLS client port; TLS clients' certificates reach services for CertFP).
 * Ready when a client's `CAP LS` offers `sasl` with PLAIN: InspIRCd lists the mechanisms only
 * once services have linked, so this proves the link, not just an open port. ngIRCd stays the
 * default server of the tier (it registers clients at once; InspIRCd only once a second).
 */
import { randomBytes } from 'node:crypto';
import { execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { createClientCertificate } from '../../../bridges/irc/src/accounts/client-cert';
import { exitWatcher, spawnLogged, tailFile, whenSpawned } from './processes';
import { athemeConfig, inspircdConfig, leafInspircdConfig, type ServicesNetworkPlan } from './services-config';
import { delay, WaitTimeoutError } from './wait';

export const IRCV3_SERVER_NAME = 'ircv3.e2e.test';
export const SERVICES_SERVER_NAME = 'services.e2e.test';
export const LEAF_SERVER_NAME = 'leaf.e2e.test';

export function programPath(name: string, packageName: string): string {
  for (const dir of (process.env.PATH ?? '').split(':').concat('/usr/sbin', '/usr/bin', '/usr/local/sbin')) {
    if (dir && existsSync(join(dir, name))) return join(dir, name);
  }
  throw new Error(`${name} is not installed: run \`bash test/e2e/setup ircd\` (Debian package "${packageName}")`);
}

/**
 * `CAP LS 302` on a fresh connection (never finishing registration, which would cost InspIRCd's
 * one-second wait); resolves with the value of the `sasl` capability, '' when it has none, or
 * undefined when the server listed no `sasl` at all.
 */
export function saslMechanismsOffered(host: string, port: number, timeoutMs: number): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    let buffer = '';
    const caps: string[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new WaitTimeoutError(`CAP LS from ${host}:${port}`, timeoutMs, `received: ${JSON.stringify(buffer)}`));
    }, timeoutMs);
    const finish = (value: string | undefined) => {
      clearTimeout(timer);
      socket.end('QUIT :probe done\r\n');
      resolve(value);
    };
    socket.setEncoding('utf8');
    socket.on('connect', () => socket.write('CAP LS 302\r\n'));
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      let end: number;
      while ((end = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, end).replace(/\r$/, '');
        buffer = buffer.slice(end + 1);
        // ":server CAP * LS * :a b=c" continues; without the "*" it is the last line.
        const ls = /^:\S+ CAP \S+ LS (\* )?:?(.*)$/.exec(line);
        if (!ls) continue;
        caps.push(...ls[2]!.split(' ').filter(Boolean));
        if (ls[1]) continue;
        const sasl = caps.find((c) => c === 'sasl' || c.startsWith('sasl='));
        finish(sasl === undefined ? undefined : sasl.slice('sasl='.length));
      }
    });
    socket.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

export interface StartedServicesNetwork {
  ircd: { pid: number; child: ChildProcess; port: number; tlsPort: number; tlsCertFile: string };
  services: { pid: number; child: ChildProcess };
  serverName: string;
  servicesName: string;
  oper: { name: string; password: string };
  /** The second server of the netsplit scenario: configured, not started (leaf-server.ts starts it). */
  leaf: { name: string; port: number; configPath: string };
}

export interface StartServicesNetworkOptions {
  runDir: string;
  logDir: string;
  clientPort: number;
  tlsPort: number;
  linkPort: number;
  /** Client port of the leaf server a scenario may start (`leaf-server.ts`). */
  leafPort: number;
  timeoutMs?: number;
  /** Called with each process as soon as it runs, so the caller can stop it if startup fails. */
  onSpawn?: (name: 'inspircd' | 'atheme', pid: number) => void;
}

/** InspIRCd 3 is what Atheme 7.2's link protocol (1202) works with; 4 dropped it. */
function checkInspircdVersion(binary: string): void {
  const version = execFileSync(binary, ['--version'], { encoding: 'utf8' }).trim();
  if (!/InspIRCd-3\./.test(version)) {
    throw new Error(`the e2e tier's services network needs InspIRCd 3.x (Atheme 7.2 links to it), found "${version}"`);
  }
}

export async function startServicesNetwork(options: StartServicesNetworkOptions): Promise<StartedServicesNetwork> {
  const inspircd = programPath('inspircd', 'inspircd');
  const atheme = programPath('atheme-services', 'atheme-services');
  checkInspircdVersion(inspircd);
  // A self-signed server certificate: clients of the test network skip verification (or trust
  // this file); what matters here is the TLS channel client certificates travel over.
  const tlsCertFile = join(options.runDir, 'ircd-cert.pem');
  const tlsKeyFile = join(options.runDir, 'ircd-key.pem');
  const serverCert = createClientCertificate({ commonName: IRCV3_SERVER_NAME });
  writeFileSync(tlsCertFile, serverCert.certPem);
  writeFileSync(tlsKeyFile, serverCert.keyPem, { mode: 0o600 });
  const plan: ServicesNetworkPlan = {
    runDir: options.runDir,
    logDir: options.logDir,
    ircdName: IRCV3_SERVER_NAME,
    servicesName: SERVICES_SERVER_NAME,
    clientPort: options.clientPort,
    tlsPort: options.tlsPort,
    tlsCertFile,
    tlsKeyFile,
    linkPort: options.linkPort,
    ircdToServices: randomBytes(12).toString('hex'),
    servicesToIrcd: randomBytes(12).toString('hex'),
    oper: { name: 'e2eoper', password: randomBytes(12).toString('hex') },
    leaf: { name: LEAF_SERVER_NAME, password: randomBytes(12).toString('hex'), clientPort: options.leafPort },
  };
  const ircdConfigPath = join(options.runDir, 'inspircd.conf');
  const athemeConfigPath = join(options.runDir, 'atheme.conf');
  const athemeDataDir = join(options.runDir, 'atheme-data');
  mkdirSync(athemeDataDir, { recursive: true });
  writeFileSync(ircdConfigPath, inspircdConfig(plan), { mode: 0o600 });
  writeFileSync(athemeConfigPath, athemeConfig(plan), { mode: 0o600 });
  const leafConfigPath = join(options.runDir, 'inspircd-leaf.conf');
  writeFileSync(leafConfigPath, leafInspircdConfig(plan), { mode: 0o600 });

  const ircdLog = join(options.logDir, 'inspircd.out.log');
  const athemeLog = join(options.logDir, 'atheme.out.log');
  // --runasroot: CI and these machines run as root. With ssl_gnutls loaded InspIRCd 3 crashes
  // on exit and dumps core even under `ulimit -c 0` (it raises the soft limit itself): a hard
  // core limit of 0, set by prlimit (which then execs it, so the PID is InspIRCd's), stops that.
  const ircdChild = spawnLogged(programPath('prlimit', 'util-linux'), ['--core=0:0', inspircd, '--nofork', '--runasroot', `--config=${ircdConfigPath}`], { cwd: options.runDir, logPath: ircdLog });
  const ircdPid = await whenSpawned(ircdChild, 'inspircd');
  options.onSpawn?.('inspircd', ircdPid);
  const ircdExited = exitWatcher(ircdChild, 'inspircd', ircdLog);
  // Started right away: with recontime 1 it links as soon as InspIRCd listens.
  const athemeChild = spawnLogged(atheme, ['-n', '-c', athemeConfigPath, '-D', athemeDataDir, '-l', join(options.runDir, 'atheme.main.log'), '-p', join(options.runDir, 'atheme.pid')], { cwd: options.runDir, logPath: athemeLog });
  const athemePid = await whenSpawned(athemeChild, 'atheme-services');
  options.onSpawn?.('atheme', athemePid);
  const athemeExited = exitWatcher(athemeChild, 'atheme-services', athemeLog);

  const timeoutMs = options.timeoutMs ?? 15_000;
  const deadline = Date.now() + timeoutMs;
  let last = 'nothing yet';
  for (;;) {
    const abort = ircdExited() ?? athemeExited();
    if (abort) throw abort;
    try {
      const mechanisms = await saslMechanismsOffered('127.0.0.1', options.clientPort, Math.max(200, deadline - Date.now()));
      if (mechanisms !== undefined && mechanisms.split(',').includes('PLAIN')) break;
      last = mechanisms === undefined ? 'no sasl capability (services not linked yet)' : `sasl=${mechanisms}`;
    } catch (err) {
      last = (err as Error).message;
    }
    if (Date.now() >= deadline) {
      throw new Error(
        `InspIRCd + Atheme did not offer SASL PLAIN within ${timeoutMs} ms (last: ${last})\n` +
          `--- inspircd ---\n${tailFile(join(options.logDir, 'inspircd.log'), 20)}\n--- atheme ---\n${tailFile(join(options.logDir, 'atheme.log'), 20)}\n${tailFile(athemeLog, 20)}`,
      );
    }
    await delay(20);
  }
  return {
    ircd: { pid: ircdPid, child: ircdChild, port: options.clientPort, tlsPort: options.tlsPort, tlsCertFile },
    services: { pid: athemePid, child: athemeChild },
    serverName: IRCV3_SERVER_NAME,
    servicesName: SERVICES_SERVER_NAME,
    oper: plan.oper,
    leaf: { name: plan.leaf.name, port: plan.leaf.clientPort, configPath: leafConfigPath },
  };
}
