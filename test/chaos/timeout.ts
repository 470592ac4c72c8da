// Chaos scenarios run bursts, outages and a soak against real servers: minutes, not seconds.
// Every wait inside is still bounded, so a hang fails with a message instead of blocking the run.
jest.setTimeout(Number(process.env.CHAOS_TEST_TIMEOUT_MS ?? 45 * 60_000));
