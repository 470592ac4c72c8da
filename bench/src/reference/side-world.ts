/**
 * A world for the side-by-side runs: ngIRCd, the fake homeserver, an observer in every bridged
 * channel, and one bridge under test spawned as its real program (Bridgekit's
 * `bridgekit-irc run`, or the reference's `app.js`). Both are measured the same way, from
 * outside: CPU from /proc/<pid>/stat, RSS from /proc/<pid>/status. `create` returns once the
 * appservice port accepts and the bridge's bot has joined every channel.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BOT_NICK, BOT_USER_ID, channelName, roomIdOf, writeConfig } from '../bridge/config';
import { FakeHomeserver } from '../fake-hs/server';
import { canConnect, type Ircd } from '../ircd';
import { RawIrcClient } from '../irc-client';
import { startPeers } from '../peers';
import { processCpuMs, procStatusBytes } from '../proc';
import { nowMs, sleep, waitFor, withTimeout } from '../time';
import { ObserverTally } from '../world';
import { REFERENCE_DIR, writeReferenceFiles } from './config';
import { collectGarbage, inspectorUrl } from './inspector-gc';

export type Bridge = 'reference' | 'bridgekit';

const REPO = path.resolve(__dirname, '..', '..', '..');
const BRIDGEKIT_MAIN = path.join(REPO, 'bridges', 'irc', 'dist', 'main.js');
const READY_TIMEOUT_MS = 60_000;

export interface SideWorldOptions {
  bridge: Bridge;
  rooms: number;
  keep: boolean;
  /** Run the bridge with its inspector on (a random loopback port), so `gc()` can force full GCs. */
  inspect?: boolean;
}

export class SideWorld {
  readonly tally = new ObserverTally();
  readonly channels: string[];
  readonly roomIds: string[];
  child!: ChildProcess;
  spawnedAt = 0;
  portAt = 0;
  botJoinedAt = 0;
  private exited: Promise<void> = Promise.resolve();

  private constructor(readonly dir: string, readonly ircd: Ircd, readonly hs: FakeHomeserver, readonly observer: RawIrcClient, private readonly options: SideWorldOptions) {
    this.channels = Array.from({ length: options.rooms }, (_, i) => channelName(i, options.rooms));
    this.roomIds = Array.from({ length: options.rooms }, (_, i) => roomIdOf(i));
    this.tally.attach(observer);
  }

  static async create(options: SideWorldOptions): Promise<SideWorld> {
    const dir = mkdtempSync(path.join(os.tmpdir(), `bench-side-${options.bridge}-`));
    const { ircd, asPort, registration, hs } = await startPeers(dir);
    // The portal rooms exist before the bridge starts, with the state Synapse gives a new room
    // (creator and power levels), so a bridge that reads or changes power levels finds them.
    for (let i = 0; i < options.rooms; i++) {
      hs.model.setState(roomIdOf(i), BOT_USER_ID, 'm.room.create', '', { creator: BOT_USER_ID, room_version: '10' });
      hs.model.setState(roomIdOf(i), BOT_USER_ID, 'm.room.power_levels', '', {
        users: { [BOT_USER_ID]: 100 }, users_default: 0, events_default: 0, state_default: 50, ban: 50, kick: 50, redact: 50, invite: 0,
      });
    }
    const observer = await RawIrcClient.connect(ircd.port, 'observer');
    const world = new SideWorld(dir, ircd, hs, observer, options);
    try {
      for (const channel of world.channels) await observer.join(channel);
      observer.onLine((l) => {
        if (!world.botJoinedAt && l.command === 'JOIN' && l.from === BOT_NICK) world.botJoinedAt = l.at;
      });
      const files = { hsUrl: hs.url, asPort, ircPort: ircd.port, rooms: options.rooms };
      const argv = options.bridge === 'bridgekit'
        ? [BRIDGEKIT_MAIN, 'run', '--config', writeConfig(dir, files)]
        : (() => {
          const ref = writeReferenceFiles(dir, { ...files, asToken: registration.asToken, hsToken: registration.hsToken });
          return [path.join(REFERENCE_DIR, 'app.js'), '-c', ref.configPath, '-f', ref.registrationPath, '-p', String(asPort)];
        })();
      await world.spawn([...(options.inspect ? ['--inspect=127.0.0.1:0'] : []), ...argv], asPort);
    } catch (error) {
      await world.close();
      throw error;
    }
    return world;
  }

  private async spawn(argv: string[], asPort: number): Promise<void> {
    const log = openSync(this.logFile, 'a');
    this.spawnedAt = nowMs();
    this.child = spawn(process.execPath, argv, { cwd: this.dir, stdio: ['ignore', log, log] });
    closeSync(log);
    this.exited = new Promise((resolve) => this.child.once('exit', () => resolve()));
    const alive = () => {
      if (this.child.exitCode !== null) throw new Error(`the bridge exited with code ${this.child.exitCode} during startup; see ${this.logFile}`);
    };
    this.portAt = await waitFor('the appservice port to open', async () => (alive(), (await canConnect(asPort)) && nowMs()), READY_TIMEOUT_MS, 2);
    await waitFor('the bot to join every channel', () => (alive(), this.tally.joins >= this.channels.length), READY_TIMEOUT_MS, 2);
  }

  get logFile(): string {
    return path.join(this.dir, 'bridge.log');
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  /** user + system CPU of the bridge process so far, in ms (10 ms ticks). */
  cpuMs(): number {
    return processCpuMs(this.pid) ?? Number.NaN;
  }

  rss(): number {
    return procStatusBytes(this.pid, 'VmRSS');
  }

  /** Two full GCs in the bridge (needs `inspect`). */
  async gc(): Promise<void> {
    await collectGarbage(await inspectorUrl(this.logFile));
  }

  peakRss(): number {
    return procStatusBytes(this.pid, 'VmHWM');
  }

  /** Waits until the homeserver has nothing left to push and `quietMs` passed without a request from the bridge. */
  async settle(quietMs: number, timeoutMs: number): Promise<void> {
    const deadline = nowMs() + timeoutMs;
    let last = -1;
    for (;;) {
      const seen = [...this.hs.requests.values()].reduce((a, b) => a + b, 0) + this.hs.pusher.eventsPushed;
      if (seen === last && this.hs.pusher.isIdle) return;
      if (nowMs() > deadline) return;
      last = seen;
      await sleep(quietMs);
    }
  }

  async close(): Promise<void> {
    if (this.child && this.child.exitCode === null) {
      this.child.kill('SIGTERM');
      await withTimeout(this.exited, 15_000, 'the bridge to exit').catch(() => this.child.kill('SIGKILL'));
    }
    await this.observer.quit().catch(() => undefined);
    await this.hs.close().catch(() => undefined);
    await this.ircd.stop().catch(() => undefined);
    if (!this.options.keep) rmSync(this.dir, { recursive: true, force: true });
  }
}
