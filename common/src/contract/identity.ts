/** The longest userId we accept, after trimming. */
export const MAX_USER_ID_LENGTH = 64;

/** What every route answers with 400 `invalid_user_id`. */
export const INVALID_USER_ID_MESSAGE = 'A userId is 1-64 characters: letters, digits and . _ @ + -';

// Checked before lower-casing: some non-ASCII letters lower-case to ASCII (the Kelvin sign to `k`).
const USER_ID_PATTERN = /^[A-Za-z0-9._@+-]{1,64}$/;

/**
 * Normalises a shopper's self-chosen id (a username or an email): trimmed and lower-cased, so
 * `Alice@x.com` and ` alice@x.com ` are one shopper. Returns null when the result is not 1–64
 * characters of `[a-z0-9._@+-]`; that also rejects look-alike Unicode and control characters.
 */
export function normalizeUserId(raw: unknown): string | null {
  if (typeof raw !== 'string' || raw.length > 4 * MAX_USER_ID_LENGTH) return null;
  const trimmed = raw.trim();
  return USER_ID_PATTERN.test(trimmed) ? trimmed.toLowerCase() : null;
}
