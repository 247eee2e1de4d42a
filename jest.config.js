/** Tests import the workspaces' sources directly, so `jest` needs no build. Types are checked by `npm run lint`. */
const server = {
  displayName: 'server',
  rootDir: __dirname,
  testEnvironment: 'node',
  roots: ['<rootDir>/tests'],
  testMatch: ['**/*.test.ts'],
  // The stress, process-failure and many-process tests have a project of their own, run after the
  // rest, one file at a time (npm test): they take both cores, and timing tests beside them would starve.
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/tests/stress/', '<rootDir>/tests/reliability/', '<rootDir>/tests/scale/'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tests/tsconfig.json' }] },
  moduleNameMapper: {
    '^@flashsale/common$': '<rootDir>/common/src/index.ts',
    '^@flashsale/checkout$': '<rootDir>/checkout/src/app.ts',
    '^@flashsale/waiting-room$': '<rootDir>/waiting-room/src/index.ts',
    '^@flashsale/all-in-one$': '<rootDir>/all-in-one/src/instance.ts',
  },
};

/** The whole-flow stress test, the process-failure tests and the scale-out tests: the server tests' setup, run alone. */
const heavy = {
  ...server,
  displayName: 'heavy',
  roots: ['<rootDir>/tests/stress', '<rootDir>/tests/reliability', '<rootDir>/tests/scale'],
  testPathIgnorePatterns: ['/node_modules/'],
};

/** The React client's component tests, in a browser-like DOM. */
const client = {
  displayName: 'client',
  rootDir: __dirname,
  testEnvironment: 'jsdom',
  roots: ['<rootDir>/tests/client'],
  testMatch: ['**/*.test.tsx'],
  transform: { '^.+\\.tsx?$': ['ts-jest', { tsconfig: '<rootDir>/tests/client/tsconfig.json' }] },
  moduleNameMapper: {
    '\\.css$': '<rootDir>/tests/client/style-stub.js',
    '^@flashsale/common/contract$': '<rootDir>/common/src/contract/index.ts',
  },
};

module.exports = {
  projects: [server, client, heavy],
  testTimeout: 30_000,
  // Each server test file starts its own redis-server; two at a time suits a two-core machine.
  maxWorkers: 2,
};
