/**
 * `node bench/dist/heap.js <before.heapsnapshot> <after.heapsnapshot> [--per N] [--top K]`:
 * what grew between two V8 heap snapshots of the bridge (from `npm run bench -- --only memory
 * --heap-snapshots <dir>`), as self size and count per object kind, divided by N (the puppets
 * added), so "memory per connection" points at the objects that make it up.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[]] } };
  nodes: number[];
  strings: string[];
}

type Tally = Map<string, { size: number; count: number }>;

export function tallyByKind(snap: Snapshot): Tally {
  const fields = snap.snapshot.meta.node_fields;
  const stride = fields.length;
  const typeAt = fields.indexOf('type');
  const nameAt = fields.indexOf('name');
  const sizeAt = fields.indexOf('self_size');
  const types = snap.snapshot.meta.node_types[0];
  const tally: Tally = new Map();
  for (let i = 0; i < snap.nodes.length; i += stride) {
    const type = types[snap.nodes[i + typeAt]!] ?? '?';
    let name = snap.strings[snap.nodes[i + nameAt]!] ?? '?';
    // Strings and code are many small distinct names: group them by type only.
    if (type === 'string' || type === 'concatenated string' || type === 'sliced string' || type === 'code' || type === 'number') name = '';
    const key = `${type}${name ? ` ${name.slice(0, 60)}` : ''}`;
    const t = tally.get(key) ?? { size: 0, count: 0 };
    t.size += snap.nodes[i + sizeAt]!;
    t.count += 1;
    tally.set(key, t);
  }
  return tally;
}

export function diffTallies(before: Tally, after: Tally, per: number, top: number): string {
  const rows = [...after.entries()].map(([key, a]) => {
    const b = before.get(key) ?? { size: 0, count: 0 };
    return { key, size: a.size - b.size, count: a.count - b.count };
  }).filter((r) => r.size > 0).sort((x, y) => y.size - x.size);
  const total = rows.reduce((n, r) => n + r.size, 0);
  return [
    `Heap growth ${(total / 1024).toFixed(0)} KiB, ${(total / per / 1024).toFixed(1)} KiB per unit (N = ${per}).`,
    '  per unit   count/unit  kind',
    ...rows.slice(0, top).map((r) => `${(r.size / per).toFixed(0).padStart(8)} B ${(r.count / per).toFixed(1).padStart(10)}  ${r.key}`),
  ].join('\n');
}

if (require.main === module) {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { per: { type: 'string', default: '1' }, top: { type: 'string', default: '40' } } });
  if (positionals.length !== 2) {
    process.stderr.write('Usage: node bench/dist/heap.js <before.heapsnapshot> <after.heapsnapshot> [--per N] [--top K]\n');
    process.exit(2);
  }
  const [before, after] = positionals.map((p) => tallyByKind(JSON.parse(readFileSync(p, 'utf8')) as Snapshot));
  process.stdout.write(`${diffTallies(before!, after!, Number(values.per), Number(values.top))}\n`);
}
