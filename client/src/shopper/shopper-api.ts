import type { ChallengeAnswer, JoinRequest, QueueAnswer, SaleAnswer } from '@flashsale/common/contract';
import { bearer, requestJson, type ApiResult } from '../shared/http';
import type { PurchaseAnswer } from './answers';

/** The shopper's calls to the API; the session takes them as a dependency, so tests can stand in. */
export interface ShopperApi {
  sale(): Promise<ApiResult<SaleAnswer>>;
  /** GET /api/queue/challenge: the proof of work the next join must carry, if any. */
  challenge(): Promise<ApiResult<ChallengeAnswer>>;
  join(request: JoinRequest): Promise<ApiResult<QueueAnswer>>;
  me(queueToken: string): Promise<ApiResult<QueueAnswer>>;
  leave(queueToken: string): Promise<ApiResult<null>>;
  purchase(admissionToken: string): Promise<ApiResult<PurchaseAnswer>>;
}

export const httpShopperApi: ShopperApi = {
  sale: () => requestJson<SaleAnswer>('/api/sale', { cache: 'no-store' }),
  challenge: () => requestJson<ChallengeAnswer>('/api/queue/challenge', { cache: 'no-store' }),
  join: (request) =>
    requestJson<QueueAnswer>('/api/queue', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(request),
    }),
  me: (queueToken) => requestJson<QueueAnswer>('/api/queue/me', { headers: bearer(queueToken), cache: 'no-store' }),
  leave: (queueToken) => requestJson<null>('/api/queue/me', { method: 'DELETE', headers: bearer(queueToken) }),
  purchase: (admissionToken) => requestJson<PurchaseAnswer>('/api/purchase', { method: 'POST', headers: bearer(admissionToken) }),
};
