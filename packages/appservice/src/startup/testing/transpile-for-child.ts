/**
 * For tests that must run core modules in a child process (V8 flags are process-wide and cannot
 * be taken back): the given source files, as CommonJS, under `dir` in the same layout as under
 * src/, so their relative imports resolve. Test-only; not exported by the package.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

const SRC = path.join(__dirname, '..', '..');

/** Writes `files` (paths relative to src/, `.ts`) as `.js` under `dir`; returns `dir`. */
export function transpileForChild(dir: string, files: readonly string[]): string {
  for (const file of files) {
    const out = path.join(dir, file.replace(/\.ts$/, '.js'));
    mkdirSync(path.dirname(out), { recursive: true });
    const source = readFileSync(path.join(SRC, file), 'utf8');
    writeFileSync(out, ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 } }).outputText);
  }
  return dir;
}
