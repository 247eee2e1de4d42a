import { createHash } from 'node:crypto';
import { saleKeys, saleScriptSource } from '@flashsale/common';
import { generateKey, PostgresCluster, send, type RedisServer } from '../../tests/kit';
import type { LoadSettings } from './load';
import { mintTokens } from './mint-tokens';
import { loadPurchases } from './purchase';
import { median } from './ratio';
import { startService } from './service';

/** Orders in the sale when the purchase's cost is measured. */
const SIZES = [10_000, 100_000, 500_000];
const FILL_PIPELINE = 2_000;

/**
 * ledger: what a purchase costs the service with the ledger on, as the orders sold grow. The sale
 * is filled to each size straight through the purchase script (no HTTP), the ledger is left to
 * catch up, and then purchases are measured over HTTP: a cost that grew with the orders sold
 * (a reconciliation that rescans them all) would show here.
 */
export async function benchLedger(settings: LoadSettings, redis: RedisServer): Promise<void> {
  console.log(
    `\n## ledger: cost per purchase with the PostgreSQL ledger on, at ${SIZES.map((n) => n.toLocaleString('en')).join(', ')} orders`,
  );
  const cluster = await PostgresCluster.start();
  const privatePem = generateKey('rsa').export({ type: 'pkcs8', format: 'pem' }).toString();
  const saleId = `bench-ledger-${Date.now()}`;
  const service = await startService({
    redisUrl: redis.url,
    saleId,
    sale: 'active',
    env: { JWT_PRIVATE_KEY: privatePem, DATABASE_URL: await cluster.createDatabase('bench_ledger') },
  });
  try {
    let sold = 0;
    for (const size of SIZES) {
      sold = await fill(redis, saleId, sold, size);
      await ledgerCaughtUp(service, 120_000);
      const costs: number[] = [];
      for (let round = 1; round <= settings.rounds; round++) {
        const tokens = await mintTokens(privatePem, saleId, `size${size}-round${round}`, 2_500 * (settings.duration + 3));
        const { result } = await loadPurchases(service, redis, tokens, settings);
        costs.push(result.costMicros);
        sold += result.statuses['201'] ?? 0;
      }
      console.log(
        `at ${size.toLocaleString('en')} orders: ${median(costs).toFixed(0)} µs a purchase ` +
          `(rounds: ${costs.map((cost) => cost.toFixed(0)).join(', ')})`,
      );
    }
  } finally {
    await service.stop();
    await cluster.destroy();
  }
}

/** Sells orders through the purchase script itself, in pipelines, until the sale holds `size`. */
async function fill(redis: RedisServer, saleId: string, from: number, size: number): Promise<number> {
  const keys = saleKeys(saleId);
  const client = redis.client();
  try {
    const source = saleScriptSource('purchase-6.lua');
    const sha = createHash('sha1').update(source).digest('hex');
    await client.script('LOAD', source);
    const expiry = String(Date.now() + 3_600_000);
    for (let next = from; next < size; next += FILL_PIPELINE) {
      const batch = client.pipeline();
      for (let i = next; i < Math.min(size, next + FILL_PIPELINE); i++) {
        batch.evalsha(
          sha,
          6,
          keys.sale,
          keys.orders,
          keys.orderLog,
          keys.active,
          keys.admissionTokens,
          keys.orderTimes,
          `filled-${i}`,
          `order-${i}`,
          expiry,
          '',
        );
      }
      await batch.exec();
    }
    return size;
  } finally {
    client.disconnect();
  }
}

/** Waits until the ledger has every order of the log. */
async function ledgerCaughtUp(service: { url: string; adminToken: string }, withinMs: number): Promise<void> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const state = await send(`${service.url}/api/admin/state`, { token: service.adminToken });
    const ledger = state.body.ledger as { pending: number; written: number } | undefined;
    if (ledger && ledger.pending === 0) return;
    if (Date.now() > deadline) throw new Error(`the ledger did not catch up: ${JSON.stringify(ledger)}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}
