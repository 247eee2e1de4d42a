export const SALE_STATUSES = ['upcoming', 'active', 'sold_out', 'ended'] as const;
export type SaleStatus = (typeof SALE_STATUSES)[number];

export interface SaleWindow {
  startsAt: number;
  endsAt: number;
}

/**
 * upcoming → active → sold_out | ended. Both last two are final: a sale that sold out stays
 * `sold_out` after its end, because nothing was left to sell either way.
 */
export function saleStatus(window: SaleWindow, remaining: number, now: number): SaleStatus {
  if (now < window.startsAt) return 'upcoming';
  if (remaining <= 0) return 'sold_out';
  if (now >= window.endsAt) return 'ended';
  return 'active';
}

export type WindowCheck = 'open' | 'not_started' | 'ended';

/** The half-open window [startsAt, endsAt): open at exactly startsAt, closed at exactly endsAt. */
export function checkWindow(window: SaleWindow, now: number): WindowCheck {
  if (now < window.startsAt) return 'not_started';
  if (now >= window.endsAt) return 'ended';
  return 'open';
}
