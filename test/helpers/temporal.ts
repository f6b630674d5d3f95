import { Client, Connection } from '@temporalio/client';
import {
  NativeConnection,
  Runtime,
  DefaultLogger,
  type Worker,
  bundleWorkflowCode,
  type WorkflowBundleWithSourceMap,
} from '@temporalio/worker';
import { startTemporalDev } from '../../devstack/temporal-dev.js';
import { WORKFLOWS_PATH } from '../../worker/worker.js';

// Temporal for tests: the dev server `npm test` started (TEMPORAL_ADDRESS), or one of our own
// when a test file runs alone.
let installed = false;

export async function testTemporal(): Promise<{ address: string; client: Client; stop(): Promise<void> }> {
  if (!installed) {
    Runtime.install({ logger: new DefaultLogger('WARN') });
    installed = true;
  }
  const shared = process.env.TEMPORAL_ADDRESS;
  const server = shared ? null : await startTemporalDev();
  const address = shared ?? server!.address;
  const connection = await Connection.connect({ address });
  const client = new Client({ connection, namespace: 'default' });
  return {
    address,
    client,
    async stop() {
      await connection.close();
      await server?.stop();
    },
  };
}

let bundle: Promise<WorkflowBundleWithSourceMap> | null = null;
/** The workflow bundle, built once per test process. */
export function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundle ??= bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: new DefaultLogger('WARN') });
  return bundle;
}

export async function nativeConnection(address: string): Promise<NativeConnection> {
  return NativeConnection.connect({ address });
}

/** Runs `worker` in the background; the returned function stops it and waits until it has. */
export function runInBackground(worker: Worker): () => Promise<void> {
  const running = worker.run();
  return async () => {
    worker.shutdown();
    await running;
  };
}

export function uniqueQueue(name: string): string {
  return `${name}-${process.pid}-${Date.now().toString(36)}`;
}
