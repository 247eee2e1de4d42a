import { randomUUID, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { z } from 'zod';
import { normalizeUserId } from '../contract/identity';
import { algorithmFor, keyId, type VerificationKey } from './keys';

export const ADMISSION_ISSUER = 'waiting-room';
export const ADMISSION_AUDIENCE = 'checkout';

export interface AdmissionClaims {
  iss: typeof ADMISSION_ISSUER;
  aud: typeof ADMISSION_AUDIENCE;
  /** The normalised userId. */
  sub: string;
  sale: string;
  jti: string;
  iat: number;
  exp: number;
}

export interface SignedAdmission {
  token: string;
  /** Epoch milliseconds. */
  expiresAt: number;
  claims: AdmissionClaims;
}

/** Signs admission tokens with the waiting room's private key (RS256 or ES256, by the key). */
export function createAdmissionTokenSigner(privateKey: KeyObject, saleId: string, ttlSeconds: number) {
  const algorithm = algorithmFor(privateKey);
  const kid = keyId(privateKey);
  return {
    /**
     * Signs for `userId`. The expiry defaults to `now` + TTL; the admission step passes the
     * expiry it stored, so the token dies no later than the slot it stands for.
     */
    sign(userId: string, now: number, expiresAt = now + ttlSeconds * 1000): SignedAdmission {
      const iat = Math.floor(now / 1000);
      const claims: AdmissionClaims = {
        iss: ADMISSION_ISSUER,
        aud: ADMISSION_AUDIENCE,
        sub: userId,
        sale: saleId,
        jti: randomUUID(),
        iat,
        exp: Math.floor(expiresAt / 1000),
      };
      const token = jwt.sign(claims, privateKey, { algorithm, keyid: kid });
      return { token, expiresAt: claims.exp * 1000, claims };
    },
  };
}

export type AdmissionVerification = { ok: true; claims: AdmissionClaims } | { ok: false; code: 'invalid_token' | 'token_expired' };

/** Far above any real token (about 700 characters with RS256), far below what could hurt. */
const MAX_TOKEN_LENGTH = 4096;

const headerSchema = z.object({
  alg: z.string(),
  kid: z.string().optional(),
  typ: z.literal('JWT').optional(),
  crit: z.never().optional(),
});
const claimsSchema = z.object({
  iss: z.literal(ADMISSION_ISSUER),
  aud: z.literal(ADMISSION_AUDIENCE),
  sub: z.string().refine((sub) => normalizeUserId(sub) === sub),
  sale: z.string(),
  jti: z.string().min(1),
  iat: z.number(),
  exp: z.number(),
});

/**
 * Verifies admission tokens with public keys only, through jsonwebtoken. Around it, the rules
 * it leaves to the caller: the `kid` must name a key we hold, the algorithm is pinned by that
 * key (so `none` and HMAC never verify), no `crit` extension, and exactly the SPEC's claims,
 * with a single audience, an expiry and a normalised subject. Tokens from one key share one
 * header, so the header verdict is remembered per header.
 */
export function createAdmissionTokenVerifier(keys: VerificationKey[], saleId: string) {
  const byKid = new Map(keys.map((key) => [key.kid, key]));
  const only = keys.length === 1 ? keys[0] : undefined;
  const keyForHeader = new Map<string, VerificationKey | null>();
  const invalid: AdmissionVerification = { ok: false, code: 'invalid_token' };
  const expired: AdmissionVerification = { ok: false, code: 'token_expired' };

  function resolveKey(encodedHeader: string): VerificationKey | null {
    const header = headerSchema.safeParse(decodeJson(encodedHeader));
    if (!header.success) return null;
    const key = header.data.kid === undefined ? only : byKid.get(header.data.kid);
    return key !== undefined && key.algorithm === header.data.alg ? key : null;
  }

  return function verifyAdmissionToken(token: string, now: number): AdmissionVerification {
    if (token.length > MAX_TOKEN_LENGTH) return invalid;
    const encodedHeader = token.slice(0, Math.max(0, token.indexOf('.')));
    let key = keyForHeader.get(encodedHeader);
    if (key === undefined) {
      key = resolveKey(encodedHeader);
      // Forged tokens can carry any header: remember a bounded number only.
      if (keyForHeader.size > 64) keyForHeader.clear();
      keyForHeader.set(encodedHeader, key);
    }
    if (key === null) return invalid;

    let payload: unknown;
    try {
      payload = jwt.verify(token, key.key, {
        algorithms: [key.algorithm],
        audience: ADMISSION_AUDIENCE,
        issuer: ADMISSION_ISSUER,
        clockTimestamp: Math.floor(now / 1000),
      });
    } catch (error) {
      return error instanceof jwt.TokenExpiredError ? expired : invalid;
    }
    const claims = claimsSchema.safeParse(payload);
    if (!claims.success || claims.data.sale !== saleId) return invalid;
    return { ok: true, claims: claims.data };
  };
}

function decodeJson(part: string): unknown {
  try {
    return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
}
