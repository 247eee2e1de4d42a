import { saleStatus } from '../contract/sale-status';

/** An operator's change to the sale (PATCH /api/admin/sale); epoch ms and units. */
export interface SaleChange {
  startsAt?: number;
  endsAt?: number;
  stock?: number;
}

/** The sale as a change is decided on: its window, its queue's opening and its stock. */
export interface SaleSchedule {
  startsAt: number;
  endsAt: number;
  queueOpensAt: number;
  stock: number;
  remaining: number;
}

export interface SaleChangeRefusal {
  code: 'bad_request' | 'sale_started';
  message: string;
}

/** The window and stock a change leaves, and the phase it was decided in (the store re-checks it). */
export interface ChangedSale extends SaleSchedule {
  phase: 'upcoming' | 'active';
}

export type SaleChangeVerdict = { ok: true; sale: ChangedSale } | { ok: false; refusal: SaleChangeRefusal };

const STARTED = 'The sale has started: only its end may move now, and only while the sale is on.';

/**
 * The SPEC's rules for moving a sale: before the start, the start, the end and the stock may
 * change; once it is active only the end may, not to a moment already past; sold out or ended,
 * nothing. A field given at its current value is no change, so a form may send them all. The
 * queue opens no later than the (new) start; added or removed stock is added to or taken from
 * what remains.
 */
export function decideSaleChange(sale: SaleSchedule, change: SaleChange, now: number): SaleChangeVerdict {
  const moves = {
    startsAt: change.startsAt !== undefined && change.startsAt !== sale.startsAt,
    endsAt: change.endsAt !== undefined && change.endsAt !== sale.endsAt,
    stock: change.stock !== undefined && change.stock !== sale.stock,
  };
  const status = saleStatus(sale, sale.remaining, now);
  const refuse = (code: SaleChangeRefusal['code'], message: string): SaleChangeVerdict => ({ ok: false, refusal: { code, message } });
  if (status !== 'upcoming' && (moves.startsAt || moves.stock || (moves.endsAt && status !== 'active')))
    return refuse('sale_started', STARTED);

  const startsAt = change.startsAt ?? sale.startsAt;
  const endsAt = change.endsAt ?? sale.endsAt;
  const stock = change.stock ?? sale.stock;
  if (endsAt <= startsAt) return refuse('bad_request', 'The end must be after the start.');
  if (status === 'active' && moves.endsAt && endsAt <= now) return refuse('sale_started', 'The end cannot move to a moment already past.');
  return {
    ok: true,
    sale: {
      startsAt,
      endsAt,
      queueOpensAt: Math.min(sale.queueOpensAt, startsAt),
      stock,
      remaining: Math.max(0, sale.remaining + stock - sale.stock),
      phase: status === 'upcoming' ? 'upcoming' : 'active',
    },
  };
}
