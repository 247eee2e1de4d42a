import type { QueueAnswer, SaleAnswer } from '@flashsale/common/contract';
import { bearer, requestJson, type ApiResult } from '../shared/http';
import type { PurchaseAnswer } from './answers';

/** The shopper's calls to the API; the session takes them as a dependency, so tests can stand in. */
export interface ShopperApi {
  sale(): Promise<ApiResult<SaleAnswer>>;
  join(userId: string): Promise<ApiResult<QueueAnswer>>;
  me(queueToken: string): Promise<ApiResult<QueueAnswer>>;
  leave(queueToken: string): Promise<ApiResult<null>>;
  purchase(admissionToken: string): Promise<ApiResult<PurchaseAnswer>>;
}

export const httpShopperApi: ShopperApi = {
  sale: () => requestJson<SaleAnswer>('/api/sale', { cache: 'no-store' }),
  join: (userId) =>
    requestJson<QueueAnswer>('/api/queue', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ userId }),
    }),
  me: (queueToken) => requestJson<QueueAnswer>('/api/queue/me', { headers: bearer(queueToken), cache: 'no-store' }),
  leave: (queueToken) => requestJson<null>('/api/queue/me', { method: 'DELETE', headers: bearer(queueToken) }),
  purchase: (admissionToken) => requestJson<PurchaseAnswer>('/api/purchase', { method: 'POST', headers: bearer(admissionToken) }),
};
