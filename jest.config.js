/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/__tests__'],
  testMatch: ['**/*.test.ts'],
  transform: {
    // The NestJS example needs decorators (its own tsconfig); the first matching pattern wins.
    '/examples/nestjs-bff/.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/examples/nestjs-bff/tsconfig.json' }],
    '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.test.json' }],
    // msw 2 (used in __tests__/compat) requires ESM-only packages; compile just those to CommonJS,
    // as msw's jest users do (mswjs/msw#2698). transpile only: no type-check of node_modules.
    '/node_modules/(rettime|until-async|@open-draft/deferred-promise)/.+\\.m?js$': ['ts-jest', { tsconfig: { allowJs: true, module: 'commonjs', isolatedModules: true } }],
  },
  transformIgnorePatterns: ['/node_modules/(?!(rettime|until-async|@open-draft/deferred-promise)/)'],
  // Real sockets on a shared 2-core machine: generous, never used to assert speed.
  testTimeout: 60000,
  // The suites start real servers; two workers keep the 2-core machine responsive.
  maxWorkers: 2,
};
