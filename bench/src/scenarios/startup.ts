/**
 * Startup to ready with an empty store, using the real program (`node bridges/irc/dist/main.js
 * run --config …`, what a homeserver admin runs): from spawn until the appservice port accepts
 * connections and the bot has joined its channel on IRC.
 */
import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BOT_NICK, writeConfig } from '../bridge/config';
import { canConnect } from '../ircd';
import { startPeers } from '../peers';
import { RawIrcClient } from '../irc-client';
import { processCpuMs, procStatusBytes } from '../proc';
import { nowMs, sleep, waitFor, withTimeout } from '../time';
import { profileArgs, type RunContext, type RunResult, type Scenario } from '../scenario';

const REPO = path.resolve(__dirname, '..', '..', '..');
const BRIDGE_MAIN = path.join(REPO, 'bridges', 'irc', 'dist', 'main.js');

export const startup: Scenario = {
  name: 'startup',
  title: 'Startup to ready, empty store',
  measures: 'The real program is spawned with a fresh config, registration and no database. Ready = the appservice port '
    + 'accepts a TCP connection (polled every 2 ms) and the observer in the static room\'s channel has seen the bot JOIN; '
    + 'both counted from spawn, so Node\'s own boot and module loading are included (the floor `node -e 0` is listed). Stop = '
    + 'SIGTERM until the process has exited.',
  metrics: {
    readyMs: { unit: 'ms', label: 'spawn → ready (port open and IRC joined)' },
    portMs: { unit: 'ms', label: 'spawn → appservice port open' },
    ircMs: { unit: 'ms', label: 'spawn → bot joined on IRC' },
    nodeFloorMs: { unit: 'ms', label: 'floor: node -e 0, spawn → exit' },
    stopMs: { unit: 'ms', label: 'SIGTERM → exit' },
    cpuMs: { unit: 'ms', label: 'bridge CPU (user + system) spawn → ready; less load-sensitive than wall time' },
    rssMiB: { unit: 'MiB', label: 'bridge RSS at ready' },
  },
  targets: [{ metric: 'readyMs', op: '<=', value: 500, text: '≤ 0.5 s' }],
  run: runStartup,
};

async function nodeFloor(): Promise<number> {
  const t0 = nowMs();
  const child = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
  await new Promise((resolve) => child.once('exit', resolve));
  return nowMs() - t0;
}


async function runStartup(ctx: RunContext): Promise<RunResult> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bridgekit-bench-startup-'));
  const { ircd, asPort, hs } = await startPeers(dir);
  const configPath = writeConfig(dir, { hsUrl: hs.url, asPort, ircPort: ircd.port, rooms: 1 });
  const observer = await RawIrcClient.connect(ircd.port, 'observer');
  await observer.join('#bench');
  const log = openSync(path.join(dir, 'bridge.log'), 'a');
  try {
    const floor = await nodeFloor();
    let ircAt = 0;
    observer.onLine((l) => {
      if (!ircAt && l.command === 'JOIN' && l.from === BOT_NICK) ircAt = l.at;
    });
    const t0 = nowMs();
    const child = spawn(process.execPath, [...profileArgs(ctx, 'startup'), BRIDGE_MAIN, 'run', '--config', configPath], { cwd: dir, stdio: ['ignore', log, log] });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const portAt = await waitFor('the appservice port to open', async () => (child.exitCode === null ? (await canConnect(asPort)) && nowMs() : (() => {
      throw new Error(`the bridge exited with code ${child.exitCode} during startup; see ${dir}/bridge.log (run with --keep)`);
    })()), 30_000, 2);
    await waitFor('the bot to join its channel', () => ircAt, 30_000, 2);
    const ready = Math.max(portAt, ircAt);
    const cpuMs = processCpuMs(child.pid);
    const rssMiB = child.pid === undefined ? undefined : procStatusBytes(child.pid, 'VmRSS') / 2 ** 20;
    await sleep(200); // let the start-up requests (bot join, ping) finish before stopping
    const stopAt = nowMs();
    child.kill('SIGTERM');
    await withTimeout(exited, 15_000, 'the bridge to exit after SIGTERM').catch(() => child.kill('SIGKILL'));
    return {
      metrics: { readyMs: ready - t0, portMs: portAt - t0, ircMs: ircAt - t0, nodeFloorMs: floor, stopMs: nowMs() - stopAt, ...(cpuMs !== undefined ? { cpuMs } : {}), ...(rssMiB !== undefined ? { rssMiB } : {}) },
      notes: hs.unexpected.length ? [`unexpected homeserver requests: ${hs.unexpected.join(', ')}`] : [],
    };
  } finally {
    closeSync(log);
    await observer.quit().catch(() => undefined);
    await hs.close();
    await ircd.stop();
    if (!ctx.options.keep) rmSync(dir, { recursive: true, force: true });
  }
}
