import type { ErrorCode } from '@flashsale/common/contract';

/** A refusal in the SPEC's error shape, or `network` when no answer came back at all. */
export interface ApiFailure {
  ok: false;
  status: number;
  code: ErrorCode | 'network';
  message: string;
  /** Seconds, from the Retry-After header; null when the server gave none. */
  retryAfterSeconds: number | null;
  /** `already_purchased` carries the order id. */
  orderId: string | null;
}

export interface ApiSuccess<T> {
  ok: true;
  status: number;
  body: T;
}

export type ApiResult<T> = ApiSuccess<T> | ApiFailure;

/**
 * fetch, read as the API's contract: a 2xx body of type T, or a failure with its error code.
 * Never throws: a lost connection is a failure with code `network` and status 0.
 */
export async function requestJson<T>(url: string, init: RequestInit = {}): Promise<ApiResult<T>> {
  let response: Response;
  try {
    response = await fetch(url, { ...init, headers: { Accept: 'application/json', ...init.headers } });
  } catch {
    return failure(0, 'network', 'The connection failed.');
  }
  const body = await readBody(response);
  if (response.ok) return { ok: true, status: response.status, body: body as T };
  return failureOf(response, body);
}

/** As requestJson, for an answer that is text (a CSV download); a refusal is still the SPEC's JSON error. */
export async function requestText(url: string, init: RequestInit = {}): Promise<ApiResult<string>> {
  let response: Response;
  try {
    response = await fetch(url, init);
  } catch {
    return failure(0, 'network', 'The connection failed.');
  }
  const text = await response.text().catch(() => '');
  if (response.ok) return { ok: true, status: response.status, body: text };
  return failureOf(response, parseJson(text));
}

/** A failure decided here, not read from an answer: no Retry-After, no order. */
export function failure(status: number, code: ApiFailure['code'], message: string): ApiFailure {
  return { ok: false, status, code, message, retryAfterSeconds: null, orderId: null };
}

export function bearer(token: string): Record<string, string> {
  return { Authorization: `Bearer ${token}` };
}

async function readBody(response: Response): Promise<unknown> {
  if (response.status === 204) return null;
  return parseJson(await response.text().catch(() => ''));
}

function parseJson(text: string): unknown {
  if (text === '') return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

function failureOf(response: Response, body: unknown): ApiFailure {
  const error = isRecord(body) && isRecord(body.error) ? body.error : {};
  const code = typeof error.code === 'string' ? (error.code as ErrorCode) : fallbackCode(response.status);
  const orderId = stringField(error, 'orderId') ?? (isRecord(body) ? stringField(body, 'orderId') : null);
  return {
    ok: false,
    status: response.status,
    code,
    message: typeof error.message === 'string' ? error.message : '',
    retryAfterSeconds: retryAfterSeconds(response.headers.get('Retry-After')),
    orderId,
  };
}

/** An answer without the SPEC's body (a proxy's error page, say) still gets a sensible code. */
function fallbackCode(status: number): ErrorCode {
  if (status === 401) return 'unauthorized';
  if (status === 404) return 'not_found';
  if (status === 429) return 'rate_limited';
  if (status >= 500) return 'unavailable';
  return 'bad_request';
}

/** Retry-After is seconds or an HTTP date. */
export function retryAfterSeconds(header: string | null, now = Date.now()): number | null {
  if (header === null || header.trim() === '') return null;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds);
  const date = Date.parse(header);
  return Number.isNaN(date) ? null : Math.max(0, Math.ceil((date - now) / 1000));
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function stringField(record: Record<string, unknown>, key: string): string | null {
  const value = record[key];
  return typeof value === 'string' ? value : null;
}
