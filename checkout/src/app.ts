import type { Express, RequestHandler } from 'express';
import type { Registry } from 'prom-client';
import {
  createAdmissionTokenVerifier,
  createHttpApp,
  verificationKeys,
  type Logger,
  type SaleStore,
  type SigningKeys,
} from '@flashsale/common';
import { createPurchaseMetrics } from './metrics';
import { mountPurchaseRoutes } from './routes/purchase';

export interface CheckoutDeps {
  store: SaleStore;
  saleId: string;
  /** Public keys suffice: checkout only verifies admission tokens. */
  keys: SigningKeys;
  registry: Registry;
  clock?: () => number;
  /** The per-IP limit on purchases (createRateLimit); none when absent. */
  rateLimit?: RequestHandler;
}

/** Adds checkout's routes to an app: on its own (createCheckoutApp) or in the all-in-one process. */
export function mountCheckout(app: Express, deps: CheckoutDeps): void {
  mountPurchaseRoutes(app, {
    store: deps.store,
    verifyAdmissionToken: createAdmissionTokenVerifier(verificationKeys(deps.keys), deps.saleId),
    clock: deps.clock ?? Date.now,
    metrics: createPurchaseMetrics(deps.registry, deps.store),
    rateLimit: deps.rateLimit ?? ((_req, _res, next) => next()),
  });
}

export function createCheckoutApp(
  deps: CheckoutDeps & { logger: Logger; checkReady?: () => Promise<void>; trustProxy?: boolean | number | string },
): Express {
  const checkReady = deps.checkReady ?? (() => deps.store.ping());
  const { logger, registry, trustProxy } = deps;
  return createHttpApp({ logger, registry, checkReady, trustProxy }, (app) => mountCheckout(app, deps));
}

export { startLedger, type RunningLedger } from './ledger/ledger';
export { LedgerWriter } from './ledger/ledger-writer';
export { migrateLedger, OrderLedger } from './ledger/order-ledger';
export { Reconciler, type ReconcilePass } from './ledger/reconciler';
