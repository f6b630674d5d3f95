import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { AppConfig } from '../core/config.js';
import { VecflowError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { EmbedderRegistry } from '../embedders/index.js';
import { EmbedderError } from '../embedders/port.js';
import { permanentFailure } from './permanent.js';
import type { EmbeddedBulkAccess } from '../stores/postgres/embedded.js';
import type { VectorStore } from '../stores/port.js';

/** What activities run against: the worker builds one of these at start-up. */
export interface ActivityContext {
  config: AppConfig;
  store: VectorStore;
  embedders: EmbedderRegistry;
  log: Logger;
  /** For activities that start or signal workflows (the reindex lock). */
  temporal?: Client;
  /** The embedded database's bulk path: in process when this worker owns it, else the store process's. */
  embedded?: EmbeddedBulkAccess;
}

/**
 * Client mistakes (validation, not found, conflict), final embedder errors and failures no retry
 * can fix (credentials, access, a full disk: permanent.ts) become non-retryable failures.
 */
export function toActivityFailure(err: unknown): unknown {
  if (err instanceof VecflowError && err.status < 500) {
    return ApplicationFailure.create({
      message: err.message,
      type: err.name,
      nonRetryable: true,
      details: [err.details ?? null],
    });
  }
  if (err instanceof EmbedderError && !err.retryable) {
    return ApplicationFailure.create({ message: err.message, type: err.name, nonRetryable: true });
  }
  const permanent = permanentFailure(err);
  // No `cause`: the job's detail is the root message, and it must be this one, which says what to fix.
  if (permanent) return ApplicationFailure.create({ ...permanent, nonRetryable: true });
  return err;
}

/** Wraps every activity so failures are classified in one place. */
export function classified<T extends Record<string, (...args: never[]) => Promise<unknown>>>(activities: T): T {
  const out: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(activities)) {
    out[name] = async (...args: never[]) => {
      try {
        return await fn(...args);
      } catch (err) {
        throw toActivityFailure(err);
      }
    };
  }
  return out as T;
}

/**
 * Runs a long step that has no checkpoint of its own (planning a file, converting one) with a
 * heartbeat every few seconds, so the heartbeat timeout still notices a dead worker quickly.
 */
export async function keepAlive<T>(step: () => Promise<T>, details?: () => unknown): Promise<T> {
  const activity = Context.current();
  const beat = setInterval(() => activity.heartbeat(details?.()), 5_000);
  try {
    return await step();
  } finally {
    clearInterval(beat);
  }
}
