import type { ErrorCode, Order, PurchaseAnswer, PurchaseOutcome } from '@flashsale/common';
import { errorBody } from '@flashsale/common';

/** Everything a purchase request can come to, before or after the store is asked. */
export type CheckoutResult = PurchaseOutcome | { kind: 'missing_token' } | { kind: 'invalid_token' };

export type CheckoutResultKind = CheckoutResult['kind'];

export interface PurchaseReply {
  status: number;
  body: unknown;
}

const REFUSALS: Record<Exclude<CheckoutResultKind, 'purchased' | 'already_purchased'>, { status: number; message: string }> = {
  sold_out: { status: 410, message: 'Sorry, every unit has been sold.' },
  sale_ended: { status: 410, message: 'The sale has ended.' },
  sale_not_started: { status: 403, message: 'The sale has not started yet.' },
  token_expired: { status: 401, message: 'Your turn to buy has expired. Please join the queue again.' },
  missing_token: { status: 401, message: 'An admission token is required: join the queue to get one.' },
  invalid_token: { status: 401, message: 'This admission token is not valid.' },
};

/** Maps a checkout result to its SPEC status and body. */
export function purchaseAnswer(result: CheckoutResult): PurchaseReply {
  switch (result.kind) {
    case 'purchased':
      return { status: 201, body: { status: 'purchased', ...orderView(result.order) } satisfies PurchaseAnswer };
    case 'already_purchased': {
      // The SPEC puts the orderId on the error body; it is in the error object and beside it.
      const { orderId } = result.order;
      return { status: 409, body: { ...errorBody('already_purchased', 'You have already bought this item.', { orderId }), orderId } };
    }
    default: {
      const refusal = REFUSALS[result.kind];
      return { status: refusal.status, body: errorBody(result.kind satisfies ErrorCode, refusal.message) };
    }
  }
}

export function orderView(order: Order) {
  return { orderId: order.orderId, userId: order.userId, purchasedAt: new Date(order.purchasedAt).toISOString() };
}
