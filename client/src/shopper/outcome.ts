/** The values of the outcome region's `data-outcome`, as the SPEC's client contract names them. */
export const OUTCOME_CODES = [
  'waiting',
  'purchased',
  'already_purchased',
  'sold_out',
  'sale_ended',
  'sale_not_started',
  'token_expired',
  'error',
] as const;

export type OutcomeCode = (typeof OUTCOME_CODES)[number];

export type Outcome =
  | { code: 'purchased' | 'already_purchased'; orderId: string }
  /** `buying`: admitted, and the page is completing the purchase. */
  | { code: 'waiting'; buying?: boolean }
  | { code: 'sold_out' | 'sale_ended' | 'sale_not_started' | 'token_expired' }
  /** `message` is already in a shopper's words. */
  | { code: 'error'; message?: string };

/** Outcomes after which there is nothing left to buy or wait for. */
export function isFinal(outcome: Outcome | null): boolean {
  return outcome !== null && ['purchased', 'already_purchased', 'sold_out', 'sale_ended'].includes(outcome.code);
}

export const GENERIC_ERROR = 'Something went wrong on our side. Please try again in a moment.';

/** The sentence a shopper reads for each outcome. */
export function outcomeMessage(outcome: Outcome): string {
  switch (outcome.code) {
    case 'waiting':
      return outcome.buying
        ? 'It is your turn! We are completing your purchase now.'
        : 'You are in the queue. Keep this page open: we will buy for you as soon as it is your turn.';
    case 'purchased':
      return `You bought it!${orderSentence(outcome.orderId)}`;
    case 'already_purchased':
      return `You have already bought this item.${orderSentence(outcome.orderId)}`;
    case 'sold_out':
      return 'Sorry, it is sold out: every unit has been sold.';
    case 'sale_ended':
      return 'The sale has ended.';
    case 'sale_not_started':
      return 'The sale has not started yet, and the queue is not open. Please try again when the countdown ends.';
    case 'token_expired':
      return 'Your turn to buy ran out before the purchase went through. Please join the queue again.';
    case 'error':
      return outcome.message ?? GENERIC_ERROR;
  }
}

function orderSentence(orderId: string): string {
  return orderId === '' ? '' : ` Your order number is ${orderId}.`;
}
