import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type JsonWebKey, type KeyObject } from 'node:crypto';

/** The algorithm follows the key, never the token: RSA signs RS256, EC P-256 signs ES256. */
export type AdmissionAlgorithm = 'RS256' | 'ES256';

export interface SigningKeys {
  /** Present only where admission tokens are signed (the waiting room, or all-in-one). */
  privateKey: KeyObject | null;
  /** Extra verification keys, for example the previous key during a rotation. */
  publicKeys: KeyObject[];
}

export interface VerificationKey {
  kid: string;
  algorithm: AdmissionAlgorithm;
  key: KeyObject;
  jwk: JsonWebKey;
}

export function algorithmFor(key: KeyObject): AdmissionAlgorithm {
  if (key.asymmetricKeyType === 'rsa') {
    const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
    if (bits < 2048) throw new Error(`an RSA key needs at least 2048 bits (this one has ${bits})`);
    return 'RS256';
  }
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return 'ES256';
  throw new Error('only RSA (RS256) and EC P-256 (ES256) keys are supported');
}

/**
 * A fresh RSA key pair, for all-in-one mode when no key is configured. The key is re-read from
 * its PEM so that it shares nothing with the generation job: Node 20 can deadlock when garbage
 * collection frees that job while a JWK export holds the key's lock (seen in CI as a hung test
 * worker, the main thread waiting in ~KeyGenJob under KeyObjectHandle::ExportJWK).
 */
export function generateSigningKeys(): SigningKeys {
  const { privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  return { privateKey: createPrivateKey(privateKey), publicKeys: [] };
}

export function parsePrivateKey(pem: string): KeyObject {
  const key = createPrivateKey(pem);
  algorithmFor(key);
  return key;
}

/** The shop's key for identity tokens: one PEM public key, RSA (RS256) or EC P-256 (ES256). */
export function parseIdentityKey(pem: string): KeyObject {
  const [key, ...more] = parsePublicKeys(pem);
  if (!key || more.length > 0) throw new Error('give exactly one public key');
  return key;
}

/** Accepts one or more concatenated PEM public keys (or certificates). */
export function parsePublicKeys(pem: string): KeyObject[] {
  const blocks = pem.match(/-----BEGIN [A-Z ]+-----[\s\S]+?-----END [A-Z ]+-----/g) ?? [];
  if (blocks.length === 0) throw new Error('no PEM block found');
  return blocks.map((block) => {
    const key = createPublicKey(block);
    algorithmFor(key);
    return key;
  });
}

const keyIds = new WeakMap<KeyObject, string>();

/** The RFC 7638 JWK thumbprint: a `kid` that any party can recompute from the key itself. */
export function keyId(key: KeyObject): string {
  let kid = keyIds.get(key);
  if (kid === undefined) {
    kid = thumbprint(key.export({ format: 'jwk' }));
    keyIds.set(key, kid);
  }
  return kid;
}

function thumbprint(jwk: JsonWebKey): string {
  const members = jwk.kty === 'RSA' ? { e: jwk.e, kty: jwk.kty, n: jwk.n } : { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y };
  return createHash('sha256').update(JSON.stringify(members)).digest('base64url');
}

/** Every key that verifies admission tokens: the signing key's public half first, then the extras. */
export function verificationKeys(keys: SigningKeys): VerificationKey[] {
  const publicKeys = keys.privateKey ? [createPublicKey(keys.privateKey), ...keys.publicKeys] : keys.publicKeys;
  const byKid = new Map<string, VerificationKey>();
  for (const key of publicKeys) {
    const kid = keyId(key);
    if (!byKid.has(kid)) byKid.set(kid, { kid, algorithm: algorithmFor(key), key, jwk: key.export({ format: 'jwk' }) });
  }
  return [...byKid.values()];
}
