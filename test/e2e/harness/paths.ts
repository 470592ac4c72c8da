import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The repository root: the nearest directory above this file whose package.json declares the
 * workspaces. Found by walking up rather than a fixed `../../..` because this module also runs
 * compiled, from stack/dist/test/e2e/harness (the local stack reuses the harness).
 */
function findRepoRoot(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && 'workspaces' in (JSON.parse(readFileSync(manifest, 'utf8')) as object)) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json with "workspaces" above ${start}: is this file inside the Bridgekit repository?`);
  }
}

export const REPO_ROOT = findRepoRoot(__dirname);
/** Git-ignored state of the e2e tier: the Synapse venv, run records, the last run's logs. */
export const E2E_STATE_DIR = join(REPO_ROOT, '.e2e');
export const SYNAPSE_PYTHON = join(E2E_STATE_DIR, 'venv', 'bin', 'python');
export const LAST_RUN_DIR = join(E2E_STATE_DIR, 'last-run');
export const RUN_RECORDS_DIR = join(E2E_STATE_DIR, 'runs');
