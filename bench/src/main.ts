/**
 * `npm run bench [-- options]`: runs the scenarios, prints a table, writes JSON + markdown
 * into bench/results/. `--update <file.json>` replaces only the scenarios run now in an
 * existing result file (to re-run one that the shared machine's load distorted).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { cpuTicks, loadAverage, machineInfo, openFilesLimit, waitShares } from './env';
import { judge, summarize, toMarkdown, type RunRecord, type ScenarioResult, type SuiteResult } from './results';
import { EXPERIMENTS, type Scenario, type SuiteOptions } from './scenario';
import { SCENARIOS } from './scenarios';
import { nowMs, sleep } from './time';

const USAGE = `Usage: npm run bench -- [options]

  --only <a,b>             run only these scenarios (see --list)
  --runs <n>               runs per scenario (default 3)
  --reconnect-puppets <n>  puppets in the mass-reconnect scenario (default 5000)
  --reconnect-rate <n>     the bridge's connect_rate_per_second there (default 10000, its maximum)
  --reconnect-outage <s>   seconds ngIRCd stays down there before it starts again (default 0)
  --memory-puppets <n>     puppets in the memory scenario (default 1000)
  --scale-puppets <a,b>    the counts of the scale series (default 1000,3000,10000)
  --scale-per-channel <n>  scale: puppets per channel (default 100)
  --scale-timeout <s>      scale: bound on each long wait of a count (default 120 s + 60 ms per puppet)
  --burst-warmup <n>       burst: warm-up lines per sender before the clock starts (default 3: ghosts ready, code
                           still cold; 400 also warms V8's optimizing compiler, the steady state of a running bridge)
  --endurance-messages <n> messages, both directions together, in the endurance scenario (default 60000)
  --endurance-churn <n>    endurance: replace one IRC and one Matrix user every n messages each way (default 50; 0 = none)
  --rooms-counts <a,b>     rooms: room counts of the main series (default 10,100,1000)
  --rooms-concurrency <a,b> rooms: room_concurrency values tried at the largest count besides the default (default 1,64)
  --rooms-send-delay <ms>  rooms: homeserver answer delay per send in that series (default 40)
  --out <dir>              where result files go (default bench/results)
  --label <name>           result file name part (default: the host name)
  --update <file.json>     replace the scenarios run now in this result file, keep the others
  --no-write               print only
  --keep                   keep each world's temp dir (bridge log, ngIRCd log)
  --cpu-prof <dir>         write a CPU profile of the bridge per run (node --cpu-prof)
  --perf-record <dir>      burst: \`perf record -g\` of the bridge over the timed span (node --perf-basic-prof)
  --heap-snapshots <dir>   memory/endurance: write heap snapshots before/after (skews RSS)
  --experiment <a,b>       what-if runs, never a baseline: no-echo (no echo of the bridge's own events),
                           puppet-filter (puppets do not see channel traffic),
                           small-young-gen (bridge runs with --max-semi-space-size=2)
  --store <sqlite|postgres> the bridge's store: a SQLite file (default), or a throwaway PostgreSQL
                           server per world, durable settings (fsync on); burst then also reports its CPU
  --list                   list the scenarios and exit`;

const PAUSE_BETWEEN_RUNS_MS = 1000;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      only: { type: 'string' }, runs: { type: 'string', default: '3' }, out: { type: 'string' }, label: { type: 'string' },
      update: { type: 'string' }, 'no-write': { type: 'boolean', default: false }, keep: { type: 'boolean', default: false },
      'cpu-prof': { type: 'string' }, 'perf-record': { type: 'string' }, 'heap-snapshots': { type: 'string' }, 'reconnect-puppets': { type: 'string', default: '5000' }, 'reconnect-rate': { type: 'string', default: '10000' }, 'reconnect-outage': { type: 'string', default: '0' }, 'memory-puppets': { type: 'string', default: '1000' }, 'burst-warmup': { type: 'string', default: '3' },
      'scale-puppets': { type: 'string', default: '1000,3000,10000' }, 'scale-per-channel': { type: 'string', default: '100' }, 'scale-timeout': { type: 'string' },
      'endurance-messages': { type: 'string', default: '60000' }, 'endurance-churn': { type: 'string', default: '50' },
      'rooms-counts': { type: 'string', default: '10,100,1000' }, 'rooms-concurrency': { type: 'string', default: '1,64' }, 'rooms-send-delay': { type: 'string', default: '40' },
      experiment: { type: 'string' }, store: { type: 'string', default: 'sqlite' }, list: { type: 'boolean', default: false }, help: { type: 'boolean', default: false },
    },
  });
  if (values.help) return print(USAGE, 0);
  if (values.list) return print(SCENARIOS.map((s) => `${s.name.padEnd(14)} ${s.title}${s.onDemand ? ' (only with --only)' : ''}`).join('\n'), 0);

  const wanted = values.only?.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = wanted?.filter((w) => !SCENARIOS.some((s) => s.name === w)) ?? [];
  if (unknown.length) return print(`Unknown scenario(s): ${unknown.join(', ')}. Known: ${SCENARIOS.map((s) => s.name).join(', ')}`, 2);
  const experiments = values.experiment?.split(',').map((s) => s.trim()).filter(Boolean) ?? [];
  const badExperiment = experiments.filter((e) => !(EXPERIMENTS as readonly string[]).includes(e));
  if (badExperiment.length) return print(`Unknown experiment(s): ${badExperiment.join(', ')}. Known: ${EXPERIMENTS.join(', ')}`, 2);
  if (values.store !== 'sqlite' && values.store !== 'postgres') return print(`--store is sqlite or postgres, got ${values.store}`, 2);
  const selected = wanted ? SCENARIOS.filter((s) => wanted.includes(s.name)) : SCENARIOS.filter((s) => !s.onDemand);
  const options: SuiteOptions = {
    runs: positive(values.runs, '--runs'),
    reconnectPuppets: positive(values['reconnect-puppets'], '--reconnect-puppets'),
    reconnectRate: positive(values['reconnect-rate'], '--reconnect-rate'),
    reconnectOutageSeconds: positive(values['reconnect-outage'], '--reconnect-outage', 0),
    memoryPuppets: positive(values['memory-puppets'], '--memory-puppets'),
    scalePuppets: positiveList(values['scale-puppets'], '--scale-puppets'),
    scalePerChannel: positive(values['scale-per-channel'], '--scale-per-channel'),
    ...(values['scale-timeout'] ? { scaleTimeoutSeconds: positive(values['scale-timeout'], '--scale-timeout') } : {}),
    burstWarmup: positive(values['burst-warmup'], '--burst-warmup'),
    enduranceMessages: positive(values['endurance-messages'], '--endurance-messages'),
    enduranceChurn: positive(values['endurance-churn'], '--endurance-churn', 0),
    roomsCounts: positiveList(values['rooms-counts'], '--rooms-counts'),
    roomsConcurrency: positiveList(values['rooms-concurrency'], '--rooms-concurrency'),
    roomsSendDelayMs: positive(values['rooms-send-delay'], '--rooms-send-delay', 0),
    keep: values.keep,
    experiments,
    store: values.store,
    ...(values['cpu-prof'] ? { cpuProfDir: path.resolve(values['cpu-prof']) } : {}),
    ...(values['perf-record'] ? { perfRecordDir: path.resolve(values['perf-record']) } : {}),
    ...(values['heap-snapshots'] ? { heapSnapshotDir: path.resolve(values['heap-snapshots']) } : {}),
  };
  for (const dir of [options.cpuProfDir, options.perfRecordDir, options.heapSnapshotDir]) if (dir) mkdirSync(dir, { recursive: true });
  const needFiles = 2 * options.reconnectPuppets + 200;
  if (selected.some((s) => s.name === 'reconnect') && openFilesLimit() < needFiles) {
    return print(`The open-files limit is ${openFilesLimit()}, but the reconnect scenario needs about ${needFiles} (the bridge and ngIRCd each hold one descriptor per puppet). Raise it (ulimit -n ${needFiles}) or pass --reconnect-puppets with a smaller number.`, 2);
  }
  // The limit is per process: the bridge, ngIRCd and (for the floor) the harness each hold one descriptor per puppet.
  const scaleFiles = Math.max(...options.scalePuppets) + 500;
  if (selected.some((s) => s.name === 'scale') && openFilesLimit() < scaleFiles) {
    return print(`The open-files limit is ${openFilesLimit()}, but the scale series needs about ${scaleFiles} per process. Raise it (ulimit -n ${scaleFiles}) or pass smaller --scale-puppets.`, 2);
  }

  const machine = machineInfo();
  log(`Machine: ${machine.hostname}, ${machine.cores} × ${machine.cpuModel}, Node ${machine.node}, ${machine.ngircd}, load ${loadAverage().join('/')}`);
  const scenarios: ScenarioResult[] = [];
  for (const scenario of selected) scenarios.push(await runScenario(scenario, options));

  const date = new Date().toISOString();
  let result: SuiteResult = {
    schema: 1, date, label: values.label ?? `${machine.hostname}${experiments.length ? ` (experiment: ${experiments.join(', ')})` : ''}`, machine,
    options: { runs: options.runs, reconnectPuppets: options.reconnectPuppets, reconnectRate: options.reconnectRate, reconnectOutageSeconds: options.reconnectOutageSeconds, memoryPuppets: options.memoryPuppets, burstWarmup: options.burstWarmup, enduranceMessages: options.enduranceMessages, enduranceChurn: options.enduranceChurn,
      ...(selected.some((s) => s.name === 'rooms') ? { roomsCounts: options.roomsCounts, roomsConcurrency: options.roomsConcurrency, roomsSendDelayMs: options.roomsSendDelayMs } : {}),
      ...(selected.some((s) => s.name === 'scale') ? { scalePuppets: options.scalePuppets, scalePerChannel: options.scalePerChannel } : {}), only: wanted ?? 'all', experiments, store: options.store },
    scenarios,
  };
  if (values.update) result = merge(JSON.parse(readFileSync(values.update, 'utf8')) as SuiteResult, scenarios);
  const markdown = toMarkdown(result);
  process.stdout.write(`\n${markdown}`);
  if (!values['no-write']) {
    const base = values.update
      ? values.update.replace(/\.json$/, '')
      : path.join(values.out ?? path.join(__dirname, '..', 'results'), `${date.slice(0, 10)}-${(values.label ?? machine.hostname).replace(/[^\w.-]+/g, '_')}${wanted ? `-${wanted.join('+')}` : ''}${experiments.length ? `-experiment-${experiments.join('+')}` : ''}`);
    mkdirSync(path.dirname(base), { recursive: true });
    writeFileSync(`${base}.json`, `${JSON.stringify(result, null, 2)}\n`);
    writeFileSync(`${base}.md`, markdown);
    log(`Wrote ${base}.json and ${base}.md`);
  }
  return scenarios.some((s) => s.runs.every((r) => r.error)) ? 1 : 0;
}

async function runScenario(scenario: Scenario, options: SuiteOptions): Promise<ScenarioResult> {
  const runs: RunRecord[] = [];
  for (let run = 1; run <= options.runs; run++) {
    const loadBefore = loadAverage();
    const ticks = cpuTicks();
    const started = nowMs();
    log(`${scenario.name}: run ${run}/${options.runs} (load ${loadBefore.join('/')})`);
    try {
      const { metrics, notes = [] } = await scenario.run({ run, options, log: (m) => log(`${scenario.name}: ${m}`) });
      runs.push({ metrics, notes, loadBefore, loadAfter: loadAverage(), ...waitShares(ticks, cpuTicks()), durationMs: nowMs() - started });
      log(`${scenario.name}: ${Object.entries(metrics).map(([k, v]) => `${k}=${Math.round(v * 1000) / 1000}`).join(' ')}`);
    } catch (error) {
      const message = (error as Error).stack ?? String(error);
      runs.push({ metrics: {}, notes: [], loadBefore, loadAfter: loadAverage(), durationMs: nowMs() - started, error: (error as Error).message });
      log(`${scenario.name}: run ${run} FAILED: ${message}`);
    }
    await sleep(PAUSE_BETWEEN_RUNS_MS);
  }
  const metrics = scenario.metricsFor?.(options) ?? scenario.metrics;
  const summary = summarize(metrics, runs);
  return {
    name: scenario.name, title: scenario.title, measures: scenario.measures, metrics,
    runs, summary, targets: judge(scenario.targets, summary), date: new Date().toISOString(),
  };
}

function merge(existing: SuiteResult, fresh: ScenarioResult[]): SuiteResult {
  const byName = new Map(existing.scenarios.map((s) => [s.name, s]));
  for (const s of fresh) byName.set(s.name, s);
  const order = SCENARIOS.map((s) => s.name);
  return { ...existing, scenarios: [...byName.values()].sort((a, b) => order.indexOf(a.name) - order.indexOf(b.name)) };
}

function positive(value: string | undefined, flag: string, min = 1): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new Error(`${flag} must be an integer of at least ${min}, got ${JSON.stringify(value)}`);
  return n;
}

function positiveList(value: string | undefined, flag: string): number[] {
  return (value ?? '').split(',').map((v) => v.trim()).filter(Boolean).map((v) => positive(v, flag));
}

function log(message: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

function print(text: string, code: number): number {
  process.stdout.write(`${text}\n`);
  return code;
}

main().then((code) => process.exit(code), (error: Error) => {
  process.stderr.write(`${error.message}\n`);
  process.exit(2);
});
