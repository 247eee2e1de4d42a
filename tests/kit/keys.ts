import { createPrivateKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { createAdmissionTokenSigner, generateSigningKeys, type SigningKeys } from '@flashsale/common';
import { T0 } from './clock';

/** The operator's token of every instance and process the kit starts. */
export const ADMIN_TOKEN = 'test-admin-token-0123456789';
/** The secret that signs queue tokens in every instance and process the kit starts. */
export const QUEUE_TOKEN_SECRET = 'test-queue-token-secret-0123456789';

/**
 * A fresh private key, re-read from its PEM so it shares nothing with the generation job (see
 * generateSigningKeys: Node 20 can deadlock when GC frees that job during a JWK export).
 */
export function generateKey(kind: 'rsa' | 'ec'): KeyObject {
  const privateKeyEncoding = { type: 'pkcs8', format: 'pem' } as const;
  const publicKeyEncoding = { type: 'spki', format: 'pem' } as const;
  const { privateKey } =
    kind === 'rsa'
      ? generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding, publicKeyEncoding })
      : generateKeyPairSync('ec', { namedCurve: 'prime256v1', privateKeyEncoding, publicKeyEncoding });
  return createPrivateKey(privateKey);
}

let sharedKeys: SigningKeys | null = null;

/** One RSA key pair per test process: generating one takes a while. */
export function testKeys(): SigningKeys {
  sharedKeys ??= generateSigningKeys();
  return sharedKeys;
}

/** An admission token for `userId` on `saleId`, issued at `now` (T0 unless said) with the test keys. */
export function signAdmission(
  userId: string,
  saleId: string,
  options: { now?: number; ttlSeconds?: number; keys?: SigningKeys } = {},
): string {
  const keys = options.keys ?? testKeys();
  if (!keys.privateKey) throw new Error('these keys cannot sign');
  return createAdmissionTokenSigner(keys.privateKey, saleId, options.ttlSeconds ?? 120).sign(userId, options.now ?? T0).token;
}
