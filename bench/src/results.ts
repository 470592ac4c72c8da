/**
 * The result file (JSON, one per suite run) and its markdown rendering. Each scenario keeps
 * every run's raw metrics and the load average around it, plus median/min/max over runs; each
 * target is judged on the median.
 */
import type { MachineInfo } from './env';
import type { MetricSpec, Target } from './scenario';
import { spread, type Spread } from './stats';

export interface RunRecord {
  metrics: Record<string, number>;
  notes: string[];
  /** os.loadavg() before and after the run. */
  loadBefore: number[];
  loadAfter: number[];
  /** Share of the machine's CPU time in iowait and steal during the run (/proc/stat). */
  iowaitPct?: number;
  stealPct?: number;
  durationMs: number;
  error?: string;
}

export interface JudgedTarget extends Target {
  measured: Spread;
  pass: boolean;
}

export interface ScenarioResult {
  name: string;
  title: string;
  measures: string;
  metrics: Record<string, MetricSpec>;
  runs: RunRecord[];
  summary: Record<string, Spread>;
  targets: JudgedTarget[];
  /** When this scenario was run (it may have been re-run later than the rest of the file). */
  date: string;
}

export interface SuiteResult {
  schema: 1;
  date: string;
  label: string;
  machine: MachineInfo;
  options: Record<string, unknown>;
  scenarios: ScenarioResult[];
}

export function summarize(metrics: Record<string, MetricSpec>, runs: RunRecord[]): Record<string, Spread> {
  const ok = runs.filter((r) => !r.error);
  const summary: Record<string, Spread> = {};
  for (const name of Object.keys(metrics)) summary[name] = spread(ok.map((r) => r.metrics[name] ?? NaN));
  return summary;
}

export function judge(targets: Target[], summary: Record<string, Spread>): JudgedTarget[] {
  return targets.map((t) => {
    const measured = summary[t.metric] ?? { median: NaN, min: NaN, max: NaN };
    const pass = t.op === '<=' ? measured.median <= t.value : measured.median >= t.value;
    return { ...t, measured, pass };
  });
}

export function fmt(value: number): string {
  if (!Number.isFinite(value)) return '—';
  const abs = Math.abs(value);
  if (abs >= 1000) return Math.round(value).toLocaleString('en-US');
  if (abs >= 100) return value.toFixed(0);
  if (abs >= 10) return value.toFixed(1);
  if (abs >= 1) return value.toFixed(2);
  return value.toFixed(3);
}

function spreadText(s: Spread): string {
  return `${fmt(s.median)} (${fmt(s.min)}–${fmt(s.max)})`;
}

export function toMarkdown(result: SuiteResult): string {
  const m = result.machine;
  const lines = [
    `# Benchmark results: ${result.label}`,
    '',
    `${result.date} · ${m.hostname} · ${m.cores} × ${m.cpuModel} · ${m.memoryGiB} GiB · ${m.os} · Node ${m.node} · ${m.ngircd} · open files ${m.openFilesLimit} · commit ${m.commit}`,
    '',
    `Runs per scenario: ${String(result.options.runs)}. Values: median (min–max) over runs. The machine is shared: load averages (1/5/15 min) are listed per run.`,
    '',
    '## Targets',
    '',
    '| scenario | target | measured | |',
    '|---|---|---|---|',
  ];
  for (const s of result.scenarios) {
    for (const t of s.targets) {
      const unit = s.metrics[t.metric]?.unit ?? '';
      lines.push(`| ${s.title} | ${t.text} | ${spreadText(t.measured)} ${unit} | ${t.pass ? 'met' : '**missed**'} |`);
    }
  }
  for (const s of result.scenarios) {
    lines.push('', `## ${s.title} (\`${s.name}\`)`, '', s.measures, '', '| metric | median | min | max | unit |', '|---|---|---|---|---|');
    for (const [name, spec] of Object.entries(s.metrics)) {
      const v = s.summary[name] ?? { median: NaN, min: NaN, max: NaN };
      lines.push(`| ${spec.label} | ${fmt(v.median)} | ${fmt(v.min)} | ${fmt(v.max)} | ${spec.unit} |`);
    }
    const waits = (r: RunRecord) => (r.iowaitPct !== undefined ? ` (iowait ${r.iowaitPct}%, steal ${r.stealPct}%)` : '');
    lines.push('', `Run on ${s.date}. Load per run (before → after): ${s.runs.map((r) => `${r.loadBefore.join('/')} → ${r.loadAfter.join('/')}${waits(r)}`).join('; ')}.`);
    const notes = [...new Set(s.runs.flatMap((r) => [...r.notes, ...(r.error ? [`run failed: ${r.error}`] : [])]))];
    for (const note of notes) lines.push(`- ${note}`);
  }
  return `${lines.join('\n')}\n`;
}
