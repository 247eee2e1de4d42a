import { createHash, createHmac, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import { createRequire } from 'node:module';
import type * as AltchaV1 from 'altcha-lib/v1' with { 'resolution-mode': 'import' };
import { z } from 'zod';
import type { ChallengeAnswer } from '@flashsale/common';

// altcha-lib is an ES module package that also ships CommonJS; TypeScript types it as ESM only,
// so the CommonJS build is required by name and typed from the package's own declarations.
const { extractParams } = createRequire(__filename)('altcha-lib/v1') as typeof AltchaV1;

/** How long a challenge may be solved and spent (SPEC). */
export const CHALLENGE_TTL_MS = 10 * 60_000;
const MAX_PROOF_LENGTH = 2_048;

const payloadSchema = z
  .object({
    algorithm: z.literal('SHA-256'),
    challenge: z.string().regex(/^[0-9a-f]{64}$/),
    number: z.number().int().min(0),
    salt: z.string().max(512),
    signature: z.string().regex(/^[0-9a-f]{64}$/),
  })
  .strict();

/** A proof that solves a challenge this sale issued: its id (the signature), spent once, and its expiry. */
export interface PaidChallenge {
  id: string;
  expiresAt: number;
}

export interface JoinChallenges {
  /** A fresh ALTCHA challenge at this cost, for this sale, expiring in 10 minutes. */
  issue(maxNumber: number, now: number): Extract<ChallengeAnswer, { required: true }>;
  /**
   * The challenge a proof pays with, or null when the proof is unreadable, solves nothing this
   * sale issued (a forged signature, a wrong number, another sale) or comes too late. Whether it
   * was spent already is the store's to say, atomically with the join.
   */
  check(proof: unknown, now: number): PaidChallenge | null;
}

/**
 * ALTCHA proof of work for joins (altcha-lib, protocol v1): the challenge is the SHA-256 of a
 * salt and a secret number, signed with an HMAC key that every instance derives from the shared
 * QUEUE_TOKEN_SECRET, so any instance checks what another issued. The salt carries the sale and
 * the expiry, under the signature.
 */
export function createJoinChallenges(queueTokenSecret: string, saleId: string): JoinChallenges {
  const hmacKey = createHmac('sha256', queueTokenSecret).update('join-challenge').digest('hex');
  return {
    issue(maxNumber, now) {
      // altcha-lib's createChallenge, with node:crypto: the salt carries the sale and the expiry
      // (and ends with '&', so no parameter can be spliced on), the secret number is in [1, max].
      const params = new URLSearchParams({ sale: saleId, expires: String(Math.floor((now + CHALLENGE_TTL_MS) / 1000)) });
      const salt = `${randomBytes(12).toString('hex')}?${params.toString()}&`;
      const challenge = sha256Hex(salt + String(randomInt(1, maxNumber + 1)));
      return {
        required: true,
        algorithm: 'SHA-256',
        challenge,
        salt,
        maxnumber: maxNumber,
        signature: createHmac('sha256', hmacKey).update(challenge).digest('hex'),
      };
    },
    check(proof, now) {
      if (typeof proof !== 'string' || proof.length > MAX_PROOF_LENGTH) return null;
      const payload = payloadSchema.safeParse(parseJson(Buffer.from(proof, 'base64').toString('utf8')));
      if (!payload.success) return null;
      const params = extractParams(payload.data);
      const expiresAt = Number(params.expires) * 1000;
      if (params.sale !== saleId || !Number.isFinite(expiresAt) || expiresAt <= now) return null;
      if (!solves(payload.data, hmacKey)) return null;
      return { id: payload.data.signature, expiresAt };
    },
  };
}

/**
 * ALTCHA v1's check: the challenge is SHA-256(salt + number) and the signature
 * HMAC-SHA256(key, challenge). altcha-lib computes both through Web Crypto, three promise jobs
 * per call that profiled at 30 % of a join's CPU, so issuing and checking use node:crypto,
 * synchronously; the suite checks that altcha-lib's verifySolution agrees with both.
 */
function solves(payload: { challenge: string; number: number; salt: string; signature: string }, hmacKey: string): boolean {
  const challenge = createHash('sha256')
    .update(payload.salt + String(payload.number))
    .digest('hex');
  if (challenge !== payload.challenge) return false;
  const signature = createHmac('sha256', hmacKey).update(challenge).digest();
  return timingSafeEqual(signature, Buffer.from(payload.signature, 'hex'));
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

const sha256Hex = (text: string) => createHash('sha256').update(text).digest('hex');
