import type { AdminStateAnswer } from '@flashsale/common/contract';
import { Figure } from './Figure';
import { waitText } from './report';

/** The SPEC's bound: every order is in the ledger within 5 s. Past it, the backlog is a warning. */
const BEHIND_AFTER_MS = 5_000;

/** The order ledger (PostgreSQL): rows written, the backlog, and how long since the last write. */
export function LedgerFigures({ ledger, serverTime }: { ledger: AdminStateAnswer['ledger']; serverTime: string }) {
  if (!ledger) {
    return (
      <section aria-labelledby="ledger-heading">
        <h2 id="ledger-heading">Ledger</h2>
        <p className="muted" data-testid="ledger-health">
          No ledger: this deployment keeps its orders in its store only.
        </p>
      </section>
    );
  }
  const sinceLastWrite = ledger.lastWriteAt === null ? null : Math.max(0, Date.parse(serverTime) - Date.parse(ledger.lastWriteAt));
  const behind = ledger.pending > 0 && (sinceLastWrite === null || sinceLastWrite > BEHIND_AFTER_MS);
  return (
    <section aria-labelledby="ledger-heading">
      <h2 id="ledger-heading">Ledger</h2>
      <dl className="counters">
        <Figure label="Orders written" testId="ledger-written" value={ledger.written.toLocaleString('en')} />
        <Figure label="Waiting to be written" testId="ledger-pending" value={ledger.pending.toLocaleString('en')} />
        <Figure
          label="Last write"
          testId="ledger-last-write"
          value={sinceLastWrite === null ? 'none yet' : `${waitText(Math.floor(sinceLastWrite / 1000))} ago`}
          title={ledger.lastWriteAt ?? undefined}
        />
      </dl>
      <p className={behind ? 'notice' : 'muted'} data-testid="ledger-health">
        {ledger.pending === 0
          ? 'Up to date: every order is in the ledger.'
          : `${behind ? 'Behind' : 'Writing'}: ${ledger.pending.toLocaleString('en')} ${ledger.pending === 1 ? 'order waits' : 'orders wait'} to be written.`}
      </p>
    </section>
  );
}
