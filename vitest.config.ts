import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/setup.ts'],
    globalSetup: ['test/global-setup.ts'],
    // Each test file runs in its own process: the embedded engine binds one data directory per process.
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // expect.poll waits for a condition; on CI's loaded two cores one second (the default) is too short to be a fair wait.
    expect: { poll: { timeout: 10_000, interval: 50 } },
  },
})
