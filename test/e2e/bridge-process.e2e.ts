/**
 * The bridge as a process an admin runs and operates: one process per database (a second one
 * is refused, a killed one's lock is taken over), SIGHUP for log rotation, the start-up ping
 * kept up until the homeserver answers, and a config that disagrees with the registration
 * refused before anything connects. Real Synapse, real ngIRCd, the bridge's own CLI.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import { connect as tcpConnect, createServer as createTcpServer, type Server as TcpServer } from 'node:net';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { dump, load } from 'js-yaml';
import { writeBridgeConfig } from './harness/bridge-config';
import { BRIDGE_COMMAND, startBridge } from './harness/bridge-process';
import { readE2eEnv } from './harness/env';
import { connectIrc, disconnectAllIrc, uniqueNick } from './harness/irc-client';
import { BOT_NICK, channelScene, ghostUserId, startIrcBridge, uniqueChannel } from './harness/irc-bridge';
import { IRC_NETWORK_ID, SERVER_NAME } from './harness/namespaces';
import { REPO_ROOT } from './harness/paths';
import { freePorts } from '@bridgekit/appservice/testing';
import { isAlive } from './harness/processes';
import { pollUntil } from './harness/wait';

afterAll(disconnectAllIrc);

const MAIN = join(REPO_ROOT, BRIDGE_COMMAND[0]!);

/** `node bridges/irc/dist/main.js <args>` to completion, as an admin in a shell. */
function cli(args: string[], cwd: string): { status: number | null; output: string } {
  const result = spawnSync(process.execPath, [MAIN, ...args], { cwd, encoding: 'utf8', timeout: 30_000 });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

function waitForText(path: string, text: string, what: string, timeoutMs = 15_000): Promise<true> {
  return pollUntil(async () => (existsSync(path) && readFileSync(path, 'utf8').includes(text) ? true : undefined), {
    what, timeoutMs, intervalMs: 100, detail: () => (existsSync(path) ? readFileSync(path, 'utf8').slice(-3000) : `(no file ${path})`),
  });
}

function waitForLog(bridge: { logPath: string }, text: string, timeoutMs = 15_000): Promise<true> {
  return waitForText(bridge.logPath, text, `the bridge to log ${JSON.stringify(text)}`, timeoutMs);
}

describe('one bridge process per database', () => {
  it('refuses a second bridge on the same database with a message naming the first, which keeps running and bridges each IRC line once', async () => {
    const bridge = await startIrcBridge();
    try {
      const scene = await channelScene('lock');
      const firstPid = bridge.process.pid;

      const second = cli(['run', '--config', bridge.config.configPath], bridge.config.dir);
      expect(second.status).toBe(1);
      expect(second.output).toContain(`The database ${join(bridge.config.dir, 'bridge.db')} is in use by another bridge process (pid ${firstPid} on host ${hostname()}, started `);
      expect(second.output).toContain(`command: ${process.execPath} ${MAIN} run --config ${bridge.config.configPath}`);
      // Refused before anything connected: no IRC connection, no listener.
      expect(second.output).not.toMatch(/Joining bridged channels|IRC connection|Bridge started/);

      expect(isAlive(firstPid)).toBe(true);
      await bridge.process.ping();
      scene.carol.say(scene.channel, 'said after the second bridge was refused');
      scene.carol.say(scene.channel, 'a later line');
      await scene.alice.client.waitForMessage(scene.roomId, 'a later line');
      const fromCarol = await scene.alice.client.messageBodiesFrom(scene.roomId, ghostUserId(scene.carol.nick.toLowerCase()));
      expect(fromCarol.filter((b) => b === 'said after the second bridge was refused')).toHaveLength(1);
    } finally {
      await bridge.stop();
    }
  });

  it('takes over the lock a bridge killed with -9 left, with an info line naming the dead PID', async () => {
    const bridge = await startIrcBridge();
    const killedPid = bridge.process.pid;
    process.kill(killedPid, 'SIGKILL');
    await pollUntil(async () => (isAlive(killedPid) ? undefined : true), { what: `pid ${killedPid} to die`, timeoutMs: 10_000 });
    await bridge.stop(); // reaps the harness's handle of the killed process
    expect(existsSync(join(bridge.config.dir, 'bridge.db.lock.json'))).toBe(true); // what kill -9 leaves behind
    await bridge.start();
    try {
      await waitForLog(bridge.process, `Took over the stale store lock of pid ${killedPid}`);
      expect(bridge.logTail(400)).toMatch(new RegExp(`INFO  Took over the stale store lock of pid ${killedPid} \\(started [^)]+\\), which is no longer running`));
    } finally {
      await bridge.stop();
    }
  });
});

describe('SIGHUP', () => {
  it('reopens the log file and logs it, never exits: after the file is moved away, new lines go to a new file', async () => {
    const bridge = await startIrcBridge({ logging: { file: 'bridge-file.log' } });
    const file = join(bridge.config.dir, 'bridge-file.log');
    try {
      await waitForText(file, 'Bridge started', 'the log file to receive the start-up lines');
      renameSync(file, `${file}.1`);
      process.kill(bridge.process.pid, 'SIGHUP');
      await waitForText(file, 'SIGHUP: log file reopened; reloading the config', 'a new log file with the SIGHUP line');
      expect(isAlive(bridge.process.pid)).toBe(true);
      expect(bridge.logTail(50)).toContain('SIGHUP: log file reopened; reloading the config');

      // The bridge carries on, and logs into the new file only.
      const ping = await bridge.process.ping();
      expect(ping.durationMs).toBeGreaterThanOrEqual(0);
      await waitForText(file, 'Homeserver pinged the bridge', 'the ping to be logged in the new file');
      const rotated = readFileSync(`${file}.1`, 'utf8');
      expect(rotated).toContain('Bridge started');
      expect(rotated).not.toContain('SIGHUP');

      // A second SIGHUP is as harmless as the first.
      process.kill(bridge.process.pid, 'SIGHUP');
      await pollUntil(async () => (readFileSync(file, 'utf8').split('SIGHUP: log file reopened').length === 3 ? true : undefined), {
        what: 'the second SIGHUP line', timeoutMs: 15_000,
      });
      expect(isAlive(bridge.process.pid)).toBe(true);
    } finally {
      await bridge.stop();
    }
  });
});

describe('SIGHUP config reload', () => {
  it('applies a new log level and a new static room, with every IRC connection kept: no QUIT, no reconnect, messages flow both ways', async () => {
    const bridge = await startIrcBridge({ logging: { level: 'info' } });
    try {
      const scene = await channelScene('reload');
      const staticChannel = uniqueChannel('static');
      const watcher = await connectIrc(uniqueNick('watch'));
      await watcher.join(staticChannel);
      const quits: string[] = [];
      void scene.op.waitForQuit((q) => { quits.push(q.nick); return false; }, 20_000).catch(() => undefined);
      const connectedBefore = bridge.logTail(100_000).split('Connected to IRC').length;
      expect(bridge.logTail(100_000)).not.toContain('DEBUG');

      const document = structuredClone(bridge.config.document) as { logging: Record<string, unknown>; irc: { networks: Record<string, Record<string, unknown>> } };
      document.logging.level = 'debug';
      document.irc.networks[IRC_NETWORK_ID]!.static_rooms = [{ channel: staticChannel, room_id: `!not-yet-invited:${SERVER_NAME}` }];
      document.irc.networks[IRC_NETWORK_ID]!.flood = { burst: 40, lines_per_second: 20 };
      writeFileSync(bridge.config.configPath, dump(document));
      process.kill(bridge.process.pid, 'SIGHUP');

      await waitForLog(bridge.process, 'Config reloaded');
      expect(bridge.logTail(50)).toMatch(/Config reloaded .*logging\.level.*irc\.networks\.e2e\.flood/);
      await watcher.waitForMember(staticChannel, BOT_NICK);
      await scene.alice.client.sendText(scene.roomId, 'said after the reload');
      await scene.op.waitForMessage((m) => m.nick === scene.alice.nick && m.message === 'said after the reload');
      scene.carol.say(scene.channel, 'heard after the reload');
      await scene.alice.client.waitForMessage(scene.roomId, 'heard after the reload');
      await pollUntil(async () => (bridge.logTail(2000).includes('DEBUG') ? true : undefined), { what: 'debug lines after the reload', timeoutMs: 10_000 });

      expect(quits).toEqual([]);
      expect(bridge.logTail(100_000).split('Connected to IRC').length).toBe(connectedBefore);
      expect(bridge.logTail(100_000)).not.toContain('IRC connection lost');

      // An invalid file is refused, naming the key; the bridge carries on with the config it has.
      document.irc.networks[IRC_NETWORK_ID]!.flood = { burst: 'lots' };
      writeFileSync(bridge.config.configPath, dump(document));
      process.kill(bridge.process.pid, 'SIGHUP');
      await waitForLog(bridge.process, 'Config reload refused');
      expect(bridge.logTail(20)).toContain('irc.networks.e2e.flood.burst');
      expect(isAlive(bridge.process.pid)).toBe(true);
      expect(quits).toEqual([]);
    } finally {
      await bridge.stop();
    }
  });
});

describe('start-up checks against the homeserver', () => {
  it('keeps pinging a homeserver that is not there yet, and logs when it answered, with the duration', async () => {
    const env = readE2eEnv();
    const [proxyPort] = await freePorts(1);
    // homeserver.url points at a port where the homeserver "starts" later: a forwarder to Synapse.
    const bridge = await startIrcBridge({ homeserver: { url: `http://127.0.0.1:${proxyPort}` } });
    let proxy: Server | undefined;
    try {
      await waitForLog(bridge.process, 'Cannot reach the homeserver yet');
      proxy = await forwardTo(env.homeserver.url, proxyPort!);
      await waitForLog(bridge.process, 'Homeserver reached the bridge', 90_000);
      expect(bridge.logTail(400)).toMatch(/INFO  Homeserver reached the bridge \{"component":"ping","durationMs":\d+,"attempts":([2-9]|\d\d+),"sinceStartMs":\d+\}/);
      // The cause was told once at warn, not at every attempt.
      expect(bridge.logTail(2000).split('WARN  Cannot reach the homeserver yet')).toHaveLength(2);
    } finally {
      await bridge.stop();
      proxy?.closeAllConnections();
      await new Promise((resolve) => (proxy ? proxy.close(resolve) : resolve(undefined)));
    }
  });

  it("names the as_token mismatch when the homeserver refuses the bridge's token", async () => {
    const env = readE2eEnv();
    const { dir, configPath } = writeBridgeConfig(env, { appservice: { registration: 'stale-registration.yaml' } });
    // A registration with the right hs_token (the homeserver reaches the bridge) but an as_token the homeserver never loaded.
    const registration = load(readFileSync(env.appservice.registrationPath, 'utf8')) as Record<string, unknown>;
    writeFileSync(join(dir, 'stale-registration.yaml'), dump({ ...registration, as_token: `${String(registration.as_token)}x` }));
    const bridge = await startBridge({ configPath });
    try {
      await waitForLog(bridge, 'as_token mismatch');
      expect(bridge.logTail(400)).toMatch(/ERROR The homeserver does not accept the bridge's as_token \(M_UNKNOWN_TOKEN\): as_token mismatch.*app_service_config_files/);
    } finally {
      await bridge.stop();
    }
  });

  it('refuses to run, before anything connects, with a config domain the registration does not cover; check-config says which to change', () => {
    const env = readE2eEnv();
    const { dir, configPath } = writeBridgeConfig(env, { homeserver: { domain: 'not-the-homeserver.test' } });
    for (const command of ['check-config', 'run']) {
      const result = cli([command, '-c', configPath], dir);
      expect(result.status).toBe(2);
      expect(result.output).toContain(`homeserver.domain: is "not-the-homeserver.test", but the registration's users namespace`);
      expect(result.output).toContain(`is for "${SERVER_NAME}": set homeserver.domain to your homeserver's server_name (${SERVER_NAME}?)`);
      expect(result.output).not.toMatch(/Starting the bridge|IRC connection/);
    }
    expect(existsSync(join(dir, 'bridge.db'))).toBe(false);
  });
});

describe('/health and /ready', () => {
  it('is live at once; /ready is 503 naming the IRC network while its bot cannot connect, then 200 once it is in, with the build-info metric', async () => {
    const env = readE2eEnv();
    const [metricsPort, ircPort] = await freePorts(2);
    // The network's port has no IRC server yet: a forwarder to ngIRCd opens there later.
    const bridge = await startIrcBridge({
      metrics: { enabled: true, bind_address: '127.0.0.1', port: metricsPort },
      irc: { networks: { e2e: { port: ircPort } } },
    });
    let forwarder: TcpServer | undefined;
    const ops = (path: string) => fetch(`http://127.0.0.1:${metricsPort}${path}`);
    try {
      expect((await ops('/health')).status).toBe(200);
      const notReady = await ops('/ready');
      expect(notReady.status).toBe(503);
      const body = await notReady.json() as { ok: boolean; notReady: string[]; details: { irc: { networks: Record<string, string> } } };
      expect(body.ok).toBe(false);
      expect(body.notReady).toContain('irc');
      expect(body.details.irc.networks.e2e).not.toBe('connected');

      forwarder = await forwardTcp(env.irc.host, env.irc.port, ircPort!);
      const ready = await pollUntil(async () => {
        const res = await ops('/ready');
        return res.status === 200 ? res.json() : undefined;
      }, { what: '/ready to answer 200', timeoutMs: 30_000, intervalMs: 200, detail: () => bridge.logTail(40) });
      expect(ready).toEqual({ ok: true, notReady: [], details: { store: 'ok', homeserver: 'ok', irc: { networks: { e2e: 'connected' } } } });
      const metrics = await (await ops('/metrics')).text();
      expect(metrics).toMatch(/bridgekit_build_info\{version="\d+\.\d+\.\d+[^"]*",core_version="\d+\.\d+\.\d+[^"]*"\} 1/);
      expect(metrics).toContain('bridgekit_homeserver_reachable 1');
    } finally {
      await bridge.stop();
      await new Promise((resolve) => (forwarder ? forwarder.close(resolve) : resolve(undefined)));
    }
  });
});

/** A TCP forwarder on `port` to `host:targetPort` (the IRC server, reachable from the moment it listens). */
function forwardTcp(host: string, targetPort: number, port: number): Promise<TcpServer> {
  const server = createTcpServer((socket) => {
    const upstream = tcpConnect(targetPort, host);
    socket.pipe(upstream).pipe(socket);
    const close = () => { socket.destroy(); upstream.destroy(); };
    socket.on('error', close);
    upstream.on('error', close);
    socket.on('close', close);
    upstream.on('close', close);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

/** A plain HTTP forwarder on `port` to `target`: the homeserver, reachable from the moment it listens. */
function forwardTo(target: string, port: number): Promise<Server> {
  const upstream = new URL(target);
  const server = createServer((req, res) => {
    const forwarded = request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    forwarded.on('error', () => res.destroy());
    req.pipe(forwarded);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}
