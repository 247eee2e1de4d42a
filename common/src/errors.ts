import type { ErrorCode } from './contract/error-codes';

/** An error with a known HTTP status and code; the error middleware answers it as it is. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

/**
 * Thrown by a store when its backing service cannot be reached or does not answer in time.
 * The HTTP layer turns it into 503 `unavailable` with `Retry-After`; nothing has been consumed.
 */
export class StoreUnavailableError extends Error {
  constructor(cause: unknown) {
    super('the sale store is unavailable', { cause });
    this.name = 'StoreUnavailableError';
  }
}

/**
 * A service the process needs (Redis, PostgreSQL) could not be reached at start. Start-up prints
 * its one message and stops, as for a configuration error: a stack trace would say nothing more.
 */
export class StartupDependencyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StartupDependencyError';
  }
}
