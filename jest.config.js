/** Tests import the workspaces' sources directly, so `jest` needs no build. Types are checked by `npm run lint`. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/tests'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tests/tsconfig.json' }] },
  moduleNameMapper: {
    '^@flashsale/common$': '<rootDir>/common/src/index.ts',
    '^@flashsale/checkout$': '<rootDir>/checkout/src/app.ts',
    '^@flashsale/waiting-room$': '<rootDir>/waiting-room/src/app.ts',
  },
  testTimeout: 30_000,
  // Each test file starts its own redis-server; two at a time suits a two-core machine.
  maxWorkers: 2,
};
