import type { SaleStore } from '@flashsale/common';
import { createSaleStore, errorCode, purchase, RedisServer, saleDefinition, signAdmission, startCheckout, type Answer } from '../kit';

/**
 * Redis goes away and comes back while checkout runs. Real time and Redis TIME here: no test clock.
 * The server keeps an append-only file, as production does, so a restart keeps the sale.
 */
describe('checkout while Redis is away', () => {
  let redis: RedisServer;
  let store: SaleStore;
  let url: string;
  let close: () => Promise<void>;
  const sale = saleDefinition({ stock: 10, startsAt: Date.now() - 60_000, endsAt: Date.now() + 3_600_000 });
  const token = (userId: string) => signAdmission(userId, sale.saleId, { now: Date.now() });

  beforeAll(async () => {
    redis = await RedisServer.start({ appendfsync: 'always' });
    store = await createSaleStore('redis', sale, { redis });
    ({ url, close } = await startCheckout(store, sale.saleId, { clock: Date.now }));
  });
  afterAll(async () => {
    await close();
    await store.close();
    await redis.destroy();
  });

  async function timed(action: () => Promise<Answer>): Promise<Answer & { elapsedMs: number }> {
    const started = Date.now();
    const answer = await action();
    return { ...answer, elapsedMs: Date.now() - started };
  }

  function expectUnavailable(answer: Answer & { elapsedMs: number }) {
    expect([answer.status, errorCode(answer)]).toEqual([503, 'unavailable']);
    expect(answer.headers.get('retry-after')).toBe('1');
    expect(answer.elapsedMs).toBeLessThan(1000);
  }

  async function untilPurchased(userId: string, withinMs: number): Promise<Answer> {
    const deadline = Date.now() + withinMs;
    for (;;) {
      const answer = await purchase(url, token(userId));
      if (answer.status !== 503 || Date.now() > deadline) return answer;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  test('answers 503 unavailable within a second while Redis is down, consumes nothing, and recovers by itself', async () => {
    expect((await purchase(url, token('before'))).status).toBe(201);

    await redis.stop('SIGKILL');
    expectUnavailable(await timed(() => purchase(url, token('during'))));
    const readiness = await fetch(`${url}/readyz`);
    expect(readiness.status).toBe(503);

    await redis.restart();
    const after = await untilPurchased('during', 5_000);
    expect(after.status).toBe(201);
    expect(await store.getOrder('before')).not.toBeNull();
    expect((await store.getSale()).remaining).toBe(8);
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
  });

  test('a purchase in flight when Redis dies gets 503 within a second and is not recorded', async () => {
    const remainingBefore = (await store.getSale()).remaining;
    redis.pause();
    const inFlight = timed(() => purchase(url, token('in-flight')));
    await new Promise((resolve) => setTimeout(resolve, 200));
    await redis.stop('SIGKILL');
    expectUnavailable(await inFlight);

    await redis.restart();
    const deadline = Date.now() + 5_000;
    while (
      Date.now() < deadline &&
      !(await store.ping().then(
        () => true,
        () => false,
      ))
    ) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(await store.getOrder('in-flight')).toBeNull();
    expect((await store.getSale()).remaining).toBe(remainingBefore);
    expect((await untilPurchased('in-flight', 5_000)).status).toBe(201);
  });
});
