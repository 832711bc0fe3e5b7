/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/__tests__'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.test.json' }],
  },
  // Real sockets on a shared 2-core machine: generous, never used to assert speed.
  testTimeout: 60000,
  // The suites start real servers; two workers keep the 2-core machine responsive.
  maxWorkers: 2,
};
