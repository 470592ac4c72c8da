/**
 * The bridge under test, in a process of its own so its CPU time and RSS are its own: the same
 * assembly as `bridgekit-irc run` (loadConfig, loadRegistration, IrcConnector, Bridge), plus
 * optional probes (probes.ts) and an IPC channel the harness uses to read CPU, memory, puppet
 * states and probe stamps. Started by process.ts; argv[2] is the path of a ChildSpec JSON file.
 */
import { readFileSync } from 'node:fs';
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { writeHeapSnapshot } from 'node:v8';
import { Bridge, loadConfig, loadRegistration } from '@bridgekit/appservice';
import { IrcConnector } from '@bridgekit/irc';
import { nowMs } from '../time';
import { installProbes, type Probes } from './probes';
import { installPuppetFilter } from './puppet-filter';
import type { ChildReply, ChildRequest, ChildSpec, ChildStats, Pauses, PuppetCounts, WatchedTimes } from './protocol';

async function main(): Promise<void> {
  const spec = JSON.parse(readFileSync(process.argv[2] ?? '', 'utf8')) as ChildSpec;
  if (spec.experiments.includes('puppet-filter')) installPuppetFilter({ ircPort: spec.ircPort, botNick: spec.botNick });
  const probes: Probes | undefined = spec.instrument ? installProbes({ ircPort: spec.ircPort, botNick: spec.botNick }) : undefined;
  const config = loadConfig(spec.configPath);
  const registration = loadRegistration(config.appservice.registration);
  const connector = new IrcConnector(config);
  const bridge = new Bridge({ config, registration, connector });
  const startedAt = nowMs();
  const addresses = await bridge.start();
  send({ type: 'ready', port: addresses.appservice.port, startMs: nowMs() - startedAt });

  const loopDelay = monitorEventLoopDelay({ resolution: 5 });
  loopDelay.enable();
  let gc = { count: 0, totalMs: 0, maxMs: 0 };
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      gc.count++;
      gc.totalMs += entry.duration;
      gc.maxMs = Math.max(gc.maxMs, entry.duration);
    }
  }).observe({ entryTypes: ['gc'] });
  const pauses = (): Pauses => {
    const out: Pauses = {
      loopDelayP99Ms: loopDelay.percentile(99) / 1e6, loopDelayMaxMs: loopDelay.max / 1e6,
      gcCount: gc.count, gcTotalMs: gc.totalMs, gcMaxMs: gc.maxMs,
    };
    loopDelay.reset();
    gc = { count: 0, totalMs: 0, maxMs: 0 };
    return out;
  };

  const stats = (): ChildStats => ({ at: nowMs(), cpu: process.cpuUsage(), memory: process.memoryUsage() });

  // Registration and self-JOIN times of every puppet that exists when 'watch' is asked for.
  let watched: WatchedTimes = { registered: [], joined: [] };
  let watching = false;
  const watch = (): number => {
    if (watching) return 0;
    watching = true;
    let n = 0;
    for (const network of connector.bridge.networks()) {
      for (const puppet of network.puppets.all()) {
        n++;
        puppet.client.on('registered', () => watched.registered.push(nowMs()));
        puppet.client.on('join', (e) => {
          if (e.self) watched.joined.push(nowMs());
        });
      }
    }
    return n;
  };

  const puppets = (): PuppetCounts => {
    const counts: PuppetCounts = {
      total: 0, connected: 0, joinedChannels: 0, botConnected: false, botQueued: 0, floodDelayed: 0, floodWaitMs: 0, linesSent: 0,
      registeredSinceWatch: watched.registered.length, joinedSinceWatch: watched.joined.length,
    };
    for (const network of connector.bridge.networks()) {
      counts.botConnected ||= network.bot.client.isRegistered;
      counts.botQueued += network.bot.client.floodStats().queued;
      for (const puppet of network.puppets.all()) {
        counts.total++;
        if (puppet.isConnected) counts.connected++;
        counts.joinedChannels += puppet.client.joinedChannels.size;
        const flood = puppet.client.floodStats();
        counts.floodDelayed += flood.delayed;
        counts.floodWaitMs += flood.totalWaitMs;
        counts.linesSent += flood.sent;
      }
    }
    return counts;
  };

  const answer = async (request: ChildRequest): Promise<unknown> => {
    switch (request.cmd) {
      case 'stats':
        return stats();
      case 'gc': {
        const gc = (globalThis as { gc?: () => void }).gc;
        if (!gc) throw new Error('gc is not exposed: start the child with --expose-gc');
        for (let i = 0; i < 3; i++) gc();
        return stats();
      }
      case 'puppets':
        return puppets();
      case 'probes':
        if (!probes) throw new Error('probes are off in this child (spec.instrument = false)');
        return probes.dump();
      case 'watch':
        return watch();
      case 'watched': {
        const out = watched;
        watched = { registered: [], joined: [] };
        return out;
      }
      case 'pauses':
        return pauses();
      case 'heap-snapshot':
        // Written into the child's working directory (the world's temp dir); returns the path.
        return writeHeapSnapshot();
      case 'metrics':
        return bridge.metrics.registry.getMetricsAsJSON();
      case 'stop':
        await bridge.stop();
        setImmediate(() => process.exit(0));
        return true;
    }
  };

  process.on('message', (request: ChildRequest) => {
    answer(request).then(
      (result) => send({ type: 'reply', id: request.id, result }),
      (error: Error) => send({ type: 'reply', id: request.id, error: error.stack ?? error.message }),
    );
  });
  process.on('disconnect', () => process.exit(0));
}

function send(message: ChildReply): void {
  process.send?.(message);
}

main().catch((error: Error) => {
  process.stderr.write(`bench bridge child failed: ${error.stack ?? error.message}\n`);
  process.exit(1);
});
