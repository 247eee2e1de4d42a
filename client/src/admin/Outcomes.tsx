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
  return (
    <section aria-labelledby="outcomes-heading">
      <h2 id="outcomes-heading">Outcomes</h2>
      <OutcomeTable outcomes={outcomes} caption="Purchase attempts, sale-wide" testId="outcomes" />
    </section>
  );
}

/** The outcomes as a table (the live panel's, and the report's over the whole sale). */
export function OutcomeTable({ outcomes, caption, testId }: { outcomes: Outcomes; caption: string; testId: string }) {
  const rows = (Object.entries(outcomes) as [keyof Outcomes, number | undefined][])
    .map(([code, count]) => ({ code, count: count ?? 0 }))
    .sort((a, b) => b.count - a.count || a.code.localeCompare(b.code));
  const total = rows.reduce((sum, row) => sum + row.count, 0);
  if (rows.length === 0) return <p className="muted">No purchase attempted yet.</p>;
  return (
    <table className="figures-table" data-testid={testId}>
      <caption>{caption}</caption>
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
  );
}
