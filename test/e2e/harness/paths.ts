import { join, resolve } from 'node:path';

export const REPO_ROOT = resolve(__dirname, '..', '..', '..');
/** Git-ignored state of the e2e tier: the Synapse venv, run records, the last run's logs. */
export const E2E_STATE_DIR = join(REPO_ROOT, '.e2e');
export const SYNAPSE_PYTHON = join(E2E_STATE_DIR, 'venv', 'bin', 'python');
export const LAST_RUN_DIR = join(E2E_STATE_DIR, 'last-run');
export const RUN_RECORDS_DIR = join(E2E_STATE_DIR, 'runs');
