import { Client, Connection } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { createLogger } from '../../core/logger.js';
import { startTemporalDev } from '../../devstack/temporal-dev.js';
import { buildWorkflowBundle } from '../../worker/bundle.js';
import { installTemporalRuntime } from '../../worker/runtime.js';
import { provided } from './servers.js';

// Temporal for tests: the dev server the run's globalSetup started, or (outside vitest: the
// benchmarks) TEMPORAL_ADDRESS, or one of our own; `own` is a server a test runs itself.
export async function testTemporal(own?: string): Promise<{ address: string; client: Client; stop(): Promise<void> }> {
  installTestRuntime();
  const shared = own ?? (await provided('temporalAddress')) ?? process.env.TEMPORAL_ADDRESS;
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

let bundle: Promise<{ codePath: string } | { code: string }> | null = null;
/** The workflow bundle: the one built for the whole run, else built once per process. */
export function workflowBundle(): Promise<{ codePath: string } | { code: string }> {
  bundle ??= provided('workflowBundlePath').then(async (codePath) =>
    codePath ? { codePath } : { code: await buildWorkflowBundle() },
  );
  return bundle;
}

/** The SDK's own logs through vecflow's logger, at WARN; once per process (vitest may run several files in one). */
export function installTestRuntime(): void {
  try {
    installTemporalRuntime(createLogger('test', 'warn', 'pretty'));
  } catch {
    // already installed in this process
  }
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

let queues = 0;
/** A task queue no other stack uses, even one started in the same millisecond by this process. */
export function uniqueQueue(name: string): string {
  return `${name}-${process.pid}-${Date.now().toString(36)}-${++queues}`;
}
