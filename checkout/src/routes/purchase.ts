import { randomUUID } from 'node:crypto';
import type { ErrorRequestHandler, Express, RequestHandler } from 'express';
import {
  HttpError,
  INVALID_USER_ID_MESSAGE,
  normalizeUserId,
  StoreUnavailableError,
  type AdmissionVerification,
  type SaleStore,
} from '@flashsale/common';
import { orderView, purchaseAnswer, type CheckoutResult, type CheckoutResultKind } from '../domain/purchase-answer';
import type { PurchaseMetrics } from '../metrics';

export interface PurchaseRouteDeps {
  store: SaleStore;
  verifyAdmissionToken: (token: string, now: number) => AdmissionVerification;
  clock: () => number;
  metrics: PurchaseMetrics;
  rateLimit: RequestHandler;
}

const BEARER = /^Bearer +(\S+)\s*$/i;

export function mountPurchaseRoutes(app: Express, deps: PurchaseRouteDeps): void {
  const { store, verifyAdmissionToken, clock, metrics } = deps;

  async function checkout(authorization: string | undefined): Promise<CheckoutResult> {
    const token = authorization === undefined ? undefined : BEARER.exec(authorization)?.[1];
    if (token === undefined) return { kind: 'missing_token' };
    const verification = verifyAdmissionToken(token, clock());
    if (!verification.ok) return { kind: verification.code };
    const { sub: userId, exp } = verification.claims;
    return store.purchase({ userId, orderId: randomUUID(), tokenExpiresAt: exp * 1000 });
  }

  app.post('/api/purchase', deps.rateLimit, async (req, res) => {
    const stopTimer = metrics.duration.startTimer();
    let outcome: CheckoutResultKind | 'unavailable' | 'internal_error' = 'internal_error';
    try {
      const result = await checkout(req.headers.authorization);
      outcome = result.kind;
      const answer = purchaseAnswer(result);
      res.status(answer.status).json(answer.body);
    } catch (error) {
      if (error instanceof StoreUnavailableError) outcome = 'unavailable';
      throw error;
    } finally {
      metrics.outcomes.inc({ outcome });
      stopTimer();
    }
  });

  app.get('/api/purchase/:userId', async (req, res) => {
    const userId = normalizeUserId(req.params.userId);
    if (userId === null) throw new HttpError(400, 'invalid_user_id', INVALID_USER_ID_MESSAGE);
    const order = await store.getOrder(userId);
    res.json(order ? { purchased: true, ...orderView(order) } : { userId, purchased: false });
  });

  // Express decodes `:userId` before the route runs; an undecodable one is a bad id all the same.
  const undecodableUserId: ErrorRequestHandler = (error, _req, _res, next) => {
    next(error instanceof URIError ? new HttpError(400, 'invalid_user_id', INVALID_USER_ID_MESSAGE) : error);
  };
  app.use('/api/purchase/', undecodableUserId);
}
