// Prints the chaos run's results (one JSON object per line, written by harness/tally.ts) as the
// Markdown table the README shows: fault | sent | arrived | lost | duplicated | notes.
const { existsSync, readFileSync } = require('node:fs');

const file = process.argv[2];
if (!file || !existsSync(file)) {
  console.log(`no chaos results at ${file}`);
  process.exit(0);
}
const rows = readFileSync(file, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line));
const n = (v) => v.toLocaleString('en-US');
const bold = (v) => (v > 0 ? `**${n(v)}**` : n(v));
console.log('| fault | sent | arrived | lost | duplicated | notes |');
console.log('|---|---|---|---|---|---|');
for (const r of rows) {
  const counted = r.sent > 0;
  const order = r.outOfOrder > 0 ? `; **${r.outOfOrder} out of order**` : '';
  console.log(`| ${r.fault} | ${counted ? n(r.sent) : '—'} | ${counted ? n(r.arrived) : '—'} | ${counted ? bold(r.lost) : '—'} | ${counted ? bold(r.duplicated) : '—'} | ${(r.note || '').replace(/\|/g, '\\|')}${order} |`);
}
