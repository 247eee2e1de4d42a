/**
 * The shopper page's stand-ins: an API whose answers each test chooses, and a socket the test
 * pushes events through. (.tsx, as every file of tests/client, for its tsconfig.)
 */
import type { ChallengeAnswer, JoinRequest, QueueAnswer, SaleAnswer, SaleStatus } from '@flashsale/common/contract';
import type { ApiFailure, ApiResult } from '../../client/src/shared/http';
import type { PurchaseAnswer } from '../../client/src/shopper/answers';
import type { SolveChallenge } from '../../client/src/shopper/challenge-solver';
import type { LiveHandlers } from '../../client/src/shopper/live-socket';
import type { SessionDeps } from '../../client/src/shopper/session';
import type { ShopperApi } from '../../client/src/shopper/shopper-api';

export const PLACE_KEY = 'flashsale.place';

export function sale(status: SaleStatus = 'active', remaining = 10, change: Partial<SaleAnswer> = {}): ApiResult<SaleAnswer> {
  return {
    ok: true,
    status: 200,
    body: {
      saleId: 'launch',
      status,
      startsAt: new Date(Date.now() - 60_000).toISOString(),
      endsAt: new Date(Date.now() + 3_600_000).toISOString(),
      serverTime: new Date().toISOString(),
      product: { name: 'Limited edition' },
      stock: { total: 100, remaining },
      queue: { waiting: 5, admissionRatePerMinute: 60, paused: false },
      lottery: { order: 'fifo' },
      ...change,
    },
  };
}

export const answer = (body: QueueAnswer): ApiResult<QueueAnswer> => ({ ok: true, status: body.state === 'waiting' ? 202 : 200, body });
export const refusal = (status: number, code: ApiFailure['code'], extra: Partial<ApiFailure> = {}): ApiFailure => ({
  ok: false,
  status,
  code,
  message: '',
  retryAfterSeconds: null,
  orderId: null,
  ...extra,
});
export const bought = (orderId: string): ApiResult<PurchaseAnswer> => ({
  ok: true,
  status: 201,
  body: { status: 'purchased', orderId, userId: 'alice', purchasedAt: new Date().toISOString() },
});

/** A challenge the server requires, as GET /api/queue/challenge answers it. */
export const requiredChallenge = (challenge = 'c0ffee'): ApiResult<ChallengeAnswer> => ({
  ok: true,
  status: 200,
  body: { required: true, algorithm: 'SHA-256', challenge, salt: 'salt-1', maxnumber: 100_000, signature: 'sig-1' },
});
export const noChallenge: ApiResult<ChallengeAnswer> = { ok: true, status: 200, body: { required: false } };

/** A stand-in API, socket and proof-of-work solver: each test says what the server answers. */
export function harness(overrides: Partial<ShopperApi> = {}, solveChallenge: SolveChallenge = jest.fn(() => Promise.resolve(42))) {
  const live: { token: string; handlers: LiveHandlers; closed: boolean }[] = [];
  const api = {
    sale: jest.fn(() => Promise.resolve(sale())),
    challenge: jest.fn(() => Promise.resolve(noChallenge)),
    join: jest.fn((request: JoinRequest) =>
      Promise.resolve(answer({ state: 'waiting', userId: request.userId ?? '', position: 3, etaSeconds: 120, queueToken: 'qt-1' })),
    ),
    me: jest.fn(() => Promise.resolve<ApiResult<QueueAnswer>>(refusal(401, 'invalid_token'))),
    leave: jest.fn(() => Promise.resolve<ApiResult<null>>({ ok: true, status: 204, body: null })),
    purchase: jest.fn(() => Promise.resolve(bought('order-1'))),
    ...overrides,
  };
  const deps: SessionDeps = {
    api,
    solveChallenge,
    connectLive: (token, handlers) => {
      const connection = { token, handlers, closed: false };
      live.push(connection);
      return { close: () => (connection.closed = true) };
    },
  };
  return { api, deps, live, socket: () => live.at(-1)! };
}
