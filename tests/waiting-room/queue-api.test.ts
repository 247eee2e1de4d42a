import { createPublicKey, type JsonWebKey } from 'node:crypto';
import jwt from 'jsonwebtoken';
import type { InitialAdmission, Product, SaleDefinition } from '@flashsale/common';
import {
  admin,
  ADMIN_TOKEN,
  createSaleStore,
  eventually,
  join,
  leave,
  lookUp,
  purchase,
  saleDefinition,
  send,
  startInstance,
  useRedisServer,
  type RunningInstance,
  type StoreKind,
} from '../kit';

/** The queue's HTTP contract, the operator API and the key set, on both stores. */
const redisServer = useRedisServer();

/** A sale that starts in an hour: people queue, nobody is admitted, unless a test says otherwise. */
const later = (overrides: Partial<SaleDefinition> = {}) =>
  saleDefinition({ startsAt: Date.now() + 3_600_000, endsAt: Date.now() + 7_200_000, queueOpensAt: Date.now() - 1000, ...overrides });

describe.each<StoreKind>(['memory', 'redis'])('the queue API on the %s store', (kind) => {
  const running: RunningInstance[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((instance) => instance.close()));
  });

  async function open(
    sale: SaleDefinition = later(),
    options: { rateLimitPerMinute?: number; admission?: Partial<InitialAdmission>; product?: Product } = {},
  ) {
    // Real time on both: the instance's loops run on timers. Redis keeps its own clock (TIME).
    const store = await createSaleStore(kind, sale, {
      redis: redisServer(),
      ...(kind === 'memory' && { clock: Date.now }),
      ...(options.admission && { admission: options.admission }),
    });
    const instance = await startInstance(store, sale, {
      ...(kind === 'redis' && { redis: redisServer() }),
      ...(options.rateLimitPerMinute !== undefined && { rateLimitPerMinute: options.rateLimitPerMinute }),
      ...(options.product && { product: options.product }),
    });
    running.push({ ...instance, close: async () => (await instance.close(), await store.close()) });
    return instance;
  }

  test('joining gives 1-based, distinct positions, and joining again keeps the place', async () => {
    const { url } = await open();
    const answers = [];
    for (const userId of ['ann', 'bob', 'cat']) answers.push(await join(url, userId));
    expect(answers.map((answer) => answer.status)).toEqual([202, 202, 202]);
    expect(answers.map((answer) => answer.body.position)).toEqual([1, 2, 3]);
    expect(answers[0]?.body).toMatchObject({
      state: 'waiting',
      userId: 'ann',
      etaSeconds: expect.any(Number),
      queueToken: expect.any(String),
    });

    const again = await join(url, 'bob');
    expect(again.status).toBe(202);
    expect(again.body.position).toBe(2);
    expect(again.body.queueToken).toBe(answers[1]?.body.queueToken);
  });

  test('GET /api/sale names the product, and the pages may load its image from its origin only', async () => {
    const plain = await open();
    expect((await send(`${plain.url}/api/sale`)).body.product).toEqual({ name: 'Limited edition' });
    expect((await send(`${plain.url}/api/sale`)).headers.get('content-security-policy')).toContain("img-src 'self' data:;");

    const product = { name: 'Trail shoe, size 42', price: '129.00 EUR', imageUrl: 'https://cdn.shop.example/img/shoe.webp' };
    const { url } = await open(later(), { product });
    const answer = await send(`${url}/api/sale`);
    expect(answer.body.product).toEqual(product);
    expect(answer.headers.get('content-security-policy')).toContain("img-src 'self' data: https://cdn.shop.example;");
  });

  test('ids are trimmed and lower-cased: "Alice@X.com " and "alice@x.com" are one shopper', async () => {
    const { url } = await open();
    const first = await join(url, ' Alice@X.com ');
    const second = await join(url, 'alice@x.com');
    expect(first.body).toMatchObject({ userId: 'alice@x.com', position: 1 });
    expect(second.body).toMatchObject({ userId: 'alice@x.com', position: 1 });
    expect((await send(`${url}/api/sale`)).body.queue).toEqual({ waiting: 1, admissionRatePerMinute: 600, paused: false });
  });

  test.each([[''], ['a b'], ['x'.repeat(65)], [42], [null]])('refuses the userId %j with 400 invalid_user_id', async (userId) => {
    const { url } = await open();
    const answer = await send(`${url}/api/queue`, { method: 'POST', body: { userId } });
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({ error: { code: 'invalid_user_id', message: expect.any(String) } });
  });

  test('refuses a body without a userId, and malformed JSON, in the error shape', async () => {
    const { url } = await open();
    expect((await send(`${url}/api/queue`, { method: 'POST', body: {} })).body).toMatchObject({ error: { code: 'invalid_user_id' } });
    const malformed = await fetch(`${url}/api/queue`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"userId":',
    });
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toMatchObject({ error: { code: 'bad_request' } });
  });

  test('the queue token finds the place again; a forged or foreign token gets 401 invalid_token', async () => {
    const { url } = await open();
    await join(url, 'ann');
    const bob = await join(url, 'bob');
    const token = bob.body.queueToken as string;
    expect((await lookUp(url, token)).body).toMatchObject({ state: 'waiting', userId: 'bob', position: 2 });

    const forged = jwt.sign({ sub: 'ann', sale: 'x' }, 'not-the-secret', { algorithm: 'HS256' });
    const [tampered, missing, wrong] = await Promise.all([
      lookUp(url, `${token.slice(0, -2)}xx`),
      send(`${url}/api/queue/me`),
      lookUp(url, forged),
    ]);
    for (const answer of [tampered, missing, wrong]) {
      expect(answer.status).toBe(401);
      expect(answer.body).toMatchObject({ error: { code: 'invalid_token' } });
    }
  });

  test('leaving frees the place: those behind move up, and joining again goes to the back', async () => {
    const { url } = await open();
    const ann = await join(url, 'ann');
    await join(url, 'bob');
    await join(url, 'cat');
    const left = await leave(url, ann.body.queueToken as string);
    expect(left.status).toBe(204);
    expect((await lookUp(url, ann.body.queueToken as string)).body).toMatchObject({ error: { code: 'not_found' } });
    expect((await join(url, 'bob')).body.position).toBe(1);
    expect((await join(url, 'ann')).body.position).toBe(3);
  });

  test('before the queue opens a join gets 403; after a sell-out 410 sold_out; after the end 410 sale_ended', async () => {
    const notOpen = await open(later({ queueOpensAt: Date.now() + 60_000 }));
    expect((await join(notOpen.url, 'ann')).body).toMatchObject({ error: { code: 'sale_not_started' } });

    const ended = await open(saleDefinition({ startsAt: Date.now() - 7_200_000, endsAt: Date.now() - 1000, queueOpensAt: 0 }));
    const late = await join(ended.url, 'ann');
    expect(late.status).toBe(410);
    expect(late.body).toMatchObject({ error: { code: 'sale_ended' } });

    const soldOut = await open(saleDefinition({ stock: 0, startsAt: Date.now() - 1000, endsAt: Date.now() + 3_600_000, queueOpensAt: 0 }));
    const tooLate = await join(soldOut.url, 'ann');
    expect(tooLate.status).toBe(410);
    expect(tooLate.body).toMatchObject({ error: { code: 'sold_out' } });
  });

  test('an admitted shopper gets a token that verifies with the published key set, and can buy with it', async () => {
    const sale = saleDefinition({ startsAt: Date.now() - 1000, endsAt: Date.now() + 3_600_000, queueOpensAt: 0 });
    const { url } = await open(sale, { admission: { ratePerMinute: 6000 } });
    const ann = await join(url, 'ann');
    let admitted = await lookUp(url, ann.body.queueToken as string);
    await eventually(async () => (admitted = await lookUp(url, ann.body.queueToken as string)).status === 200, 5_000, 'the admission');
    expect(admitted.body).toMatchObject({
      state: 'admitted',
      userId: 'ann',
      admissionToken: expect.any(String),
      expiresAt: expect.any(Number),
    });

    const { keys } = (await send(`${url}/.well-known/jwks.json`)).body as { keys: Array<JsonWebKey & { kid: string; alg: string }> };
    const token = admitted.body.admissionToken as string;
    const header = jwt.decode(token, { complete: true })?.header;
    const jwk = keys.find((key) => key.kid === header?.kid);
    expect(jwk).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig' });
    expect(jwk).not.toHaveProperty('d');
    const claims = jwt.verify(token, createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' }), { algorithms: ['RS256'] });
    expect(claims).toMatchObject({ iss: 'waiting-room', aud: 'checkout', sub: 'ann', sale: sale.saleId, jti: expect.any(String) });
    expect((claims as { exp: number }).exp).toBe(Math.floor((admitted.body.expiresAt as number) / 1000));

    const bought = await purchase(url, token);
    expect(bought.status).toBe(201);
    expect((await lookUp(url, ann.body.queueToken as string)).body).toMatchObject({ state: 'purchased', orderId: bought.body.orderId });
    expect((await join(url, 'ann')).body).toMatchObject({ state: 'purchased', orderId: bought.body.orderId });
  });

  test('the per-IP join limit answers 429 rate_limited with Retry-After', async () => {
    const { url } = await open(later(), { rateLimitPerMinute: 3 });
    const answers = [];
    for (const userId of ['a1', 'a2', 'a3', 'a4']) answers.push(await join(url, userId));
    expect(answers.map((answer) => answer.status)).toEqual([202, 202, 202, 429]);
    const limited = answers[3];
    expect(limited?.body).toEqual({ error: { code: 'rate_limited', message: expect.any(String) } });
    expect(Number(limited?.headers.get('retry-after'))).toBeGreaterThan(0);
    // Look-ups are not limited: a waiting page may poll.
    expect((await lookUp(url, answers[0]?.body.queueToken as string)).status).toBe(202);
  });

  describe('the operator API', () => {
    test('refuses a missing or wrong ADMIN_TOKEN with 401 unauthorized', async () => {
      const { url } = await open();
      for (const token of [undefined, 'wrong', `${ADMIN_TOKEN}x`]) {
        const answer = await send(`${url}/api/admin/state`, { token });
        expect(answer.status).toBe(401);
        expect(answer.body).toMatchObject({ error: { code: 'unauthorized' } });
      }
      expect((await send(`${url}/api/admin/admission`, { method: 'PATCH', body: { paused: true } })).status).toBe(401);
    });

    test('reports settings and sale-wide counters', async () => {
      const { url } = await open();
      await join(url, 'ann');
      await join(url, 'bob');
      const state = await admin(url, 'GET', 'state');
      expect(state.status).toBe(200);
      expect(state.body).toMatchObject({
        settings: { ratePerMinute: 600, paused: false, maxActive: null, overbook: 1 },
        counters: { waiting: 2, activeAdmissions: 0, admittedTotal: 0, expiredAdmissions: 0, sold: 0, remaining: 10, outcomes: {} },
      });
    });

    test('changes settings, and refuses a bad change whole, changing nothing', async () => {
      const { url } = await open();
      const changed = await admin(url, 'PATCH', 'admission', { ratePerMinute: 120, paused: true, maxActive: 7, overbook: 1.5 });
      expect(changed.status).toBe(200);
      expect(changed.body).toEqual({ settings: { ratePerMinute: 120, paused: true, maxActive: 7, overbook: 1.5, challengeMaxNumber: 0 } });

      // Each bad body also asks for a valid change, which must not happen either.
      const badBodies: unknown[] = [
        { ratePerMinute: -1 },
        { ratePerMinute: 999, overbook: 0.5 },
        { ratePerMinute: 999, paused: 'yes' },
        { ratePerMinute: 999, maxActive: 1.5 },
        { ratePerMinute: 999, speed: 1 },
        { ratePerMinute: '999' },
        { ratePerMinute: 999, challengeMaxNumber: -1 },
        { ratePerMinute: 999, challengeMaxNumber: 2.5 },
        { ratePerMinute: 999, challengeMaxNumber: 10_000_001 },
        [1],
        'x',
      ];
      for (const bad of badBodies) {
        const refused = await admin(url, 'PATCH', 'admission', bad);
        expect(refused.status).toBe(400);
        expect(refused.body).toMatchObject({ error: { code: 'bad_request' } });
      }
      expect((await admin(url, 'GET', 'state')).body.settings).toEqual({
        ratePerMinute: 120,
        paused: true,
        maxActive: 7,
        overbook: 1.5,
        challengeMaxNumber: 0,
      });
      expect((await admin(url, 'PATCH', 'admission', { maxActive: null })).body).toMatchObject({ settings: { maxActive: null } });
    });
  });
});
