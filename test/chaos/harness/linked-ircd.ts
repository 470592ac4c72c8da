/**
 * A second ngIRCd linked to the run's server, for a real netsplit: the leaf connects to the hub
 * through a TCP relay the test controls, so `cut()` breaks the server link (both sides see it
 * drop, and each announces the other side's users as QUIT "<hub> <leaf>", which is what a
 * netsplit looks like) while the leaf's own clients stay connected to it; `heal()` lets the
 * leaf's automatic reconnect (ConnectRetry) link it again, and the users come back in its burst.
 */
import { appendFileSync, chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { readE2eEnv } from '../../e2e/harness/env';
import { E2E_IRC_IDENTITY, ngircdBinary, ngircdConfig, probeIrcRegistration } from '../../e2e/harness/ngircd';
import { freePorts } from '@bridgekit/appservice/testing';
import { spawnLogged } from '../../e2e/harness/processes';
import { recordBridgePid, recordedPid } from '../../e2e/harness/run-record';
import { sleep } from './scene';

export const LEAF_NAME = 'leaf.e2e.test';

export interface LeafServer {
  port: number;
  /** Breaks the server link (and refuses it until `heal`). */
  cut(): void;
  heal(): void;
  /** Resolves once the hub lists the leaf among its links (or rejects after `timeoutMs`). */
  linked(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/** Asks the server on `port` for its LINKS and says whether `name` is among them. */
export function serverLinks(port: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    const nick = `links${Math.floor(Math.random() * 1e6)}`;
    const names: string[] = [];
    let buffer = '';
    const timer = setTimeout(() => { socket.destroy(); reject(new Error('no LINKS answer')); }, 10_000);
    socket.setEncoding('utf8');
    socket.on('error', (error) => { clearTimeout(timer); reject(error); });
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      const lines = buffer.split('\r\n');
      buffer = lines.pop() ?? '';
      for (const line of lines) {
        if (/^:\S+ 001 /.test(line)) socket.write('LINKS\r\n');
        const link = /^:\S+ 364 \S+ (\S+)/.exec(line);
        if (link) names.push(link[1]!);
        if (/^:\S+ 365 /.test(line)) {
          clearTimeout(timer);
          socket.end('QUIT\r\n');
          resolve(names);
        }
      }
    });
    socket.write(`NICK ${nick}\r\nUSER ${nick} 0 * :links probe\r\n`);
  });
}

/** The server blocks both ends need: same passwords crossed; only the leaf dials (through the relay). */
function serverBlock(name: string, port?: number): string {
  const hubSide = port === undefined;
  return ['', '[Server]', `Name = ${name}`, 'Host = 127.0.0.1', ...(port !== undefined ? [`Port = ${port}`] : []),
    `MyPassword = ${hubSide ? 'hub-link-pass' : 'leaf-link-pass'}`, `PeerPassword = ${hubSide ? 'leaf-link-pass' : 'hub-link-pass'}`, ''].join('\n');
}

export async function startLeafServer(): Promise<LeafServer> {
  const env = readE2eEnv();
  const [leafPort, relayPort] = await freePorts(2);
  // The hub learns the leaf: a rehash on SIGHUP reads [Server] blocks again. ngIRCd runs as
  // nobody by then, so the run directory (0700) is opened to it just for the re-read.
  const hubConfig = join(env.runDir, 'ngircd.conf');
  appendFileSync(hubConfig, serverBlock(LEAF_NAME));
  chmodSync(hubConfig, 0o644);
  chmodSync(env.runDir, 0o711);
  try {
    process.kill(recordedPid(env.runDir, 'ngircd'), 'SIGHUP');
    await sleep(2_000);
  } finally {
    chmodSync(env.runDir, 0o700);
  }

  let open = true;
  const links = new Set<net.Socket>();
  const relay = net.createServer((leafSide) => {
    if (!open) { leafSide.destroy(); return; }
    const hubSide = net.connect({ host: '127.0.0.1', port: env.irc.port });
    for (const s of [leafSide, hubSide]) { links.add(s); s.on('error', () => undefined); s.on('close', () => links.delete(s)); }
    leafSide.pipe(hubSide).pipe(leafSide);
    leafSide.on('close', () => hubSide.destroy());
    hubSide.on('close', () => leafSide.destroy());
  });
  await new Promise<void>((resolve) => relay.listen(relayPort, '127.0.0.1', resolve));

  const dir = join(env.runDir, 'leaf-ircd');
  mkdirSync(dir, { recursive: true });
  const configPath = join(dir, 'ngircd.conf');
  // ConnectRetry: the leaf dials the hub again 5 s after the link dropped (ngIRCd's minimum).
  const config = ngircdConfig(leafPort!, { ...E2E_IRC_IDENTITY, name: LEAF_NAME, info: 'Bridgekit e2e leaf server' }).replace('[Limits]\n', '[Limits]\nConnectRetry = 5\n');
  writeFileSync(configPath, config + serverBlock(E2E_IRC_IDENTITY.name, relayPort));
  const child = spawnLogged(ngircdBinary(), ['--nodaemon', '--config', configPath], { cwd: dir, logPath: join(env.logDir, 'ngircd-leaf.log') });
  if (child.pid !== undefined) recordBridgePid(env.runDir, child.pid); // teardown reaps it if the test cannot
  for (let tries = 0; ; tries++) {
    try {
      await probeIrcRegistration('127.0.0.1', leafPort!, 1_000);
      break;
    } catch (error) {
      if (tries > 50) throw error;
      await sleep(200);
    }
  }

  const leaf: LeafServer = {
    port: leafPort!,
    cut() {
      open = false;
      for (const s of links) s.destroy();
    },
    heal() {
      open = true;
    },
    async linked(timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      while (!(await serverLinks(env.irc.port)).includes(LEAF_NAME)) {
        if (Date.now() > deadline) throw new Error(`${LEAF_NAME} did not link to the hub within ${timeoutMs} ms`);
        await sleep(500);
      }
    },
    async stop() {
      leaf.cut();
      child.kill('SIGTERM');
      await new Promise<void>((resolve) => relay.close(() => resolve()));
    },
  };
  return leaf;
}
