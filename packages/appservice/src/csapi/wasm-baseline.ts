/**
 * undici parses every HTTP response with llhttp, compiled to WebAssembly at the first request.
 * V8 then also builds llhttp's one giant parse function with its optimising Wasm compiler
 * (TurboFan) on a background thread, in about 28 MiB of scratch memory: freed a moment later,
 * but it is the bridge's peak RSS of the whole start (Node 20, bench/results/
 * 2026-12-07-vm-puppet-memory.md). The baseline compiler (Liftoff) builds it in under 1 MiB and
 * parsing a response costs the same within noise, so Wasm stays on the baseline compiler.
 *
 * The flag is process-wide: a bridge that runs heavy Wasm of its own (a crypto library, say)
 * and would rather have it optimised sets BRIDGEKIT_WASM_BASELINE=off.
 */
import { setFlagsFromString } from 'node:v8';

let applied = false;

/** Keeps V8's Wasm on its baseline compiler (once per process), unless BRIDGEKIT_WASM_BASELINE=off. */
export function useBaselineWasmCompiler(env: NodeJS.ProcessEnv = process.env): boolean {
  if (applied) return true;
  if (env.BRIDGEKIT_WASM_BASELINE === 'off') return false;
  // Read by V8 when a module is compiled: it must come before undici's first connection.
  setFlagsFromString('--liftoff-only');
  applied = true;
  return true;
}
