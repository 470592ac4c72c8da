/**
 * `npm run stack` as a newcomer uses it: started from a shell on ports of its own, chatted through
 * with a plain IRC client and a Matrix client over HTTP, stopped with Ctrl-C (SIGINT to the whole
 * process group, as a terminal sends it), started again on the data it kept.
 *
 * The servers of this run's global setup are not used here: the stack starts its own Synapse,
 * ngIRCd and bridge, which is what is under test.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectIrc, disconnectAllIrc, uniqueNick } from './harness/irc-client';
import { MatrixClient } from './harness/matrix-client';
import { loginWithPassword } from './harness/matrix-http';
import { REPO_ROOT } from './harness/paths';
import { freePorts } from '@bridgekit/appservice/testing';
import { isAlive } from './harness/processes';
import { delay, pollUntil } from './harness/wait';
import { STACK_LOG_LIMITS } from '../../stack/capped-log';

/** The stack's first banner line (stack/banner.ts READY_HEADLINE). */
const READY = 'Bridgekit is running';
/** A cold start builds, may install, and migrates a fresh Synapse database. */
const START_TIMEOUT_MS = 240_000;

interface RunningStack {
  child: ChildProcess;
  output(): string;
  /** Resolves with the output once `pattern` appears; rejects if the stack exits first. */
  waitFor(pattern: RegExp | string, timeoutMs: number): Promise<string>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function runStack(env: Record<string, string>): RunningStack {
  // Its own process group, like a shell job: SIGINT to -pid is what Ctrl-C in a terminal does.
  const child = spawn('npm', ['run', 'stack'], { cwd: REPO_ROOT, env: { ...process.env, ...env }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  const listeners = new Set<() => void>();
  const append = (chunk: Buffer): void => {
    text += chunk.toString();
    for (const listener of listeners) listener();
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  let hasExited = false;
  void exited.then(() => {
    hasExited = true;
    for (const listener of listeners) listener();
  });
  return {
    child,
    output: () => text,
    exited,
    waitFor: (pattern, timeoutMs) =>
      new Promise((resolve, reject) => {
        const matches = (): boolean => (typeof pattern === 'string' ? text.includes(pattern) : pattern.test(text));
        const done = (err?: Error): void => {
          clearTimeout(timer);
          listeners.delete(check);
          if (err) reject(err);
          else resolve(text);
        };
        const check = (): void => {
          if (matches()) done();
          else if (hasExited) done(new Error(`npm run stack exited before printing ${String(pattern)}; its output:\n${text}`));
        };
        const timer = setTimeout(() => done(new Error(`npm run stack did not print ${String(pattern)} within ${timeoutMs} ms; its output:\n${text}`)), timeoutMs);
        listeners.add(check);
        check();
      }),
  };
}

function isRunning(stack: RunningStack | undefined): stack is RunningStack {
  return stack !== undefined && stack.child.exitCode === null && stack.child.signalCode === null;
}

/** The stack the first scenario started; later scenarios build on it. */
function requireRunning(stack: RunningStack | undefined): RunningStack {
  if (isRunning(stack)) return stack;
  throw new Error(`npm run stack is not running (it failed to start above); its output:\n${(stack as RunningStack | undefined)?.output() ?? '(never started)'}`);
}

/** SIGINT to the stack's process group, as Ctrl-C in its terminal. */
function pressCtrlC(stack: RunningStack): void {
  process.kill(-(stack.child.pid as number), 'SIGINT');
}

/** What the banner tells a person, read the way they would read it. */
interface Banner {
  homeserverUrl: string;
  localpart: string;
  password: string;
  alias: string;
  ircHost: string;
  ircPort: number;
  channel: string;
  /** The bridge bot's Matrix ID, the one to DM for the admin room. */
  botUserId: string;
}

function readBanner(output: string): Banner {
  const field = (pattern: RegExp): RegExpExecArray => {
    const match = pattern.exec(output);
    if (!match) throw new Error(`the stack's banner has no line matching ${pattern}:\n${output}`);
    return match;
  };
  const account = field(/sign in as\s+(\S+)\s+password\s+(\S+)/);
  const irc = field(/server\s+(\S+)\s+port\s+(\d+)/);
  return {
    homeserverUrl: field(/homeserver\s+(http:\/\/\S+)/)[1] as string,
    localpart: account[1] as string,
    password: account[2] as string,
    alias: field(/room\s+(#\S+)/)[1] as string,
    ircHost: irc[1] as string,
    ircPort: Number(irc[2]),
    channel: field(/channel\s+(#\S+)/)[1] as string,
    botUserId: field(/DM (@\S+:\S+) for the admin room/)[1] as string,
  };
}

interface RunningRecord {
  launcherPid: number;
  processes: Array<{ name: string; pid: number }>;
}

function scratchBase(): string {
  return existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
}

const GHOST_PREFIX = '@_irc_local_';

/**
 * Lets the first run end with nothing left for Synapse to push: the IRC users of earlier tests
 * have left the room, and a last message from Matrix reached IRC, so every transaction was
 * delivered. Synapse on SQLite then numbers its transactions from 1 again after its restart,
 * reusing IDs the bridge has seen: the restart test below proves the bridge still takes them.
 */
async function settleBeforeStopping(running: RunningStack): Promise<void> {
  const banner = readBanner(running.output());
  const matrix = new MatrixClient(await loginWithPassword(banner.homeserverUrl, banner.localpart, banner.password), banner.homeserverUrl);
  const roomId = await matrix.resolveAlias(banner.alias);
  await pollUntil(async () => (Object.keys(await matrix.joinedMembers(roomId)).some((id) => id.startsWith(GHOST_PREFIX)) ? undefined : true), {
    what: 'the ghosts of the earlier IRC users to leave the room',
    timeoutMs: 30_000,
    intervalMs: 200,
  });
  // Stays connected through Ctrl-C: the bridge stops first and never sees it leave.
  const stayer = await connectIrc(uniqueNick('stay'), { host: banner.ircHost, port: banner.ircPort });
  await stayer.join(banner.channel);
  await matrix.waitForEvent(roomId, (e) => e.type === 'm.room.member' && e.content.membership === 'join' && e.content.displayname === stayer.nick, 30_000);
  const last = `last word before Ctrl-C ${Date.now()}`;
  await matrix.sendText(roomId, last);
  await stayer.waitForMessage((m) => m.message.includes(last), 30_000);
}

describe('npm run stack', () => {
  let dataDir: string;
  let env: Record<string, string>;
  let stack: RunningStack | undefined;
  let recorded: RunningRecord | undefined;

  beforeAll(async () => {
    const [synapsePort, ircPort, bridgePort] = (await freePorts(3)).map(String) as [string, string, string];
    dataDir = mkdtempSync(join(scratchBase(), 'bridgekit-stack-'));
    env = { STACK_DIR: dataDir, STACK_SYNAPSE_PORT: synapsePort, STACK_IRC_PORT: ircPort, STACK_BRIDGE_PORT: bridgePort };
  });

  afterEach(async () => {
    await disconnectAllIrc();
  });

  afterAll(async () => {
    // Only after a failed test: never leave servers holding ports behind.
    if (isRunning(stack)) process.kill(-(stack.child.pid as number), 'SIGKILL');
    // The servers run in process groups of their own: stop those of the run that is on record
    // now (a test that failed mid-restart never read the second run's record).
    const onRecord = existsSync(join(dataDir, 'running.json')) ? (JSON.parse(readFileSync(join(dataDir, 'running.json'), 'utf8')) as RunningRecord) : undefined;
    for (const { pid } of [...(recorded?.processes ?? []), ...(onRecord?.processes ?? [])]) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  }, 30_000);

  let firstRoomId: string;
  /** Set on IRC before the restart; the room must still have it after. */
  const TOPIC = `what we talk about here ${Date.now()}`;
  /** The bridge's log as the first run left it. */
  let firstRunBridgeLog: string;

  it('starts Synapse, ngIRCd and the bridge and says how to reach them', async () => {
    stack = runStack(env);
    const output = await stack.waitFor(READY, START_TIMEOUT_MS);
    expect(output).toMatch(/Starting Synapse.*… ready in \d+\.\d s/);
    expect(output).toMatch(/Starting the bridge… ready in \d+\.\d s/);
    const banner = readBanner(output);
    expect(banner.homeserverUrl).toBe(`http://127.0.0.1:${env.STACK_SYNAPSE_PORT}`);
    expect(banner.ircPort).toBe(Number(env.STACK_IRC_PORT));
    expect(banner.alias).toBe('#irc_local_#bridgekit:localhost');
    // The registration's sender_localpart on the stack's server name.
    const registration = readFileSync(join(dataDir, 'bridge', 'registration.yaml'), 'utf8');
    expect(banner.botUserId).toBe(`@${/^sender_localpart: (\S+)$/m.exec(registration)?.[1]}:localhost`);
    expect(output).toMatch(new RegExp(`bridge bot\\s+${banner.botUserId}\\s`));
    recorded = JSON.parse(readFileSync(join(dataDir, 'running.json'), 'utf8')) as RunningRecord;
    expect(recorded.processes.map((p) => p.name).sort()).toEqual(['Synapse', 'ngIRCd', 'the bridge']);
  }, START_TIMEOUT_MS + 10_000);

  it('carries messages between a plain IRC client and a Matrix client in the portal room', async () => {
    const banner = readBanner(requireRunning(stack).output());
    const matrix = new MatrixClient(await loginWithPassword(banner.homeserverUrl, banner.localpart, banner.password), banner.homeserverUrl);
    firstRoomId = await matrix.joinRoom(banner.alias);

    const irc = await connectIrc(uniqueNick('newbie'), { host: banner.ircHost, port: banner.ircPort });
    await irc.join(banner.channel);
    // The bridge's bot joined when the stack opened the portal: it must be in the NAMES reply.
    const names = await irc.waitForRawLine((line) => / 353 \S+ [=*@] #bridgekit :/i.test(line));
    expect(names.split(':').pop()?.trim().split(/\s+/).length).toBeGreaterThanOrEqual(2);

    const fromIrc = `hello from IRC ${Date.now()}`;
    irc.say(banner.channel, fromIrc);
    const event = await matrix.waitForMessage(firstRoomId, new RegExp(fromIrc), 30_000);
    expect(event.sender).not.toBe(matrix.userId);

    const fromMatrix = `hello from Matrix ${Date.now()}`;
    await matrix.sendText(firstRoomId, fromMatrix);
    const line = await irc.waitForMessage((m) => m.target.toLowerCase() === banner.channel && m.message.includes(fromMatrix), 30_000);
    expect(line.nick).not.toBe(irc.nick);
  }, 90_000);

  it('shows an IRC user in the room as soon as they join, before they say anything', async () => {
    const banner = readBanner(requireRunning(stack).output());
    const matrix = new MatrixClient(await loginWithPassword(banner.homeserverUrl, banner.localpart, banner.password), banner.homeserverUrl);
    const quiet = await connectIrc(uniqueNick('quiet'), { host: banner.ircHost, port: banner.ircPort });
    await quiet.join(banner.channel);
    // membership_sync: all: the ghost joins on the IRC JOIN; nothing is said in the channel.
    const joined = await matrix.waitForEvent(firstRoomId, (e) => e.type === 'm.room.member' && e.content.membership === 'join' && e.content.displayname === quiet.nick, 30_000);
    expect(Object.keys(await matrix.joinedMembers(firstRoomId))).toContain(joined.state_key);
    expect(quiet.receivedMessages).toEqual([]);
  }, 60_000);

  it('answers a DM to the bot the banner names with an admin room', async () => {
    const banner = readBanner(requireRunning(stack).output());
    const matrix = new MatrixClient(await loginWithPassword(banner.homeserverUrl, banner.localpart, banner.password), banner.homeserverUrl);
    const dm = await matrix.createRoom({ invite: [banner.botUserId], isDirect: true, preset: 'trusted_private_chat' });
    const greeting = await matrix.waitForEvent(dm, (e) => e.type === 'm.room.message' && e.sender === banner.botUserId, 30_000);
    expect(String(greeting.content.body)).toMatch(/admin room/i);
  }, 60_000);

  it('copies a topic set on IRC into the room (kept across the restart below)', async () => {
    const banner = readBanner(requireRunning(stack).output());
    const matrix = new MatrixClient(await loginWithPassword(banner.homeserverUrl, banner.localpart, banner.password), banner.homeserverUrl);
    const irc = await connectIrc(uniqueNick('topic'), { host: banner.ircHost, port: banner.ircPort });
    await irc.join(banner.channel);
    irc.setTopic(banner.channel, TOPIC);
    await matrix.waitForEvent(firstRoomId, (e) => e.type === 'm.room.topic' && e.content.topic === TOPIC, 30_000);
  }, 60_000);

  it('stops all three servers on Ctrl-C and keeps the data folder', async () => {
    const running = requireRunning(stack);
    const pids = [recorded?.launcherPid, ...(recorded?.processes ?? []).map((p) => p.pid)] as number[];
    await settleBeforeStopping(running);
    pressCtrlC(running);
    await running.exited;
    await running.waitFor('Stopped. Data kept in', 5_000);
    // Exited processes may take a moment to be reaped by their parent.
    for (let i = 0; i < 50 && pids.some(isAlive); i++) await delay(100);
    expect(pids.filter(isAlive)).toEqual([]);
    expect(existsSync(join(dataDir, 'running.json'))).toBe(false);
    expect(existsSync(join(dataDir, 'synapse', 'homeserver.db'))).toBe(true);
    firstRunBridgeLog = readFileSync(join(dataDir, 'logs', 'bridge.log'), 'utf8');
  }, 60_000);

  it('starts again on the kept data, with the same account and portal room', async () => {
    stack = runStack(env);
    const output = await stack.waitFor(READY, START_TIMEOUT_MS);
    expect(output).toMatch(/registration reused/);
    expect(output).toMatch(/Matrix account "demo"… reused/);
    const banner = readBanner(output);
    const matrix = new MatrixClient(await loginWithPassword(banner.homeserverUrl, banner.localpart, banner.password), banner.homeserverUrl);
    expect(await matrix.resolveAlias(banner.alias)).toBe(firstRoomId);
    // The kept portal still carries messages: the bridge rejoined the channel on its own.
    const irc = await connectIrc(uniqueNick('again'), { host: banner.ircHost, port: banner.ircPort });
    await irc.join(banner.channel);
    const text = `still bridged ${Date.now()}`;
    irc.say(banner.channel, text);
    await matrix.waitForMessage(firstRoomId, new RegExp(text), 30_000);
    // The bridge handles a room's IRC events in order: what it made of joining the channel again
    // (the topic the IRC server reports, if any) came before this message, so the topic is final.
    await expect(matrix.getState(firstRoomId, 'm.room.topic')).resolves.toMatchObject({ topic: TOPIC });
    // And the other way: Synapse (SQLite) numbers its transactions from 1 again after its restart,
    // IDs the bridge already saw in the first run, yet these are new events.
    const fromMatrix = `Matrix still bridged ${Date.now()}`;
    await matrix.sendText(firstRoomId, fromMatrix);
    await irc.waitForMessage((m) => m.target.toLowerCase() === banner.channel && m.message.includes(fromMatrix), 30_000);
    await irc.quit();
    recorded = JSON.parse(readFileSync(join(dataDir, 'running.json'), 'utf8')) as RunningRecord;

    // Each start writes fresh, size-capped logs; the first run's are kept whole as <name>.1.
    const logs = readdirSync(join(dataDir, 'logs')).sort();
    expect(logs).toEqual(expect.arrayContaining(['bridge.log', 'bridge.log.1', 'ngircd.log', 'ngircd.log.1', 'synapse.log', 'synapse.log.1']));
    for (const name of logs) expect(statSync(join(dataDir, 'logs', name)).size).toBeLessThanOrEqual(STACK_LOG_LIMITS.maxBytes);
    expect(readFileSync(join(dataDir, 'logs', 'bridge.log.1'), 'utf8')).toBe(firstRunBridgeLog);

    pressCtrlC(stack);
    await stack.exited;
    const pids = [recorded.launcherPid, ...recorded.processes.map((p) => p.pid)];
    for (let i = 0; i < 50 && pids.some(isAlive); i++) await delay(100);
    expect(pids.filter(isAlive)).toEqual([]);
  }, START_TIMEOUT_MS + 30_000);

  it('refuses to start when a port is taken, naming the port and the variable that moves it', async () => {
    const blocker: Server = createServer();
    const port = Number(env.STACK_IRC_PORT);
    await new Promise<void>((resolve, reject) => {
      // Rejects when the port is still held, e.g. by a stack an earlier failed test left running.
      blocker.once('error', reject);
      blocker.listen(port, '127.0.0.1', resolve);
    });
    try {
      const blocked = runStack(env);
      const { code } = await blocked.exited;
      expect(code).not.toBe(0);
      expect(blocked.output()).toContain(`Port ${port} on 127.0.0.1, for the IRC server, is already in use`);
      expect(blocked.output()).toContain(`STACK_IRC_PORT=<port> npm run stack`);
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
  }, 120_000);
});
