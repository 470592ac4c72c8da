import { secretsInLogs, secretsOfTheRun } from './harness/secrets';
import { report } from './harness/tally';

// Chaos scenarios run bursts, outages and a soak against real servers: minutes, not seconds.
// Every wait inside is still bounded, so a hang fails with a message instead of blocking the run.
jest.setTimeout(Number(process.env.CHAOS_TEST_TIMEOUT_MS ?? 45 * 60_000));

// After every chaos file: no secret of the run in any log written so far (bridge, Synapse, ngIRCd).
afterAll(() => {
  const hits = secretsInLogs();
  report(`secrets searched in every log so far ("lost" = values found; after ${expect.getState().testPath?.split('/').pop()})`, { sent: secretsOfTheRun().length, arrived: 0, lost: hits.length, duplicated: 0 }, hits.join("; ") || `${secretsOfTheRun().length} secrets searched, 0 found`);
  expect(hits).toEqual([]);
});
