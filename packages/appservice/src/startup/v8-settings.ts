/**
 * The V8 settings the bridge runs with (young-generation.ts and csapi/wasm-baseline.ts say why),
 * applied as early as possible: before the bridge's modules load (the first burst that grows the
 * young generation) and before the bin compiles its bundle. V8 refuses a code cache made under
 * other flags, and the cache is written after the start: flags changed only then made every
 * start a cold one. This module imports only node: modules, so the bin can load it first.
 */
import { useBaselineWasmCompiler } from '../csapi/wasm-baseline';
import { stopYoungGenerationGrowth } from './young-generation';

/** Applies the bridge's V8 settings (each can be turned off by its environment variable). */
export function applyV8Settings(env: NodeJS.ProcessEnv = process.env): void {
  stopYoungGenerationGrowth(env);
  useBaselineWasmCompiler(env);
}
