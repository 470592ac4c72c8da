/**
 * One benchmark world: a fresh temp dir, ngIRCd, the fake homeserver, an IRC observer joined to
 * every bridged channel (it sees what the IRC side sees: JOINs of puppets, lines they say), and
 * the bridge child. `create` returns once the bridge's bot has joined every channel.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BOT_NICK, BOT_USER_ID, channelName, DOMAIN, roomIdOf, writeConfig, writeRegistration, type NetworkOverrides } from './bridge/config';
import { BridgeProcess } from './bridge/process';
import type { ChildSpec } from './bridge/protocol';
import { FakeHomeserver } from './fake-hs/server';
import { freePort, Ircd } from './ircd';
import { BenchPostgres } from './postgres';
import { RawIrcClient, type IrcLine } from './irc-client';
import { profileArgs, type RunContext } from './scenario';
import { nowMs, waitFor } from './time';

export interface WorldOptions {
  /** The run this world is for: keep, CPU profiles and experiments come from its options. */
  ctx: RunContext;
  scenario: string;
  /** Static portals: `#bench` ↔ `!bench0:bench.test` for 1, else `#bench<i>` ↔ `!bench<i>:…`. */
  rooms: number;
  instrument: boolean;
  nodeArgs?: string[];
  network?: NetworkOverrides;
  roomConcurrency?: number;
  /** How long the bot may take to join every channel (default 30 s). */
  joinTimeoutMs?: number;
  /** The fake homeserver answers each message send this much later (default 0). */
  hsSendDelayMs?: number;
}

/** Counts what the observer sees, so scenarios can wait on the IRC side. */
export class ObserverTally {
  /** JOINs seen, by nicks other than the observer's. */
  joins = 0;
  readonly joinedNicks = new Set<string>();
  readonly lineListeners = new Set<(line: IrcLine) => void>();

  attach(client: RawIrcClient): void {
    client.onLine((line) => {
      if (line.command === 'JOIN' && line.from !== client.nick) {
        this.joins++;
        this.joinedNicks.add(line.from);
      }
      for (const listener of this.lineListeners) listener(line);
    });
  }

  reset(): void {
    this.joins = 0;
    this.joinedNicks.clear();
  }
}

export class World {
  readonly tally = new ObserverTally();
  readonly channels: string[];
  readonly roomIds: string[];
  bridge!: BridgeProcess;
  /** The bridge's store server with `--store postgres`. */
  postgres?: BenchPostgres;
  /** Monotonic time when the observer had seen the bot join every channel. */
  botJoinedAt = 0;

  private constructor(
    readonly dir: string,
    readonly ircd: Ircd,
    readonly hs: FakeHomeserver,
    public observer: RawIrcClient,
    private readonly options: WorldOptions,
  ) {
    this.channels = Array.from({ length: options.rooms }, (_, i) => channelName(i, options.rooms));
    this.roomIds = Array.from({ length: options.rooms }, (_, i) => roomIdOf(i));
    this.tally.attach(observer);
  }

  static async create(options: WorldOptions): Promise<World> {
    const postgres = options.ctx.options.store === 'postgres' ? await BenchPostgres.start() : undefined;
    try {
      return await World.createWith(options, postgres);
    } catch (error) {
      try {
        postgres?.stop();
      } catch {
        // the first error says more
      }
      throw error;
    }
  }

  private static async createWith(options: WorldOptions, postgres: BenchPostgres | undefined): Promise<World> {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'bridgekit-bench-'));
    const ircd = await Ircd.start(dir);
    const asPort = await freePort();
    const registration = writeRegistration(dir, asPort);
    const experiments = options.ctx.options.experiments;
    const hs = new FakeHomeserver({
      domain: DOMAIN, asToken: registration.asToken, hsToken: registration.hsToken, botUserId: BOT_USER_ID, echo: !experiments.includes('no-echo'),
      ...(options.hsSendDelayMs ? { sendDelayMs: options.hsSendDelayMs } : {}),
    });
    await hs.listen();
    const configPath = writeConfig(dir, {
      hsUrl: hs.url, asPort, ircPort: ircd.port, rooms: options.rooms,
      ...(options.network ? { network: options.network } : {}),
      ...(options.roomConcurrency ? { roomConcurrency: options.roomConcurrency } : {}),
      ...(postgres ? { databaseUrl: postgres.url } : {}),
    });
    const observer = await RawIrcClient.connect(ircd.port, 'observer');
    const world = new World(dir, ircd, hs, observer, options);
    world.postgres = postgres;
    try {
      for (const channel of world.channels) await observer.join(channel);
      const specPath = path.join(dir, 'child-spec.json');
      const spec: ChildSpec = { configPath, instrument: options.instrument, ircPort: ircd.port, botNick: BOT_NICK, experiments };
      writeFileSync(specPath, JSON.stringify(spec));
      const nodeArgs = [
        ...(options.nodeArgs ?? []),
        ...profileArgs(options.ctx, options.scenario),
        ...(experiments.includes('small-young-gen') ? ['--max-semi-space-size=2'] : []),
      ];
      world.bridge = await BridgeProcess.spawn({ specPath, logFile: path.join(dir, 'bridge.log'), nodeArgs, cwd: dir });
      hs.setBridge(world.bridge.port);
      await waitFor('the bridge bot to join every channel', () => world.tally.joins >= world.channels.length, options.joinTimeoutMs ?? 30_000);
      world.botJoinedAt = nowMs();
    } catch (error) {
      world.postgres = undefined; // create() stops it
      await world.close();
      throw error;
    }
    return world;
  }

  get logFile(): string {
    return path.join(this.dir, 'bridge.log');
  }

  /** A new observer after the IRC server restarted, joined to every channel again. */
  async reconnectObserver(): Promise<void> {
    this.observer.destroy();
    this.observer = await RawIrcClient.connect(this.ircd.port, 'observer');
    this.tally.attach(this.observer);
    for (const channel of this.channels) await this.observer.join(channel);
  }

  /** Closes everything this world started, in reverse order; the temp dir goes unless `keep`. */
  async close(): Promise<void> {
    await this.bridge?.stop().catch(() => undefined);
    await this.observer.quit().catch(() => undefined);
    await this.hs.close().catch(() => undefined);
    await this.ircd.stop().catch(() => undefined);
    try {
      this.postgres?.stop(this.options.ctx.options.keep);
    } catch {
      // already gone
    }
    if (!this.options.ctx.options.keep) rmSync(this.dir, { recursive: true, force: true });
  }
}
