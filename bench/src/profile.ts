/**
 * `node bench/dist/profile.js <file.cpuprofile> [--top N]`: what a CPU profile of the bridge
 * (from `npm run bench -- --cpu-prof <dir>`) spends its time on — self time per function,
 * total (inclusive) time per function, and self time per module (a package or a source file of
 * this repository), so a missed target points at a file and a function.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

function moduleOf(url: string): string {
  if (!url) return '(native/vm)';
  if (url.startsWith('node:')) return url;
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm && !url.includes('/node_modules/@bridgekit/')) return nm[1]!;
  const repo = /\/(packages\/[^/]+|bridges\/[^/]+|bench)\/dist\/(.*)$/.exec(url);
  if (repo) return `${repo[1]}/${repo[2]}`;
  return url.replace(/^file:\/\//, '');
}

/** Which part of the bridge a module belongs to; undefined = generic (node internals, natives). */
function areaOf(mod: string): string | undefined {
  if (/undici|webstreams|abort_controller|js_transferable|event_target|internal\/url|bootstrap\/web/.test(mod)) return 'HTTP client (fetch/undici)';
  if (/^(express|router|body-parser|raw-body|parseurl|debug|on-finished|finalhandler|type-is|content-type|qs|send|mime|statuses|http-errors|depd|encodeurl|escape-html)$|_http_|packages\/appservice\/http\//.test(mod)) return 'HTTP server (express, transactions in)';
  if (/better-sqlite3|packages\/appservice\/store\//.test(mod)) return 'SQLite store';
  if (/prom-client|metrics/.test(mod)) return 'metrics (prom-client)';
  if (/winston|logform|triple-beam|readable-stream|packages\/appservice\/log\//.test(mod)) return 'logging';
  if (/irc-framework|lodash|eventemitter3|iconv-lite|middleware-handler|bridges\/irc\/irc\//.test(mod)) return 'IRC protocol (irc-framework, connection)';
  if (/bridges\/irc\//.test(mod)) return 'IRC bridge logic (handlers, format, portals)';
  if (/packages\/appservice\//.test(mod)) return 'core logic (ingest, intents, csapi)';
  if (/^ajv|config/.test(mod)) return 'config validation';
  if (/bench\//.test(mod)) return 'bench probes';
  return undefined;
}

function label(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  return `${functionName || '(anonymous)'} ${moduleOf(url)}:${lineNumber + 1}`;
}

export function summarizeProfile(profile: CpuProfile, top: number): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000));
  const totalMs = [...self.values()].reduce((a, b) => a + b, 0);

  const selfByFn = new Map<string, number>();
  const selfByModule = new Map<string, number>();
  for (const [id, ms] of self) {
    const node = byId.get(id)!;
    selfByFn.set(label(node), (selfByFn.get(label(node)) ?? 0) + ms);
    const mod = moduleOf(node.callFrame.url);
    selfByModule.set(mod, (selfByModule.get(mod) ?? 0) + ms);
  }

  // Inclusive time: a function counts once per sample even when it recurses.
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const inclusive = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const ms = (profile.timeDeltas[i] ?? 0) / 1000;
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const name = label(byId.get(cur)!);
      if (seen.has(name)) continue;
      seen.add(name);
      inclusive.set(name, (inclusive.get(name) ?? 0) + ms);
    }
  });

  // Self time by area: native and node-internal frames count for the nearest caller that has
  // an area (a socket write counts for whoever wrote); module loading counts as start-up.
  const byArea = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const ms = (profile.timeDeltas[i] ?? 0) / 1000;
    const leaf = byId.get(id)!;
    let area: string | undefined;
    const fn = leaf.callFrame.functionName;
    if (fn === '(idle)') area = 'idle';
    else if (fn === '(garbage collector)') area = 'garbage collection';
    for (let cur: number | undefined = id; cur !== undefined && !area; cur = parent.get(cur)) {
      const frame = byId.get(cur)!.callFrame;
      if (frame.url.includes('run_main_module') || frame.functionName === 'Module._load') area = 'start-up (loading modules)';
      else area = areaOf(moduleOf(frame.url));
    }
    area ??= 'other (node internals, timers)';
    byArea.set(area, (byArea.get(area) ?? 0) + ms);
  });

  const table = (title: string, map: Map<string, number>) => {
    const rows = [...map.entries()].sort((a, b) => b[1] - a[1]).slice(0, top);
    return [`${title}`, ...rows.map(([name, ms]) => `  ${ms.toFixed(1).padStart(9)} ms ${((100 * ms) / totalMs).toFixed(1).padStart(5)}%  ${name}`)].join('\n');
  };
  return [
    `Sampled ${totalMs.toFixed(0)} ms.`,
    table('Time by area (native and node-internal frames count for their caller):', byArea),
    table('Self time by module:', selfByModule),
    table('Self time by function:', selfByFn),
    table('Total (inclusive) time by function:', inclusive),
  ].join('\n\n');
}

if (require.main === module) {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '25' } } });
  if (!positionals[0]) {
    process.stderr.write('Usage: node bench/dist/profile.js <file.cpuprofile> [--top N]\n');
    process.exit(2);
  }
  const profile = JSON.parse(readFileSync(positionals[0], 'utf8')) as CpuProfile;
  process.stdout.write(`${summarizeProfile(profile, Number(values.top))}\n`);
}
