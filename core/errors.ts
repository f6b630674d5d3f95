// Errors that cross layers. Each carries an HTTP status so the API maps them without guessing,
// and a stable `code` that clients and activities can branch on.
export class VecflowError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly status: number,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** The caller sent something wrong: a bad field, row, filter or id. Never retried. */
export class ValidationError extends VecflowError {
  constructor(message: string, details?: unknown) {
    super(message, 'invalid_argument', 400, details);
  }
}

export class NotFoundError extends VecflowError {
  constructor(message: string, details?: unknown) {
    super(message, 'not_found', 404, details);
  }
}

export class ConflictError extends VecflowError {
  constructor(message: string, details?: unknown) {
    super(message, 'conflict', 409, details);
  }
}

/** A dependency (store, embedder, Temporal) did not answer; retrying may help. */
export class UnavailableError extends VecflowError {
  constructor(message: string, details?: unknown) {
    super(message, 'unavailable', 503, details);
  }
}

/** Raised by the configuration loader: the process must not start. */
export class ConfigError extends VecflowError {
  constructor(message: string, details?: unknown) {
    super(message, 'config_error', 500, details);
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
