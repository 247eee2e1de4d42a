import type { SaleStatus } from '@flashsale/common/contract';
import { Countdown } from './Countdown';
import type { SaleView } from './shopper-view';

const STATUS_WORDS: Record<SaleStatus, string> = {
  upcoming: 'Starting soon',
  active: 'On sale now',
  sold_out: 'Sold out',
  ended: 'Ended',
};

/** The sale's status, the stock left, and a countdown to the start while it is upcoming. */
export function SaleSummary({ sale, clockOffsetMs }: { sale: SaleView | null; clockOffsetMs: number }) {
  if (!sale) return <p className="sale-summary">Loading the sale…</p>;
  return (
    <dl className="sale-summary">
      <div>
        <dt>Status</dt>
        <dd data-testid="sale-status" data-status={sale.status}>
          {STATUS_WORDS[sale.status]}
        </dd>
      </div>
      <div>
        <dt>Left in stock</dt>
        <dd data-testid="stock-remaining">
          {sale.remaining.toLocaleString('en')} of {sale.total.toLocaleString('en')}
        </dd>
      </div>
      {sale.status === 'upcoming' && (
        <div>
          <dt>Starts in</dt>
          <dd>
            <Countdown to={sale.startsAt} clockOffsetMs={clockOffsetMs} />
          </dd>
        </div>
      )}
    </dl>
  );
}
