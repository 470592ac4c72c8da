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
import { setV8FlagOnce } from '../startup/v8-flag';

/** Keeps V8's Wasm on its baseline compiler (once per process), unless BRIDGEKIT_WASM_BASELINE=off. */
export function useBaselineWasmCompiler(env: NodeJS.ProcessEnv = process.env): boolean {
  // Read by V8 when a module is compiled: it must come before undici's first connection.
  return setV8FlagOnce('--liftoff-only', env, { variable: 'BRIDGEKIT_WASM_BASELINE', value: 'off' });
}
