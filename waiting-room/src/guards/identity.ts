import type { KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { algorithmFor, normalizeUserId, type JoinPolicy } from '@flashsale/common';

/** The audience a shop's identity token must name (SPEC, Identity). */
export const IDENTITY_AUDIENCE = 'waiting-room';
const MAX_TOKEN_LENGTH = 4_096;

/** Who the shopper is: the normalised userId the shop vouches for, or why not. */
export type IdentityCheck = { userId: string } | { refused: 'identity_required' | 'invalid_identity' };

/**
 * The shop's signed identity: a JWT for its logged-in customer, signed with the shop's key, the
 * algorithm pinned by that key (RS256 or ES256, so `none` and HMAC are refused), `aud`
 * "waiting-room", `iss` when configured, and an `exp` it must carry. The userId is its `sub`.
 */
export function createIdentityCheck(identity: NonNullable<JoinPolicy['identity']>): (token: unknown) => IdentityCheck {
  const key: KeyObject = identity.key;
  const algorithm = algorithmFor(key);
  return (token) => {
    if (token === undefined || token === null || token === '') return { refused: 'identity_required' };
    if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH) return { refused: 'invalid_identity' };
    try {
      const claims = jwt.verify(token, key, {
        algorithms: [algorithm],
        audience: IDENTITY_AUDIENCE,
        ...(identity.issuer !== null && { issuer: identity.issuer }),
      });
      if (typeof claims !== 'object' || typeof claims.exp !== 'number') return { refused: 'invalid_identity' };
      const userId = normalizeUserId(claims.sub);
      return userId === null ? { refused: 'invalid_identity' } : { userId };
    } catch {
      return { refused: 'invalid_identity' };
    }
  };
}
