/**
 * Synapse and ngIRCd come from the e2e tier's installer (test/e2e/setup): one pinned Synapse venv
 * in .e2e/venv and Debian's ngircd, shared by the tests and the stack.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ngircdBinary } from '../test/e2e/harness/ngircd';
import { E2E_STATE_DIR, REPO_ROOT, SYNAPSE_PYTHON } from '../test/e2e/harness/paths';
import { StackError } from './errors';

const SETUP_SCRIPT = join(REPO_ROOT, 'test', 'e2e', 'setup');
const CONSTRAINTS = join(REPO_ROOT, 'test', 'e2e', 'synapse-constraints.txt');
/** Written by test/e2e/setup after a complete venv install: the sha256 of the constraints it used. */
const VENV_STAMP = join(E2E_STATE_DIR, 'venv', '.bridgekit-constraints.sha256');

function hasNgircd(): boolean {
  try {
    ngircdBinary();
    return true;
  } catch {
    return false;
  }
}

/**
 * The installer's own check imports Synapse (about 4 s); this one reads the stamp it leaves, so a
 * warm start does not pay for it. A venv broken after install still shows up, as Synapse's log.
 */
export function isInstalled(): boolean {
  if (!hasNgircd() || !existsSync(SYNAPSE_PYTHON) || !existsSync(VENV_STAMP)) return false;
  const wanted = createHash('sha256').update(readFileSync(CONSTRAINTS)).digest('hex');
  return readFileSync(VENV_STAMP, 'utf8').trim() === wanted;
}

/** Runs test/e2e/setup; its output is shown only when it fails (it says what to install). */
export function runInstaller(): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [SETUP_SCRIPT, 'all'], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', (err) => reject(new StackError(`Could not run the installer (bash ${SETUP_SCRIPT}): ${err.message}`, 'Install bash, or run the script by hand.')));
    child.once('close', (code) => {
      if (code === 0) return resolve();
      const lines = output.trimEnd().split('\n');
      const errors = lines.filter((line) => /error/i.test(line)).map((line) => line.replace(/^e2e setup: error: /, ''));
      // pip and apt-get say more than the installer's own one-line verdict: show their last words.
      const more = lines.length > errors.length ? { title: 'Last lines of the installer output', text: lines.slice(-30).join('\n') } : undefined;
      reject(
        new StackError(
          `Installing Synapse and ngIRCd failed: ${errors.length > 0 ? errors.join('\n') : `test/e2e/setup exited with code ${code}`}`,
          'Fix what the installer says (Synapse needs python3 >= 3.10 with venv and pip, and network access to PyPI; ngIRCd needs apt-get), then run `npm run stack` again.',
          more,
        ),
      );
    });
  });
}
