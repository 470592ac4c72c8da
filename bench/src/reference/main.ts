/**
 * `node bench/dist/reference/main.js [--pairs 3] [--only a,b] [--out <file-stem>] [--keep]`:
 * matrix-appservice-irc (the reference, built at $REFERENCE_IRC_DIR) and Bridgekit side by side,
 * interleaved reference, Bridgekit, reference, … one run each, so both see the same machine load.
 * Writes <stem>-runs.json after every run (a crash keeps what was measured) and prints medians
 * and Bridgekit ÷ reference per metric; `--table <stem>-runs.json` prints them again from the file.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadAverage, machineInfo } from '../env';
import { ngircdVersion } from '../ircd';
import { percentile } from '../stats';
import { REFERENCE_DIR } from './config';
import { SIDE_SCENARIOS } from './scenarios';
import type { Bridge } from './side-world';

export interface SideRun {
  scenario: string;
  bridge: Bridge;
  pair: number;
  startedAt: string;
  loadBefore: number[];
  loadAfter: number[];
  metrics: Record<string, number>;
  unexpected?: string[];
  error?: string;
}

function referenceVersion(): string {
  const version = (JSON.parse(readFileSync(path.join(REFERENCE_DIR, 'package.json'), 'utf8')) as { version: string }).version;
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['-C', REFERENCE_DIR, 'rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();
  } catch { /* not a git checkout */ }
  return `matrix-appservice-irc ${version} (${commit})`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { pairs: { type: 'string', default: '3' }, only: { type: 'string' }, out: { type: 'string' }, keep: { type: 'boolean', default: false }, table: { type: 'string' } } });
  if (values.table) {
    // Re-render the medians and ratios of a finished run from its raw file.
    console.log(table((JSON.parse(readFileSync(values.table, 'utf8')) as { runs: SideRun[] }).runs));
    return;
  }
  const pairs = Number(values.pairs);
  const wanted = values.only?.split(',');
  const scenarios = SIDE_SCENARIOS.filter((s) => !wanted || wanted.includes(s.name));
  const out = values.out ?? path.join('bench', 'results', `${new Date().toISOString().slice(0, 10)}-reference`);
  const runs: SideRun[] = [];
  const header = { reference: referenceVersion(), machine: machineInfo(), ngircd: ngircdVersion(), scenarios: scenarios.map((s) => ({ name: s.name, measures: s.measures, metrics: s.metrics })) };
  const save = () => writeFileSync(`${out}-runs.json`, `${JSON.stringify({ ...header, runs }, null, 2)}\n`);
  console.log(`${header.reference}; load ${loadAverage().join('/')}`);
  for (const scenario of scenarios) {
    for (let pair = 1; pair <= pairs; pair++) {
      for (const bridge of ['reference', 'bridgekit'] as const) {
        const loadBefore = loadAverage();
        const startedAt = new Date().toISOString();
        let metrics: Record<string, number> = {};
        let unexpected: string[] = [];
        let error: string | undefined;
        try {
          ({ metrics, unexpected } = await scenario.run(bridge, values.keep));
        } catch (e) {
          error = (e as Error).message;
        }
        runs.push({ scenario: scenario.name, bridge, pair, startedAt, loadBefore, loadAfter: loadAverage(), metrics, ...(unexpected.length ? { unexpected } : {}), ...(error ? { error } : {}) });
        save();
        console.log(`${scenario.name} ${pair} ${bridge}: ${error ?? Object.entries(metrics).map(([k, v]) => `${k}=${v.toFixed(3)}`).join(' ')} (load ${loadBefore[0]})`);
      }
    }
  }
  console.log(table(runs));
}

/**
 * Markdown: per metric, the median of each bridge's runs, and Bridgekit ÷ reference twice: the
 * ratio of those medians, and the median (min–max) of the per-pair ratios, which is the figure
 * interleaving is for (a pair shares the machine's load of its minute).
 */
export function table(runs: readonly SideRun[]): string {
  const rows = ['| scenario | metric | reference | Bridgekit | ratio of medians | per-pair ratio, median (min–max) | pairs |', '|---|---|---|---|---|---|---|'];
  for (const scenario of SIDE_SCENARIOS) {
    const ok = runs.filter((r) => r.scenario === scenario.name && !r.error);
    const runOf = (bridge: Bridge, pair: number) => ok.find((r) => r.bridge === bridge && r.pair === pair);
    const pairs = [...new Set(ok.map((r) => r.pair))].filter((p) => runOf('reference', p) && runOf('bridgekit', p));
    if (!pairs.length) continue;
    for (const [metric, [unit, label]] of Object.entries(scenario.metrics)) {
      const values = (bridge: Bridge) => pairs.map((p) => runOf(bridge, p)!.metrics[metric]!);
      const ref = percentile(values('reference'), 50);
      const bk = percentile(values('bridgekit'), 50);
      const ratios = pairs.map((p) => runOf('bridgekit', p)!.metrics[metric]! / runOf('reference', p)!.metrics[metric]!).filter(Number.isFinite);
      const perPair = ratios.length ? `${percentile(ratios, 50).toFixed(2)} (${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)})` : '—';
      rows.push(`| ${scenario.name} | ${label} | ${ref.toFixed(2)} ${unit} | ${bk.toFixed(2)} ${unit} | ${ref === 0 ? '—' : (bk / ref).toFixed(2)} | ${perPair} | ${pairs.length} |`);
    }
  }
  return rows.join('\n');
}

if (require.main === module) main().catch((error: Error) => {
  console.error(error);
  process.exitCode = 1;
});
