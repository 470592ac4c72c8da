import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { transpileForChild } from '../startup/testing/transpile-for-child';

// The flag is process-wide and cannot be taken back, so each case runs in a child process: V8's
// test intrinsics say which compiler built a function. The child starts with --no-liftoff, so
// V8 builds Wasm with its optimising compiler alone, synchronously (nothing left to a thread).
const V8_ARGS = ['--allow-natives-syntax', '--no-liftoff'];
/** (module (func (export "f") (param i32) (result i32) local.get 0 i32.const k i32.add)): a new k is a new module, not one from V8's cache. */
const wasm = (k: number) => [0, 97, 115, 109, 1, 0, 0, 0, 1, 6, 1, 96, 1, 127, 1, 127, 3, 2, 1, 0, 7, 5, 1, 1, 102, 0, 0, 10, 9, 1, 7, 0, 32, 0, 65, k, 106, 11];

let work: string;
let compiled: string;

beforeAll(() => {
  work = mkdtempSync(path.join(os.tmpdir(), 'bridgekit-wasm-baseline-'));
  transpileForChild(work, ['csapi/wasm-baseline.ts', 'startup/v8-flag.ts']);
  compiled = path.join(work, 'csapi', 'wasm-baseline.js');
});

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

interface Compiled { turbofan: boolean; liftoff: boolean }

/** Compiles the module before and after `useBaselineWasmCompiler(env)` in a fresh process. */
function compileAround(env: Record<string, string>): { before: Compiled; applied: boolean; after: Compiled } {
  const script = `
    const tier = (bytes) => { const f = new WebAssembly.Instance(new WebAssembly.Module(new Uint8Array(bytes))).exports.f; f(1); return { turbofan: %IsTurboFanFunction(f), liftoff: %IsLiftoffFunction(f) }; };
    const before = tier(${JSON.stringify(wasm(1))});
    const applied = require(${JSON.stringify(compiled)}).useBaselineWasmCompiler(${JSON.stringify(env)});
    console.log(JSON.stringify({ before, applied, after: tier(${JSON.stringify(wasm(2))}) }));`;
  return JSON.parse(execFileSync(process.execPath, [...V8_ARGS, '-e', script], { encoding: 'utf8' })) as { before: Compiled; applied: boolean; after: Compiled };
}

describe('useBaselineWasmCompiler', () => {
  it('keeps Wasm compiled afterwards on the baseline compiler (what V8 would otherwise optimise)', () => {
    const out = compileAround({});
    expect(out.before).toEqual({ turbofan: true, liftoff: false });
    expect(out.applied).toBe(true);
    expect(out.after).toEqual({ turbofan: false, liftoff: true });
  });

  it('leaves V8 as it is with BRIDGEKIT_WASM_BASELINE=off', () => {
    const out = compileAround({ BRIDGEKIT_WASM_BASELINE: 'off' });
    expect(out.applied).toBe(false);
    expect(out.after).toEqual({ turbofan: true, liftoff: false });
  });
});
