/** What a scenario is: its metrics (with units), its targets, and one run. */

export interface MetricSpec {
  unit: string;
  /** Shown in the table. */
  label: string;
}

export interface Target {
  metric: string;
  op: '<=' | '>=';
  value: number;
  /** The target as the issue words it. */
  text: string;
}

export interface SuiteOptions {
  runs: number;
  /** N of the mass-reconnect scenario. */
  reconnectPuppets: number;
  /** The bridge's connect_rate_per_second in the mass-reconnect scenario (default 10,000: its maximum). */
  reconnectRate: number;
  /** Seconds the IRC server stays down in the mass-reconnect scenario (default 0: restarted at once). */
  reconnectOutageSeconds: number;
  /** N of the memory scenario. */
  memoryPuppets: number;
  /** The counts of the scale series (scenarios/scale.ts), and puppets per channel there. */
  scalePuppets: number[];
  scalePerChannel: number;
  /** Scale series: bound on each long wait of a count (default 120 s + 60 ms per puppet). */
  scaleTimeoutSeconds?: number;
  /** burst: warm-up lines per sender before the timed span (3 readies the ghosts; hundreds also let V8 optimize the line path). */
  burstWarmup: number;
  /** Messages (both directions together) of the endurance scenario. */
  enduranceMessages: number;
  /** Endurance: one IRC user and one Matrix user are replaced every this many messages of their direction (0: nobody comes or goes). */
  enduranceChurn: number;
  /** Rooms scenario: the room counts of its main series (default 10, 100, 1,000). */
  roomsCounts: number[];
  /** Rooms scenario: room_concurrency values tried at the largest count, besides the default (default 1, 64). */
  roomsConcurrency: number[];
  /** Rooms scenario: how late the fake homeserver answers each send in the room_concurrency series (default 40 ms). */
  roomsSendDelayMs: number;
  /** Keep temp dirs (logs) of every world. */
  keep: boolean;
  /** Write a CPU profile of the bridge child per run (node --cpu-prof) into this directory. */
  cpuProfDir?: string;
  /** burst: `perf record -g` the bridge child over the timed span into this directory (the child runs with --perf-basic-prof). */
  perfRecordDir?: string;
  /** Write V8 heap snapshots of the bridge into this directory: before and after (memory), after warm-up and at the end (endurance). */
  heapSnapshotDir?: string;
  /**
   * Changes to the bridge's surroundings, for what-if measurements (never part of a baseline):
   * `no-echo` makes the fake homeserver skip pushing the bridge's own events back; `puppet-filter` hides channel
   * traffic from puppet connections (bridge/puppet-filter.ts); `small-young-gen` starts the bridge
   * with `--max-semi-space-size=2` (V8's young generation capped at 2 MiB per semi-space).
   */
  experiments: string[];
  /** Where the bridge's store lives: its SQLite file (default), or a throwaway PostgreSQL server per world (postgres.ts). */
  store: 'sqlite' | 'postgres';
}

export const EXPERIMENTS = ['no-echo', 'puppet-filter', 'small-young-gen'] as const;

export interface RunContext {
  run: number;
  options: SuiteOptions;
  log(message: string): void;
}

export interface RunResult {
  metrics: Record<string, number>;
  notes?: string[];
}

export interface Scenario {
  name: string;
  title: string;
  /** One paragraph: what is measured, and how. */
  measures: string;
  metrics: Record<string, MetricSpec>;
  /** When the metrics depend on the options (one set per count of a series): used instead of `metrics`. */
  metricsFor?(options: SuiteOptions): Record<string, MetricSpec>;
  targets: Target[];
  /** Left out of a plain `npm run bench` (too long for the default suite): run with --only. */
  onDemand?: boolean;
  run(ctx: RunContext): Promise<RunResult>;
}

export const MIB = 1024 * 1024;
export const KIB = 1024;

/** Node flags for the bridge child: a CPU profile per run, or perf's JIT symbol map, when asked for. */
export function profileArgs(ctx: RunContext, scenario: string): string[] {
  const args = ctx.options.perfRecordDir ? ['--perf-basic-prof'] : [];
  if (!ctx.options.cpuProfDir) return args;
  return [...args, '--cpu-prof', `--cpu-prof-dir=${ctx.options.cpuProfDir}`, `--cpu-prof-name=${scenario}-run${ctx.run}.cpuprofile`];
}
