import type { Reporter, TestModule } from 'vitest/node';

// Ends the run with one plain line, `N passed, N failed`: the form the CI here reads. A file that
// fails to load or a hook that throws counts as failed, so a broken file can't pass unseen.
export default class SummaryReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<unknown>): void {
    let passed = 0;
    let failed = unhandledErrors.length;
    for (const mod of modules) {
      let failedInModule = 0;
      for (const test of mod.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') passed++;
        else if (state === 'failed') failedInModule++;
      }
      // A module whose collection or hooks failed may have no failed test to show for it.
      if (failedInModule === 0 && mod.state() === 'failed') failedInModule = 1;
      failed += failedInModule;
    }
    process.stdout.write(`\n${passed} passed, ${failed} failed\n`);
  }
}
