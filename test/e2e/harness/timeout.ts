// jest reads `testTimeout` only from the top-level config, not from a project: the e2e tier sets
// its own here (real servers answer in seconds, not milliseconds; every wait inside is bounded).
jest.setTimeout(60_000);
