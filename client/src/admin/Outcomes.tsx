import type { AdminStateAnswer } from '@flashsale/common/contract';
import { percent } from './Counters';

type Outcomes = AdminStateAnswer['counters']['outcomes'];

/** The codes as an operator reads them; a code not named here shows as itself. */
const OUTCOME_WORDS: Partial<Record<keyof Outcomes, string>> = {
  purchased: 'Purchased',
  already_purchased: 'Already purchased',
  sold_out: 'Sold out',
  sale_ended: 'After the end',
  sale_not_started: 'Before the start',
  token_expired: 'Admission expired',
  invalid_token: 'Admission token refused',
  missing_token: 'No admission token',
};

/** Purchase outcomes by code, most frequent first, each with its share of all attempts. */
export function OutcomeFigures({ outcomes }: { outcomes: Outcomes }) {
  const rows = (Object.entries(outcomes) as [keyof Outcomes, number | undefined][])
    .map(([code, count]) => ({ code, count: count ?? 0 }))
    .sort((a, b) => b.count - a.count || a.code.localeCompare(b.code));
  const total = rows.reduce((sum, row) => sum + row.count, 0);
  return (
    <section aria-labelledby="outcomes-heading">
      <h2 id="outcomes-heading">Outcomes</h2>
      {rows.length === 0 ? (
        <p className="muted">No purchase attempted yet.</p>
      ) : (
        <table className="figures-table" data-testid="outcomes">
          <caption>Purchase attempts, sale-wide</caption>
          <thead>
            <tr>
              <th scope="col">Outcome</th>
              <th scope="col" className="number">
                Count
              </th>
              <th scope="col" className="number">
                Share
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map(({ code, count }) => (
              <tr key={code}>
                {/* The code too, as the API, the metrics and the logs name it. */}
                <td>
                  {OUTCOME_WORDS[code] ?? code.replace(/_/g, ' ')} <code className="outcome-code">{code}</code>
                </td>
                <td className="number">{count.toLocaleString('en')}</td>
                <td className="number">{percent(count, total)}</td>
              </tr>
            ))}
          </tbody>
          <tfoot>
            <tr>
              <th scope="row">All attempts</th>
              <td className="number">{total.toLocaleString('en')}</td>
              <td />
            </tr>
          </tfoot>
        </table>
      )}
    </section>
  );
}
