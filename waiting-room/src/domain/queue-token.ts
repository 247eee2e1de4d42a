import { createSecretKey } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { z } from 'zod';
import { normalizeUserId } from '@flashsale/common';

/**
 * The queue token binds a browser to its place in the queue. Only the waiting room reads it,
 * so it is an HMAC (HS256) over the shopper and the sale: cheap to sign on every join and to
 * check on every look-up and socket connect. It carries no expiry of its own: the place it
 * points at ends when the sale does, and a token for another sale is refused.
 */
const QUEUE_ISSUER = 'waiting-room/queue';
const MAX_TOKEN_LENGTH = 1024;

const claimsSchema = z.object({
  sub: z.string().refine((sub) => normalizeUserId(sub) === sub),
  sale: z.string(),
});

export interface QueueTokens {
  sign(userId: string): string;
  /** The normalised userId the token was signed for, or null for anything else. */
  verify(token: string): string | null;
}

export function createQueueTokens(secret: string, saleId: string): QueueTokens {
  // A key object, made once: given a string, jsonwebtoken first tries it as a PEM private key on
  // every call (and fails), which cost 70x the HMAC itself and capped joins (README, Benchmark).
  const key = createSecretKey(Buffer.from(secret, 'utf8'));
  return {
    sign: (userId) => jwt.sign({ sub: userId, sale: saleId }, key, { algorithm: 'HS256', issuer: QUEUE_ISSUER, noTimestamp: true }),
    verify(token) {
      if (token.length > MAX_TOKEN_LENGTH) return null;
      try {
        const claims = claimsSchema.safeParse(jwt.verify(token, key, { algorithms: ['HS256'], issuer: QUEUE_ISSUER }));
        return claims.success && claims.data.sale === saleId ? claims.data.sub : null;
      } catch {
        return null;
      }
    },
  };
}
