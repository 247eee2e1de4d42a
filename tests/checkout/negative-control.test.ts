import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { saleKeys, type PurchaseOutcome, type PurchaseRequest, type SaleStore } from '@flashsale/common';
import { createSaleStore, RedisServer, saleDefinition, startCheckout } from '../kit';
import { duplicateBurst, stampede } from './invariants';

/**
 * The classic mistake the product avoids: read the stock and the user's order, decide in
 * TypeScript, then write. Kept here, never in the product, to prove the invariant tests can fail.
 */
class ReadThenWriteStore implements SaleStore {
  constructor(
    private readonly safe: SaleStore,
    private readonly redis: Redis,
    private readonly saleId: string,
  ) {}
  initSale = (...args: Parameters<SaleStore['initSale']>) => this.safe.initSale(...args);
  getSale = () => this.safe.getSale();
  changeSale = (...args: Parameters<SaleStore['changeSale']>) => this.safe.changeSale(...args);
  getOrder = (userId: string) => this.safe.getOrder(userId);
  orderLog = () => this.safe.orderLog();
  ping = () => this.safe.ping();
  close = () => this.safe.close();

  async purchase(request: PurchaseRequest): Promise<PurchaseOutcome> {
    const keys = saleKeys(this.saleId);
    const remaining = Number(await this.redis.hget(keys.sale, 'remaining'));
    const existing = await this.safe.getOrder(request.userId);
    if (existing) return { kind: 'already_purchased', order: existing };
    if (remaining <= 0) return { kind: 'sold_out' };
    // The time a decision spends in TypeScript and on the network before its write lands; without
    // it, 50 requests on one fast loopback sometimes happen to run one after another.
    await delay(5);
    await this.redis.hset(keys.sale, 'remaining', remaining - 1);
    const order = { orderId: request.orderId, userId: request.userId, purchasedAt: Date.now() };
    await this.redis.hset(keys.orders, request.userId, `${order.orderId}|${order.purchasedAt}`);
    return { kind: 'purchased', order };
  }
}

describe('negative control: an unsafe read-then-write purchase', () => {
  let redis: RedisServer;
  let client: Redis;
  beforeAll(async () => {
    redis = await RedisServer.start();
    client = redis.client();
  });
  afterAll(async () => {
    client.disconnect();
    await redis.destroy();
  });

  async function openUnsafeSale(stock: number) {
    const sale = saleDefinition({ stock, saleId: `unsafe-${randomUUID()}` });
    const safe = await createSaleStore('redis', sale, { redis });
    const unsafe = new ReadThenWriteStore(safe, client, sale.saleId);
    const checkout = await startCheckout(unsafe, sale.saleId);
    return { sale, unsafe, checkout };
  }

  test('is caught overselling by the same stampede and audit the product passes', async () => {
    const { sale, unsafe, checkout } = await openUnsafeSale(100);
    try {
      const { answers, audit } = await stampede(checkout.url, unsafe, sale.saleId, sale.stock);
      expect(answers.filter((answer) => answer.status === 201).length).toBeGreaterThan(100);
      expect(audit.violations).toEqual(expect.arrayContaining([expect.stringMatching(/^oversold/)]));
    } finally {
      await checkout.close();
      await unsafe.close();
    }
  });

  test('is caught selling one shopper several units by the same duplicate burst', async () => {
    const { sale, unsafe, checkout } = await openUnsafeSale(100);
    try {
      const answers = await duplicateBurst(checkout.url, sale.saleId, 'ann', 50);
      expect(answers.filter((answer) => answer.status === 201).length).toBeGreaterThan(1);
    } finally {
      await checkout.close();
      await unsafe.close();
    }
  });
});
