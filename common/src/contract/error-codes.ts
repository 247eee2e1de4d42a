/**
 * Every error code the API answers with. Routes, tests and the client share this one list, so a
 * renamed or removed code fails to compile wherever it is used.
 */
export const ERROR_CODES = [
  'bad_request',
  'payload_too_large',
  'not_found',
  'invalid_user_id',
  'challenge_required',
  'challenge_failed',
  'identity_required',
  'invalid_identity',
  'network_blocked',
  'too_many_places',
  'missing_token',
  'invalid_token',
  'token_expired',
  'unauthorized',
  'forbidden',
  'already_purchased',
  'sold_out',
  'sale_ended',
  'sale_not_started',
  'sale_started',
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
