import {
  type BackoffOptions,
  Client,
  Connection,
  defaultGrpcRetryOptions,
  makeGrpcRetryInterceptor,
} from '@temporalio/client';
import { SEARCH_ATTRIBUTES } from './search-attributes.js';
import type { TemporalConnection } from './temporal-connection.js';

// Temporal connections and the one-time registration of vecflow's search attributes.

/**
 * A client whose connection is opened on first use, so a process can start before Temporal does.
 * `temporal` is the configuration's (core/temporal-connection.ts): address, namespace, TLS, API key.
 */
export function lazyClient(
  temporal: Pick<TemporalConnection, 'options' | 'namespace'>,
  retry?: Partial<BackoffOptions>,
): Client {
  const interceptors = retry ? [makeGrpcRetryInterceptor(defaultGrpcRetryOptions(retry))] : undefined;
  return new Client({
    connection: Connection.lazy({ ...temporal.options, interceptors }),
    namespace: temporal.namespace,
  });
}

/**
 * The API's client: a call retries for about a second (a blip), then fails, and the request is
 * answered 503 at once — not held for the SDK's default ~20 s of retries per call.
 */
export const apiClient = (temporal: Pick<TemporalConnection, 'options' | 'namespace'>): Client =>
  lazyClient(temporal, { maxAttempts: 4 });

const INDEXED_TYPE = { KEYWORD: 2 } as const; // temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD

/** Registers the search attributes if missing; idempotent, safe to run from every worker start. */
export async function ensureSearchAttributes(client: Client): Promise<void> {
  const { namespace } = client.options;
  const existing = await client.connection.operatorService.listSearchAttributes({ namespace });
  const missing = SEARCH_ATTRIBUTES.filter((a) => !(a.name in (existing.customAttributes ?? {})));
  if (missing.length === 0) return;
  await client.connection.operatorService.addSearchAttributes({
    namespace,
    searchAttributes: Object.fromEntries(missing.map((a) => [a.name, INDEXED_TYPE[a.type as 'KEYWORD']])),
  });
}

/** Waits until Temporal answers, or throws after `timeoutMs`. */
export async function waitForTemporal(client: Client, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await client.workflowService.getSystemInfo({});
      return;
    } catch (err) {
      if (Date.now() > deadline)
        throw new Error(`Temporal did not answer within ${timeoutMs} ms: ${(err as Error).message}`, { cause: err });
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

/** A visibility-query condition matching this deployment's task queue (quotes escaped). */
export function taskQueueCondition(queue: string): string {
  return `TaskQueue = '${queue.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}
