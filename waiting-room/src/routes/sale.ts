import type { Express } from 'express';
import {
  LOTTERY_ALGORITHM,
  saleStatus,
  verificationKeys,
  type LotteryAnswer,
  type Product,
  type QueueStore,
  type SaleAnswer,
  type SaleStore,
  type SigningKeys,
} from '@flashsale/common';

export interface SaleRouteDeps {
  store: SaleStore & QueueStore;
  keys: SigningKeys;
  product: Product;
}

export function mountSaleRoutes(app: Express, deps: SaleRouteDeps): void {
  const { store } = deps;

  app.get('/api/sale', async (_req, res) => {
    const [sale, counters, control, lottery] = await Promise.all([
      store.getSale(),
      store.saleCounters(),
      store.getAdmissionControl(),
      store.lottery(),
    ]);
    const answer: SaleAnswer = {
      saleId: sale.saleId,
      status: saleStatus(sale, sale.remaining, sale.now),
      startsAt: new Date(sale.startsAt).toISOString(),
      endsAt: new Date(sale.endsAt).toISOString(),
      serverTime: new Date(sale.now).toISOString(),
      product: deps.product,
      stock: { total: sale.stock, remaining: sale.remaining },
      queue: { waiting: counters.waiting, admissionRatePerMinute: control.ratePerMinute, paused: control.paused },
      lottery: {
        order: lottery.order,
        ...(lottery.commitment !== null && { commitment: lottery.commitment }),
        ...(lottery.seed !== null && { seed: lottery.seed }),
      },
    };
    res.json(answer);
  });

  // Everything needed to recompute the draw (npm run verify-lottery does it).
  app.get('/api/sale/lottery', async (_req, res) => {
    const { order, commitment, seed, tickets } = await store.lottery();
    const answer: LotteryAnswer = { order, commitment, seed, algorithm: LOTTERY_ALGORITHM, tickets };
    res.json(answer);
  });

  // The public keys that verify admission tokens, by kid: checkout (or anyone) may fetch them.
  const jwks = {
    keys: verificationKeys(deps.keys).map(({ kid, algorithm, jwk }) => ({ ...jwk, kid, alg: algorithm, use: 'sig' })),
  };
  app.get('/.well-known/jwks.json', (_req, res) => {
    res.set('Cache-Control', 'public, max-age=300').json(jwks);
  });
}
