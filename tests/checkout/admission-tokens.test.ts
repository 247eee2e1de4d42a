import { createHmac, createPublicKey, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import {
  ADMISSION_AUDIENCE,
  ADMISSION_ISSUER,
  createAdmissionTokenSigner,
  createAdmissionTokenVerifier,
  keyId,
  verificationKeys,
  type SaleStore,
} from '@flashsale/common';
import { createSaleStore, errorCode, generateKey, purchase, saleDefinition, signAdmission, startCheckout, T0, testKeys } from '../kit';

const sale = saleDefinition({ stock: 10 });
const keys = testKeys();
const privateKey = keys.privateKey as KeyObject;
const publicKey = createPublicKey(privateKey);
const kid = keyId(publicKey);
const nowSeconds = Math.floor(T0 / 1000);
const goodClaims = {
  iss: ADMISSION_ISSUER,
  aud: ADMISSION_AUDIENCE,
  sub: 'mallory',
  sale: sale.saleId,
  jti: 'j-1',
  iat: nowSeconds,
  exp: nowSeconds + 120,
};

const without = (claim: keyof typeof goodClaims) => Object.fromEntries(Object.entries(goodClaims).filter(([name]) => name !== claim));
const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
const rs256 = (claims: object, key: KeyObject = privateKey, keyid: string | undefined = kid) =>
  jwt.sign(claims, key, { algorithm: 'RS256', ...(keyid === undefined ? {} : { keyid }) });
const otherRsa = generateKey('rsa');
const ecKey = generateKey('ec');

function hs256WithPublicKey(): string {
  const head = encode({ alg: 'HS256', typ: 'JWT', kid });
  const body = encode(goodClaims);
  const secret = publicKey.export({ type: 'spki', format: 'pem' });
  return `${head}.${body}.${createHmac('sha256', secret).update(`${head}.${body}`).digest('base64url')}`;
}

function tampered(): string {
  const [head, , signature] = rs256(goodClaims).split('.');
  return `${head}.${encode({ ...goodClaims, sub: 'someone-else' })}.${signature}`;
}

/** Forged and misused tokens: each must be refused with its code, and must consume nothing. */
const forgeries: Array<[name: string, authorization: string | null, code: 'missing_token' | 'invalid_token' | 'token_expired']> = [
  ['no Authorization header', null, 'missing_token'],
  ['a Basic credential', 'Basic bWFsbG9yeTpwdw==', 'missing_token'],
  ['"Bearer" with no token', 'Bearer ', 'missing_token'],
  ['alg none with no signature', `Bearer ${encode({ alg: 'none', typ: 'JWT' })}.${encode(goodClaims)}.`, 'invalid_token'],
  ['alg none with a junk signature', `Bearer ${encode({ alg: 'none', typ: 'JWT' })}.${encode(goodClaims)}.AAAA`, 'invalid_token'],
  ['HS256 keyed with the public key', `Bearer ${hs256WithPublicKey()}`, 'invalid_token'],
  ['signed by another RSA key under our kid', `Bearer ${rs256(goodClaims, otherRsa, kid)}`, 'invalid_token'],
  ['signed by another RSA key under its own kid', `Bearer ${rs256(goodClaims, otherRsa, keyId(otherRsa))}`, 'invalid_token'],
  ['ES256 by a key we do not hold', `Bearer ${jwt.sign(goodClaims, ecKey, { algorithm: 'ES256' })}`, 'invalid_token'],
  ['a kid that points nowhere', `Bearer ${rs256(goodClaims, privateKey, 'no-such-key')}`, 'invalid_token'],
  ['expired', `Bearer ${rs256({ ...goodClaims, iat: nowSeconds - 300, exp: nowSeconds - 1 })}`, 'token_expired'],
  ['expiring at exactly now', `Bearer ${rs256({ ...goodClaims, exp: nowSeconds })}`, 'token_expired'],
  ['wrong audience', `Bearer ${rs256({ ...goodClaims, aud: 'waiting-room' })}`, 'invalid_token'],
  ['an audience list', `Bearer ${rs256({ ...goodClaims, aud: ['checkout', 'other'] })}`, 'invalid_token'],
  ['wrong issuer', `Bearer ${rs256({ ...goodClaims, iss: 'someone' })}`, 'invalid_token'],
  ['another sale', `Bearer ${rs256({ ...goodClaims, sale: 'another-sale' })}`, 'invalid_token'],
  ['no sale claim', `Bearer ${rs256(without('sale'))}`, 'invalid_token'],
  ['no expiry', `Bearer ${rs256(without('exp'))}`, 'invalid_token'],
  ['a subject that is not a normalised userId', `Bearer ${rs256({ ...goodClaims, sub: 'Mallory ' })}`, 'invalid_token'],
  ['not valid yet (nbf)', `Bearer ${rs256({ ...goodClaims, nbf: nowSeconds + 60 })}`, 'invalid_token'],
  ['a tampered payload', `Bearer ${tampered()}`, 'invalid_token'],
  ['truncated', `Bearer ${rs256(goodClaims).slice(0, -12)}`, 'invalid_token'],
  ['two parts only', `Bearer ${rs256(goodClaims).split('.').slice(0, 2).join('.')}`, 'invalid_token'],
  ['not a JWT at all', 'Bearer hello', 'invalid_token'],
  ['oversized', `Bearer ${rs256({ ...goodClaims, padding: 'x'.repeat(5000) })}`, 'invalid_token'],
  ['a header that is not JSON', `Bearer ${Buffer.from('{nope').toString('base64url')}.${encode(goodClaims)}.AAAA`, 'invalid_token'],
  [
    'a critical header extension',
    `Bearer ${jwt.sign(goodClaims, privateKey, { algorithm: 'RS256', keyid: kid, header: { alg: 'RS256', crit: ['b64'] } })}`,
    'invalid_token',
  ],
];

describe('forged and misused admission tokens', () => {
  let store: SaleStore;
  let url: string;
  let close: () => Promise<void>;
  beforeAll(async () => {
    store = await createSaleStore('memory', sale);
    ({ url, close } = await startCheckout(store, sale.saleId));
  });
  afterAll(async () => {
    await close();
  });

  test.each(forgeries)('refuses %s', async (_name, authorization, code) => {
    const response = await fetch(`${url}/api/purchase`, { method: 'POST', headers: authorization === null ? {} : { authorization } });
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ error: { code, message: expect.any(String) } });
    expect(await store.getOrder('mallory')).toBeNull();
    expect((await store.getSale()).remaining).toBe(10);
  });

  test('accepts the genuine token after all that, so the refusals were not a broken key', async () => {
    const answer = await purchase(url, rs256(goodClaims));
    expect(answer.status).toBe(201);
    expect((await store.getSale()).remaining).toBe(9);
  });
});

describe('keys', () => {
  test('an EC P-256 key signs ES256 tokens that checkout accepts', async () => {
    const signer = createAdmissionTokenSigner(ecKey, sale.saleId, 60);
    const signed = signer.sign('eve', T0);
    expect(JSON.parse(Buffer.from(signed.token.split('.')[0] as string, 'base64url').toString())).toMatchObject({
      alg: 'ES256',
      kid: keyId(ecKey),
    });
    const verify = createAdmissionTokenVerifier(verificationKeys({ privateKey: null, publicKeys: [createPublicKey(ecKey)] }), sale.saleId);
    expect(verify(signed.token, T0)).toMatchObject({ ok: true, claims: { sub: 'eve', sale: sale.saleId } });
  });

  test('during a rotation, checkout holding both public keys accepts tokens from either', async () => {
    const verify = createAdmissionTokenVerifier(
      verificationKeys({ privateKey: null, publicKeys: [publicKey, createPublicKey(otherRsa)] }),
      sale.saleId,
    );
    const fromOld = signAdmission('ann', sale.saleId);
    const fromNew = createAdmissionTokenSigner(otherRsa, sale.saleId, 60).sign('bob', T0).token;
    expect(verify(fromOld, T0).ok).toBe(true);
    expect(verify(fromNew, T0).ok).toBe(true);
  });

  test('a token signed with the right key but sent after its expiry is refused as expired', async () => {
    const store = await createSaleStore('memory', sale);
    const { url, close } = await startCheckout(store, sale.saleId, { clock: () => T0 + 121_000 });
    try {
      const answer = await purchase(url, signAdmission('late', sale.saleId, { ttlSeconds: 120 }));
      expect([answer.status, errorCode(answer)]).toEqual([401, 'token_expired']);
    } finally {
      await close();
    }
  });
});
