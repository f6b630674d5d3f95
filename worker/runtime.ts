import type { LogLevel, LogMetadata, Logger as TemporalLogger } from '@temporalio/common';
import { Runtime } from '@temporalio/worker';
import type { Logger } from '../core/logger.js';

// The Temporal SDK's own logs (the TS worker's and, forwarded, its native core's) go through
// vecflow's logger: the same format, the same redaction. Failures the SDK reports while it
// retries (an activity attempt failed, a workflow task failed) are expected: one line with
// the error's message. Only ERROR keeps the stack. A many-line message (webpack's report when a
// worker bundles its workflows) becomes its summary line; the whole text is kept at debug.
const LEVELS = { TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' } as const;

export function temporalLogger(log: Logger): TemporalLogger {
  const emit = (level: LogLevel, message: string, meta: LogMetadata = {}) => {
    // (taskToken: an opaque base64 blob that tells a reader nothing.)
    const {
      error,
      sdkComponent,
      taskToken: _token,
      ...fields
    } = meta as LogMetadata & {
      error?: unknown;
      sdkComponent?: string;
    };
    const line: Record<string, unknown> = { ...fields, ...(sdkComponent ? { component: sdkComponent } : {}) };
    if (error instanceof Error) {
      if (level === 'ERROR') line.err = error;
      else line.error = `${error.name}: ${error.message}`;
    } else if (error !== undefined) line.error = error;
    if (!message.includes('\n')) return log[LEVELS[level]](line, message);
    const lines = message.split('\n').filter((l) => l.trim());
    log[LEVELS[level]](line, (level === 'ERROR' ? lines[0] : lines.at(-1)) ?? '');
    log.debug({ ...line, text: message }, 'full text of the message above');
  };
  return {
    log: emit,
    trace: (m, meta) => emit('TRACE', m, meta),
    debug: (m, meta) => emit('DEBUG', m, meta),
    info: (m, meta) => emit('INFO', m, meta),
    warn: (m, meta) => emit('WARN', m, meta),
    error: (m, meta) => emit('ERROR', m, meta),
  };
}

/** Installs the SDK runtime with vecflow's logger; once per process, before any worker exists. */
export function installTemporalRuntime(log: Logger): void {
  const level = log.levelVal <= 20 ? 'DEBUG' : 'WARN';
  Runtime.install({
    logger: temporalLogger(log),
    telemetryOptions: { logging: { filter: { core: level, other: 'ERROR' }, forward: {} } },
  });
}
