import { defineConfig } from 'vitest/config';

// Three tiers (see README, Tests): `unit` is pure logic with no servers and runs in seconds;
// `integration` runs end to end against the real servers test/setup/servers.ts starts once per
// run, two files at a time (each file's stack has a task queue, collections and job ids of its
// own on the shared servers); `faults` kills processes, one file at a time.
// Timeouts are per tier; nothing is retried.
/** Integration files at once: two take 60 % of the serial time on the 2-core machines here. */
const INTEGRATION_FORKS = Number(process.env.VECFLOW_TEST_FORKS ?? 2);
/** The server tiers: real servers started once per run. */
const SERVERS = {
  globalSetup: ['./test/setup/servers.ts'],
  setupFiles: ['./test/setup/runtime.ts'],
  testTimeout: 600_000,
  hookTimeout: 600_000,
  fileParallelism: false,
  maxWorkers: 1,
};

const FULL_FAULTS = process.env.VECFLOW_FAULTS === 'full';
/** One fault of each kind: a worker SIGKILLed mid-job, Temporal restarted, S3 down. */
const SHORT_FAULTS = ['reindex-kill', 'temporal-restart', 's3-outage', 'workers-kill'].map(
  (f) => `test/faults/${f}.test.ts`,
);

export default defineConfig({
  test: {
    reporters: ['default', './test/setup/summary-reporter.ts'],
    pool: 'forks',
    env: { LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn', AWS_EC2_METADATA_DISABLED: 'true' },
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          testTimeout: 10_000,
          hookTimeout: 10_000,
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          ...SERVERS,
          fileParallelism: INTEGRATION_FORKS > 1,
          maxWorkers: INTEGRATION_FORKS,
          sequence: { groupOrder: 1 },
        },
      },
      {
        // Faults injected into real processes (SIGKILLed workers, S3 down, Temporal restarted):
        // `npm run test:faults` (VECFLOW_FAULTS=full) injects every fault three times; `npm test`
        // injects one of each kind once, so CI stays under 20 minutes.
        extends: true,
        test: {
          name: 'faults',
          include: FULL_FAULTS ? ['test/faults/**/*.test.ts'] : SHORT_FAULTS,
          ...SERVERS,
          sequence: { groupOrder: 2 },
        },
      },
    ],
  },
});
