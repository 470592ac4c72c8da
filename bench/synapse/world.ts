/**
 * The servers of the Synapse benchmark: the e2e harness's Synapse (its venv, its loopback
 * config, rate limits lifted), the bench's ngIRCd, and the IRC bridge as a user runs it
 * (`bridges/irc/dist/main.js run`), with a fresh store. A Matrix user owns the portal rooms and
 * watches them through /sync, which is where "a line reached Matrix" is measured.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { homeserverConfig, startSynapse, writeYaml, type StartedSynapse } from '../../test/e2e/harness/synapse';
import { encode, matrixRequest, registerWithSharedSecret } from '../../test/e2e/harness/matrix-http';
import { BOT_USER_ID, channelName, DOMAIN, writeConfig, writeRegistration } from '../src/bridge/config';
import { freePort, Ircd } from '../src/ircd';
import { nowMs, waitFor, withTimeout } from '../src/time';
import type { Registration } from '@bridgekit/appservice';

// Compiled to bench/synapse/dist/bench/synapse/.
const REPO = path.resolve(__dirname, '..', '..', '..', '..', '..');
const BRIDGE_MAIN = path.join(REPO, 'bridges', 'irc', 'dist', 'main.js');

/** A Matrix message seen by the watching user: when /sync returned it, and its text. */
export interface Arrival {
  roomId: string;
  body: string;
  sender: string;
  at: number;
}

export interface SynapseWorldOptions {
  rooms: number;
  /** The bridge's ingest.room_concurrency (default: the bridge's own, 8). */
  roomConcurrency?: number;
  keep?: boolean;
}

export class SynapseWorld {
  bridge: ChildProcess | undefined;
  private syncing = true;
  private syncLoop: Promise<void> = Promise.resolve();
  private readonly listeners = new Set<(a: Arrival) => void>();

  private constructor(
    readonly dir: string,
    readonly synapse: StartedSynapse,
    readonly ircd: Ircd,
    readonly registration: Registration,
    readonly user: { userId: string; accessToken: string },
    readonly roomIds: string[],
    private readonly keep: boolean,
  ) {}

  static async create(options: SynapseWorldOptions): Promise<SynapseWorld> {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'bridgekit-bench-synapse-'));
    const [hsPort, asPort] = [await freePort(), await freePort()];
    const registration = writeRegistration(dir, asPort);
    const secret = randomBytes(16).toString('hex');
    const dataDir = path.join(dir, 'synapse');
    mkdirSync(dataDir, { recursive: true });
    const hsConfig = path.join(dir, 'homeserver.yaml');
    writeYaml(hsConfig, homeserverConfig({
      serverName: DOMAIN, port: hsPort, dataDir, registrationSharedSecret: secret,
      macaroonSecretKey: randomBytes(16).toString('hex'), formSecret: randomBytes(16).toString('hex'),
      appserviceConfigFiles: [path.join(dir, 'registration.yaml')],
    }));
    const synapse = await startSynapse({ configPath: hsConfig, runDir: dir, logDir: dir, port: hsPort });
    let ircd: Ircd | undefined;
    try {
      ircd = await Ircd.start(dir);
      return await SynapseWorld.setUp(dir, synapse, ircd, registration, secret, asPort, options);
    } catch (error) {
      // setUp closes a world it made; what came before it is stopped here.
      if (!(error instanceof WorldClosed)) {
        await stopSynapse(synapse);
        await ircd?.stop();
      }
      throw error instanceof WorldClosed ? error.cause : error;
    }
  }

  private static async setUp(dir: string, synapse: StartedSynapse, ircd: Ircd, registration: Registration, secret: string, asPort: number, options: SynapseWorldOptions): Promise<SynapseWorld> {
    const user = await registerWithSharedSecret(synapse.url, secret, { localpart: 'watcher', password: randomBytes(8).toString('hex'), admin: false });
    const roomIds: string[] = [];
    for (let i = 0; i < options.rooms; i++) {
      const { room_id: roomId } = await matrixRequest<{ room_id: string }>(synapse.url, 'POST', '/_matrix/client/v3/createRoom', {
        accessToken: user.accessToken, json: { preset: 'public_chat', name: `bench ${i}` },
      });
      roomIds.push(roomId);
    }
    const configPath = writeConfig(dir, {
      hsUrl: synapse.url, asPort, ircPort: ircd.port, rooms: options.rooms,
      network: { static_rooms: roomIds.map((roomId, i) => ({ channel: channelName(i, options.rooms), room_id: roomId })) },
      ...(options.roomConcurrency ? { roomConcurrency: options.roomConcurrency } : {}),
    });
    const world = new SynapseWorld(dir, synapse, ircd, registration, user, roomIds, options.keep ?? false);
    try {
      world.startBridge(configPath);
      await world.startSync();
      // Ready: the bot is in every portal room (it joins them at start-up).
      await waitFor('the bridge bot to join every room', async () => {
        if (world.bridge?.exitCode !== null) throw new Error(`the bridge exited with code ${world.bridge?.exitCode}; see ${dir}/bridge.log (run with --keep)`);
        for (const roomId of roomIds) {
          const { joined } = await matrixRequest<{ joined: Record<string, unknown> }>(synapse.url, 'GET', `/_matrix/client/v3/rooms/${encode(roomId)}/joined_members`, { accessToken: user.accessToken });
          if (!(BOT_USER_ID in joined)) return false;
        }
        return true;
      }, 60_000, 200);
    } catch (error) {
      await world.close();
      throw new WorldClosed(error);
    }
    return world;
  }

  /** user + system CPU milliseconds so far of Synapse and of the bridge (Linux /proc, 10 ms ticks). */
  cpu(): { synapse: number; bridge: number } {
    return { synapse: processCpuMs(this.synapse.pid), bridge: processCpuMs(this.bridge?.pid) };
  }

  /** Calls `listener` for every message /sync returns from now on; returns the unsubscribe. */
  onArrival(listener: (a: Arrival) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.syncing = false;
    if (this.bridge && this.bridge.exitCode === null) {
      const exited = new Promise<void>((resolve) => this.bridge?.once('exit', () => resolve()));
      this.bridge.kill('SIGTERM');
      await withTimeout(exited, 15_000, 'the bridge to exit').catch(() => this.bridge?.kill('SIGKILL'));
    }
    await this.syncLoop.catch(() => undefined);
    await stopSynapse(this.synapse);
    await this.ircd.stop();
    if (!this.keep) rmSync(this.dir, { recursive: true, force: true });
  }

  private startBridge(configPath: string): void {
    const log = openSync(path.join(this.dir, 'bridge.log'), 'a');
    this.bridge = spawn(process.execPath, [BRIDGE_MAIN, 'run', '--config', configPath], { cwd: this.dir, stdio: ['ignore', log, log] });
    closeSync(log);
  }

  /** Long-polls /sync (30 s) until closed; the first, empty-timeout call only sets the position. */
  private async startSync(): Promise<void> {
    const sync = (since: string | undefined, timeout: number) => matrixRequest<SyncReply>(this.synapse.url, 'GET', '/_matrix/client/v3/sync', {
      accessToken: this.user.accessToken, query: { since, timeout, filter: SYNC_FILTER }, timeoutMs: timeout + 30_000,
    });
    let since = (await sync(undefined, 0)).next_batch;
    this.syncLoop = (async () => {
      while (this.syncing) {
        const reply = await sync(since, 5_000);
        const at = nowMs();
        since = reply.next_batch;
        for (const [roomId, room] of Object.entries(reply.rooms?.join ?? {})) {
          for (const event of room.timeline?.events ?? []) {
            if (event.type !== 'm.room.message' || typeof event.content?.body !== 'string') continue;
            for (const listener of this.listeners) listener({ roomId, body: event.content.body, sender: event.sender, at });
          }
        }
      }
    })();
  }
}

function processCpuMs(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10; // USER_HZ = 100
}

/** A failure inside `setUp`, after which the world was closed already. */
class WorldClosed extends Error {
  constructor(override readonly cause: unknown) {
    super('the world was closed after a failure');
  }
}

async function stopSynapse(synapse: StartedSynapse): Promise<void> {
  if (synapse.child.exitCode !== null || synapse.child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => synapse.child.once('exit', () => resolve()));
  synapse.child.kill('SIGTERM');
  await withTimeout(exited, 20_000, 'Synapse to exit').catch(() => synapse.child.kill('SIGKILL'));
}

// Messages only, and a long timeline per sync so a burst is never cut into a `limited` gap.
const SYNC_FILTER = JSON.stringify({ room: { timeline: { limit: 1000, types: ['m.room.message'] }, state: { types: [] }, ephemeral: { types: [] } }, presence: { types: [] }, account_data: { types: [] } });

interface SyncReply {
  next_batch: string;
  rooms?: { join?: Record<string, { timeline?: { events?: Array<{ type: string; sender: string; content?: { body?: unknown } }> } }> };
}
