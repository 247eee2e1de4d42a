import { checkWindow, type SaleWindow } from '../contract/sale-status';

export interface Order {
  orderId: string;
  userId: string;
  /** Epoch milliseconds, by the store's clock. */
  purchasedAt: number;
}

export interface PurchaseRequest {
  userId: string;
  /** A fresh id, used only if this purchase succeeds. */
  orderId: string;
  /** When the admission token expires (epoch ms); checked again against the store's clock. */
  tokenExpiresAt: number;
}

/** What a purchase attempt came to. Outcomes are values; a store fault is an exception. */
export type PurchaseOutcome =
  | { kind: 'purchased'; order: Order }
  | { kind: 'already_purchased'; order: Order }
  | { kind: 'sold_out' }
  | { kind: 'sale_not_started' }
  | { kind: 'sale_ended' }
  | { kind: 'token_expired' };

export type PurchaseOutcomeKind = PurchaseOutcome['kind'];

export interface PurchaseState {
  window: SaleWindow;
  remaining: number;
  existingOrder: Order | null;
}

/**
 * The purchase rule, in the order the checks run: window, token expiry, one per user, stock.
 * The Redis store runs the same rule inside one Lua script (purchase.lua); the memory store calls
 * this function. Keep the two in step: the store contract suite runs against both.
 */
export function decidePurchase(state: PurchaseState, request: PurchaseRequest, now: number): PurchaseOutcome {
  const window = checkWindow(state.window, now);
  if (window === 'not_started') return { kind: 'sale_not_started' };
  if (window === 'ended') return { kind: 'sale_ended' };
  if (now >= request.tokenExpiresAt) return { kind: 'token_expired' };
  if (state.existingOrder) return { kind: 'already_purchased', order: state.existingOrder };
  if (state.remaining <= 0) return { kind: 'sold_out' };
  return { kind: 'purchased', order: { orderId: request.orderId, userId: request.userId, purchasedAt: now } };
}
