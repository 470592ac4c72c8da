import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { transpileForChild } from './testing/transpile-for-child';

// The flag is process-wide, so each case runs in a fresh child process: it reads V8's new space
// size, calls the function, then allocates the way a burst does (many young objects that
// survive a scavenge or two), which makes V8 grow new space unless told not to.
let work: string;
let compiled: string;

beforeAll(() => {
  work = mkdtempSync(path.join(os.tmpdir(), 'bridgekit-young-gen-'));
  transpileForChild(work, ['startup/v8-settings-at-load.ts', 'startup/v8-settings.ts', 'startup/young-generation.ts', 'startup/v8-flag.ts', 'csapi/wasm-baseline.ts']);
  compiled = path.join(work, 'startup', 'young-generation.js');
});

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

function newSpaceAround(env: Record<string, string>): { before: number; applied: boolean; after: number } {
  const script = `
    const v8 = require('node:v8');
    const newSpace = () => v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size;
    const before = newSpace();
    const applied = require(${JSON.stringify(compiled)}).stopYoungGenerationGrowth(${JSON.stringify(env)});
    let kept = [];
    for (let i = 0; i < 3e6; i++) { kept.push({ i, s: 'x' + i }); if (kept.length > 20000) kept = []; }
    console.log(JSON.stringify({ before, applied, after: newSpace() }));`;
  return JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' })) as { before: number; applied: boolean; after: number };
}

describe('stopYoungGenerationGrowth', () => {
  it('keeps V8\'s new space at its size when called, through a burst of surviving allocations', () => {
    const out = newSpaceAround({});
    expect(out.applied).toBe(true);
    // `before`: one semi-space committed; after a scavenge both are, at the same size.
    expect(out.after).toBeLessThanOrEqual(2 * out.before);
  });

  it('leaves V8\'s growth as it is with BRIDGEKIT_YOUNG_GENERATION=grow (the same burst grows new space)', () => {
    const out = newSpaceAround({ BRIDGEKIT_YOUNG_GENERATION: 'grow' });
    expect(out.applied).toBe(false);
    expect(out.after).toBeGreaterThan(4 * out.before);
  });
});

describe('v8-settings-at-load', () => {
  it('applies the V8 settings as soon as it is imported: the young generation no longer grows', () => {
    const script = `
      const v8 = require('node:v8');
      const newSpace = () => v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size;
      const before = newSpace();
      require(${JSON.stringify(path.join(work, 'startup', 'v8-settings-at-load.js'))});
      let kept = [];
      for (let i = 0; i < 3e6; i++) { kept.push({ i, s: 'x' + i }); if (kept.length > 20000) kept = []; }
      console.log(JSON.stringify({ before, after: newSpace() }));`;
    const env = { ...process.env, BRIDGEKIT_YOUNG_GENERATION: '', BRIDGEKIT_WASM_BASELINE: '' };
    const out = JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8', env })) as { before: number; after: number };
    expect(out.after).toBeLessThanOrEqual(2 * out.before);
  });

  it('is the first import of the package index', () => {
    const index = readFileSync(path.join(__dirname, '..', 'index.ts'), 'utf8');
    expect(index.match(/^import .*$/m)?.[0]).toBe("import './startup/v8-settings-at-load';");
  });
});
