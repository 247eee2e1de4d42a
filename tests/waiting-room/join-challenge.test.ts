import { createHmac } from 'node:crypto';
import { createRequire } from 'node:module';
import type * as AltchaV1 from 'altcha-lib/v1' with { 'resolution-mode': 'import' };
import { createJoinChallenges } from '@flashsale/waiting-room';
import { solveChallenge } from '../kit';

// The reference: altcha-lib's own check, through Web Crypto.
const { verifySolution } = createRequire(__filename)('altcha-lib/v1') as typeof AltchaV1;

const SECRET = 'join-challenge-test-secret';
const SALE = 'join-challenge-sale';
const CHEAP = 200;

type Proof = { algorithm: 'SHA-256'; challenge: string; number: number; salt: string; signature: string };
const decode = (proof: string) => JSON.parse(Buffer.from(proof, 'base64').toString('utf8')) as Proof;
const encode = (payload: Proof) => Buffer.from(JSON.stringify(payload)).toString('base64');
/** The HMAC key as the waiting room derives it from the secret. */
const HMAC_KEY = createHmac('sha256', SECRET).update('join-challenge').digest('hex');

describe("join challenges, issued and checked with node:crypto, agree with altcha-lib's verifySolution", () => {
  const challenges = createJoinChallenges(SECRET, SALE);

  it('on solved proofs and on every way of tampering with one', async () => {
    const now = Date.now();
    for (let i = 0; i < 40; i++) {
      const payload = decode(solveChallenge(challenges.issue(CHEAP, now)));
      const other = decode(solveChallenge(challenges.issue(CHEAP, now)));
      const variants: Array<[string, Proof, boolean]> = [
        ['solved', payload, true],
        ['another number', { ...payload, number: payload.number + 1 }, false],
        ['another challenge', { ...payload, challenge: other.challenge }, false],
        ['another signature', { ...payload, signature: other.signature }, false],
        ['another salt', { ...payload, salt: `${payload.salt}0` }, false],
        ['a self-made challenge', { ...other, signature: payload.signature }, false],
      ];
      for (const [name, variant, valid] of variants) {
        const reference = await verifySolution(variant, HMAC_KEY, false);
        const checked = challenges.check(encode(variant), now);
        expect({ name, reference, accepted: checked !== null }).toEqual({ name, reference: valid, accepted: valid });
      }
    }
  });
});
