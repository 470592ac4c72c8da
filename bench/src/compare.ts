/**
 * `npm run bench:compare -- a.json b.json`: two result files side by side, metric by metric
 * (medians, with the change from a to b), then the targets of both.
 */
import { readFileSync } from 'node:fs';
import { fmt, type ScenarioResult, type SuiteResult } from './results';

function load(file: string): SuiteResult {
  const result = JSON.parse(readFileSync(file, 'utf8')) as SuiteResult;
  if (result.schema !== 1 || !Array.isArray(result.scenarios)) throw new Error(`${file} is not a bench result file (schema 1)`);
  return result;
}

function change(a: number, b: number): string {
  if (!Number.isFinite(a) || !Number.isFinite(b) || a === 0) return '';
  const pct = ((b - a) / Math.abs(a)) * 100;
  return `${pct >= 0 ? '+' : ''}${pct.toFixed(0)}%`;
}

export function compare(a: SuiteResult, b: SuiteResult, names: [string, string]): string {
  const lines = [
    `# ${names[0]} vs ${names[1]}`,
    '',
    `a: ${a.date} · ${a.machine.hostname} · ${a.machine.cpuModel} · commit ${a.machine.commit}`,
    `b: ${b.date} · ${b.machine.hostname} · ${b.machine.cpuModel} · commit ${b.machine.commit}`,
  ];
  const order = [...new Set([...a.scenarios.map((s) => s.name), ...b.scenarios.map((s) => s.name)])];
  for (const name of order) {
    const sa = a.scenarios.find((s) => s.name === name);
    const sb = b.scenarios.find((s) => s.name === name);
    const any = (sa ?? sb) as ScenarioResult;
    lines.push('', `## ${any.title} (\`${name}\`)`, '', '| metric | a | b | change | unit |', '|---|---|---|---|---|');
    const metrics = { ...sa?.metrics, ...sb?.metrics };
    for (const [metric, spec] of Object.entries(metrics)) {
      const va = sa?.summary[metric]?.median ?? NaN;
      const vb = sb?.summary[metric]?.median ?? NaN;
      lines.push(`| ${spec.label} | ${fmt(va)} | ${fmt(vb)} | ${change(va, vb)} | ${spec.unit} |`);
    }
    const targets = (sb ?? sa)!.targets;
    for (const t of targets) {
      const ta = sa?.targets.find((x) => x.metric === t.metric);
      const tb = sb?.targets.find((x) => x.metric === t.metric);
      lines.push(`- target ${t.text}: a ${ta ? (ta.pass ? 'met' : 'missed') : '—'}, b ${tb ? (tb.pass ? 'met' : 'missed') : '—'}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

if (require.main === module) {
  const [fileA, fileB] = process.argv.slice(2);
  if (!fileA || !fileB) {
    process.stderr.write('Usage: npm run bench:compare -- <a.json> <b.json>\n');
    process.exit(2);
  }
  try {
    process.stdout.write(compare(load(fileA), load(fileB), [fileA, fileB]));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exit(2);
  }
}
