/**
 * Every error code the API answers with. Routes, tests and the client share this one list, so a
 * renamed or removed code fails to compile wherever it is used.
 */
export const ERROR_CODES = [
  'bad_request',
  'payload_too_large',
  'not_found',
  'invalid_user_id',
  'missing_token',
  'invalid_token',
  'token_expired',
  'unauthorized',
  'forbidden',
  'already_purchased',
  'sold_out',
  'sale_ended',
  'sale_not_started',
  'rate_limited',
  'unavailable',
  'internal_error',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** The SPEC's error shape. `extra` carries fields such as the `orderId` of `already_purchased`. */
export interface ErrorBody {
  error: { code: ErrorCode; message: string } & Record<string, unknown>;
}

export function errorBody(code: ErrorCode, message: string, extra?: Record<string, unknown>): ErrorBody {
  return { error: { code, message, ...extra } };
}

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
