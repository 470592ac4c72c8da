// Two tiers: `unit` (in-process, nock and fakes allowed) and `e2e` (real Synapse + real IRC server,
// started once per run by test/e2e/harness/global-setup.ts). `npm test` runs both. A third project,
// `chaos`, runs only from `npm run test:chaos`.
const tsJest = ['ts-jest', { tsconfig: 'tsconfig.jest.json' }];
const moduleNameMapper = {
  '^@bridgekit/appservice$': '<rootDir>/packages/appservice/src/index.ts',
  '^@bridgekit/appservice/testing$': '<rootDir>/packages/appservice/src/testing/index.ts',
  '^@bridgekit/appservice/code-cache$': '<rootDir>/packages/appservice/src/startup/code-cache.ts',
  '^@bridgekit/irc$': '<rootDir>/bridges/irc/src/index.ts',
};

module.exports = {
  projects: [
    {
      displayName: 'unit',
      rootDir: __dirname,
      testEnvironment: 'node',
      transform: { '^.+\\.ts$': tsJest },
      moduleNameMapper,
      testPathIgnorePatterns: ['/node_modules/'],
      testMatch: ['<rootDir>/packages/*/src/**/*.test.ts', '<rootDir>/bridges/*/src/**/*.test.ts', '<rootDir>/examples/*/src/**/*.test.ts', '<rootDir>/stack/*.test.ts', '<rootDir>/docs/*.test.ts'],
    },
    {
      displayName: 'e2e',
      rootDir: __dirname,
      testEnvironment: 'node',
      transform: { '^.+\\.ts$': tsJest },
      moduleNameMapper,
      testPathIgnorePatterns: ['/node_modules/'],
      testMatch: ['<rootDir>/test/e2e/**/*.e2e.ts'],
      globalSetup: '<rootDir>/test/e2e/harness/global-setup.ts',
      globalTeardown: '<rootDir>/test/e2e/harness/global-teardown.ts',
      setupFilesAfterEnv: ['<rootDir>/test/e2e/harness/timeout.ts'],
    },
    {
      // `npm run test:chaos` only (test/chaos/run.sh): kill -9, outages, fault proxies, a soak.
      // The same servers as e2e, started the same way; never part of `npm test`.
      displayName: 'chaos',
      rootDir: __dirname,
      testEnvironment: 'node',
      transform: { '^.+\\.ts$': tsJest },
      moduleNameMapper,
      testMatch: ['<rootDir>/test/chaos/**/*.chaos.ts'],
      globalSetup: '<rootDir>/test/e2e/harness/global-setup.ts',
      globalTeardown: '<rootDir>/test/e2e/harness/global-teardown.ts',
      setupFilesAfterEnv: ['<rootDir>/test/chaos/timeout.ts'],
    },
  ],
};
