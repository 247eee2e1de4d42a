import type { Express } from 'express';
import {
  LOTTERY_ALGORITHM,
  verificationKeys,
  type LotteryAnswer,
  type QueueStore,
  type SaleAnswer,
  type SaleStore,
  type SigningKeys,
} from '@flashsale/common';

export interface SaleRouteDeps {
  store: SaleStore & QueueStore;
  keys: SigningKeys;
  /** GET /api/sale's answer (journeys/sale-answer.ts). */
  saleAnswer: () => Promise<SaleAnswer>;
}

export function mountSaleRoutes(app: Express, deps: SaleRouteDeps): void {
  const { store } = deps;

  app.get('/api/sale', async (_req, res) => {
    res.json(await deps.saleAnswer());
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
