/** Jest global teardown of the e2e project: stops the run's processes, keeps logs, deletes the rest. */
import { join } from 'node:path';
import { ENV_FILE_VAR } from './env';
import { LAST_RUN_DIR } from './paths';
import { endRun, readRunRecord } from './run-record';

export default async function globalTeardown(): Promise<void> {
  const record = readRunRecord(process.pid);
  if (!record) return; // setup failed and already cleaned up
  const killed = await endRun(record, join(record.runDir, 'logs'));
  delete process.env[ENV_FILE_VAR];
  if (killed.length > 0) {
    process.stderr.write(`e2e: ${killed.join(', ')} ignored SIGTERM for 10 s and was killed\n`);
  }
  process.stderr.write(`e2e: logs of this run are in ${LAST_RUN_DIR}\n`);
}
