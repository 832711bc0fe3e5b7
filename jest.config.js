/** @type {import('jest').Config} */
const shared = {
  testEnvironment: 'node',
  roots: ['<rootDir>/__tests__'],
  transform: {
    // The NestJS example needs decorators (its own tsconfig); the first matching pattern wins.
    '/examples/nestjs-bff/.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/examples/nestjs-bff/tsconfig.json' }],
    '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.test.json' }],
    // msw 2 (used in __tests__/compat) requires ESM-only packages; compile just those to CommonJS,
    // as msw's jest users do (mswjs/msw#2698). transpile only: no type-check of node_modules.
    '/node_modules/(rettime|until-async|@open-draft/deferred-promise)/.+\\.m?js$': ['ts-jest', { tsconfig: { allowJs: true, module: 'commonjs', isolatedModules: true } }],
  },
  transformIgnorePatterns: ['/node_modules/(?!(rettime|until-async|@open-draft/deferred-promise)/)'],
  testMatch: ['**/*.test.ts'],
};

module.exports = {
  projects: [
    // Everything, with the library's defaults: eligible calls take the lean path.
    { ...shared, displayName: 'lean path' },
    // The behaviour suites again with `lean: false` (every call through axios's own http adapter):
    // the tests' `../src` imports resolve to a wrapper that passes it (helpers/lean-off.ts). Left out:
    // the suites about the package, the README and the examples (no behaviour of the adapter), and
    // the lean adapter's own tests, and the check of src/'s layers (architecture.test.ts: no behaviour).
    {
      ...shared,
      displayName: "axios's adapter",
      moduleNameMapper: { '^(\\.\\./)+src$': '<rootDir>/__tests__/helpers/lean-off.ts' },
      testPathIgnorePatterns: [
        '/node_modules/', '/__tests__/lean/', 'consumer', 'packaging', 'readme', 'example', 'otel-tracing', 'jest-exit', 'architecture',
      ],
    },
  ],
  // Real sockets on a shared 2-core machine: generous, never used to assert speed.
  testTimeout: 60000,
  // The suites start real servers; two workers keep the 2-core machine responsive.
  maxWorkers: 2,
};
