import { Writable } from 'node:stream';
import { createLogger, type SaleStore } from '@flashsale/common';
import {
  createSaleStore,
  errorCode,
  eventually,
  manualClock,
  purchase,
  saleDefinition,
  signAdmission,
  startCheckout,
  T0,
  useRedisServer,
  type StoreKind,
} from '../kit';
import { duplicateBurst, stampede } from './invariants';

const redisServer = useRedisServer();

describe.each<StoreKind>(['memory', 'redis'])('POST /api/purchase on the %s store', (kind) => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
  });

  async function openSale(stock: number) {
    const clock = manualClock();
    const sale = saleDefinition({ stock });
    const store = await createSaleStore(kind, sale, { redis: redisServer(), clock });
    const checkout = await startCheckout(store, sale.saleId, { clock });
    cleanups.push(checkout.close, () => store.close());
    return { clock, sale, store, url: checkout.url };
  }

  test('one shopper firing 50 purchases at once gets exactly one 201; the rest get 409 with the same orderId', async () => {
    const { sale, store, url } = await openSale(10);
    const answers = await duplicateBurst(url, sale.saleId, 'ann', 50);

    const created = answers.filter((answer) => answer.status === 201);
    expect(created).toHaveLength(1);
    const orderId = created[0]?.body.orderId;
    expect(created[0]?.body).toEqual({ status: 'purchased', orderId, userId: 'ann', purchasedAt: new Date(T0).toISOString() });
    const duplicates = answers.filter((answer) => answer.status !== 201);
    expect(duplicates).toHaveLength(49);
    for (const answer of duplicates) {
      expect(answer.status).toBe(409);
      expect(answer.body.error).toMatchObject({ code: 'already_purchased', orderId });
    }
    expect((await store.getSale()).remaining).toBe(9);
  });

  test('2,000 shoppers at once for 100 units: exactly 100 orders, remaining 0, sold out, and every other answer 410 sold_out', async () => {
    const { sale, store, url } = await openSale(100);
    const { answers, audit } = await stampede(url, store, sale.saleId, sale.stock);

    expect(answers.filter((answer) => answer.status === 201)).toHaveLength(100);
    const refused = answers.filter((answer) => answer.status !== 201);
    expect(refused.every((answer) => answer.status === 410 && errorCode(answer) === 'sold_out')).toBe(true);
    expect(audit).toEqual({ orders: 100, remaining: 0, violations: [] });
  });

  test('refuses 1 ms before the start (403), accepts at the start, refuses at the end (410)', async () => {
    const { clock, sale, store, url } = await openSale(10);
    clock.set(sale.startsAt - 1);
    const early = await purchase(url, signAdmission('early', sale.saleId, { now: sale.startsAt - 1 }));
    expect([early.status, errorCode(early)]).toEqual([403, 'sale_not_started']);

    clock.set(sale.startsAt);
    expect((await purchase(url, signAdmission('early', sale.saleId, { now: sale.startsAt }))).status).toBe(201);

    clock.set(sale.endsAt);
    const late = await purchase(url, signAdmission('late', sale.saleId, { now: sale.endsAt - 1000 }));
    expect([late.status, errorCode(late)]).toEqual([410, 'sale_ended']);
    expect((await store.getSale()).remaining).toBe(9);
  });

  test('GET /api/purchase/:userId reports the order under the normalised id', async () => {
    const { sale, url } = await openSale(10);
    const bought = await purchase(url, signAdmission('alice@x.com', sale.saleId));
    const found = await fetch(`${url}/api/purchase/${encodeURIComponent(' Alice@X.com ')}`);
    expect(found.status).toBe(200);
    expect(await found.json()).toEqual({
      userId: 'alice@x.com',
      purchased: true,
      orderId: bought.body.orderId,
      purchasedAt: bought.body.purchasedAt,
    });

    const missing = await fetch(`${url}/api/purchase/bob`);
    expect(await missing.json()).toEqual({ userId: 'bob', purchased: false });
    const invalid = await fetch(`${url}/api/purchase/${encodeURIComponent('bob<script>')}`);
    expect(invalid.status).toBe(400);
    expect(await invalid.json()).toEqual({ error: { code: 'invalid_user_id', message: expect.any(String) } });
  });
});

describe('request logs', () => {
  test('at debug: carry a request id, echo it in x-request-id, and never contain the token', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(...chunk.toString().trim().split('\n'));
        done();
      },
    });
    const sale = saleDefinition();
    const store = await createSaleStore('memory', sale);
    const { url, close } = await startCheckout(store, sale.saleId, { logger: createLogger('debug', sink) });
    try {
      const token = signAdmission('ann', sale.saleId);
      const response = await fetch(`${url}/api/purchase`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'x-request-id': 'trace-42' },
      });
      expect(response.headers.get('x-request-id')).toBe('trace-42');
      const generated = (await fetch(`${url}/api/purchase`, { method: 'POST' })).headers.get('x-request-id');
      expect(generated).toMatch(/^[0-9a-f-]{36}$/);

      // A line is written on the response's 'finish', which may come just after fetch resolves.
      const logged = (reqId: string | null) => lines.some((line) => line.includes(`"reqId":"${reqId}"`));
      await eventually(() => logged('trace-42') && logged(generated), 2_000, 'both request log lines');
      const entries = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(entries).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ reqId: 'trace-42', method: 'POST', url: '/api/purchase', status: 201 }),
          expect.objectContaining({ reqId: generated, status: 401 }),
        ]),
      );
      expect(lines.join('\n')).not.toContain(token.split('.')[2]);
    } finally {
      await close();
    }
  });
});

describe('HTTP rules of the checkout service', () => {
  let store: SaleStore;
  let url: string;
  let close: () => Promise<void>;
  let saleId: string;
  beforeAll(async () => {
    const sale = saleDefinition();
    saleId = sale.saleId;
    store = await createSaleStore('memory', sale);
    ({ url, close } = await startCheckout(store, sale.saleId));
  });
  afterAll(async () => {
    await close();
  });

  test('refuses a body over 10 KB with 413, and sells nothing', async () => {
    const response = await fetch(`${url}/api/purchase`, {
      method: 'POST',
      headers: { authorization: `Bearer ${signAdmission('ann', saleId)}`, 'content-type': 'application/json' },
      body: JSON.stringify({ padding: 'x'.repeat(11 * 1024) }),
    });
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({ error: { code: 'payload_too_large', message: expect.any(String) } });
    expect(await store.getOrder('ann')).toBeNull();
  });

  test('answers malformed JSON with 400 bad_request, without a stack trace', async () => {
    const response = await fetch(`${url}/api/purchase`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"userId": ',
    });
    expect(response.status).toBe(400);
    const text = await response.text();
    expect(JSON.parse(text)).toEqual({ error: { code: 'bad_request', message: 'The request body is not valid JSON.' } });
    expect(text).not.toMatch(/at |node_modules|\.ts/);
  });

  test('answers an unknown route with 404 in the error shape', async () => {
    const response = await fetch(`${url}/api/nothing-here`);
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: { code: 'not_found', message: expect.any(String) } });
  });

  test('serves health, readiness and metrics with purchase outcomes and remaining stock', async () => {
    await purchase(url, null);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toMatch(/flashsale_purchases_total\{outcome="missing_token"\} 1/);
    expect(metrics).toMatch(/flashsale_purchase_duration_seconds_bucket/);
    expect(metrics).toMatch(/flashsale_stock_remaining \d+/);
  });
});
