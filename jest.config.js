/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/__tests__'],
  testMatch: ['**/*.test.ts'],
  transform: {
    // The NestJS example needs decorators (its own tsconfig); the first matching pattern wins.
    '/examples/nestjs-bff/.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/examples/nestjs-bff/tsconfig.json' }],
    '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.test.json' }],
  },
  // Real sockets on a shared 2-core machine: generous, never used to assert speed.
  testTimeout: 60000,
  // The suites start real servers; two workers keep the 2-core machine responsive.
  maxWorkers: 2,
};
