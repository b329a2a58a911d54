import { defineConfig } from 'vitest/config'

/**
 * Unit tests: pure functions of the collector, API, UI and schemas. They start no engine or server, so
 * they run in worker threads that keep their loaded modules from one file to the next (no process per
 * file, no dashboard build first). `npx vitest run --project unit` runs them alone in a few seconds.
 * A new test file not listed here runs with the engine tests: the safe default.
 */
const UNIT_TESTS = [
  'test/analytics-units.test.ts',
  'test/auth-hardening-units.test.ts',
  'test/bench-cpu.test.ts',
  'test/billing-rules.test.ts',
  'test/budget-forecast.test.ts',
  'test/config.test.ts',
  'test/csv-lines.test.ts',
  'test/cumulative-units.test.ts',
  'test/demo-model.test.ts',
  'test/deploy-files.test.ts',
  'test/http-service.test.ts',
  'test/layers.test.ts',
  'test/limits-units.test.ts',
  'test/normalize.test.ts',
  'test/overload-units.test.ts',
  'test/periods-units.test.ts',
  'test/privacy-filter-units.test.ts',
  'test/refusal.test.ts',
  'test/simulate-rules.test.ts',
  'test/tiers.test.ts',
  'test/ui-plans.test.ts',
  'test/ui-prepare*.test.ts',
  'test/ui-same.test.ts',
]

export default defineConfig({
  test: {
    setupFiles: ['test/setup.ts'],
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // expect.poll waits for a condition; on CI's loaded two cores one second (the default) is too short to be a fair wait.
    expect: { poll: { timeout: 10_000, interval: 50 } },
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: UNIT_TESTS, pool: 'threads', isolate: false },
      },
      {
        extends: true,
        test: {
          name: 'engine',
          include: ['test/**/*.test.ts'],
          exclude: UNIT_TESTS,
          // The dashboard is built once (when its sources changed) before any test file starts ccscope.
          globalSetup: ['test/global-setup.ts'],
          // Each test file runs in its own process: the embedded engine binds one data directory per process.
          pool: 'forks',
        },
      },
    ],
  },
})
