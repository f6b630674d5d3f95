import type { TestStack } from '../helpers/stack.js';

// Workflow runs whose histories are kept in test/histories/ and replayed by test/replay.test.ts,
// so a change that breaks determinism for runs already in flight fails the suite. Record (after
// an intended, versioned change) with `npm run histories:record`.
export interface ReplayScenario {
  name: string;
  /** Runs the scenario to completion and returns the workflow id whose history is kept. */
  run(stack: TestStack): Promise<string>;
}

export const SCENARIOS: ReplayScenario[] = [
  {
    name: 'provision-collection-blue',
    async run(stack) {
      const workflowId = 'replay-provision-collection';
      await stack.client.workflow.execute('provisionCollectionWorkflow', {
        taskQueue: stack.taskQueue,
        workflowId,
        args: [{ collection: 'replayed', embedding_model_id: 'hash-256', deploy_as_blue: true }],
      });
      return workflowId;
    },
  },
];
