import type { AdminStateAnswer } from '@flashsale/common/contract';

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
        <div>
          <dt>Orders written</dt>
          <dd data-testid="ledger-written">{ledger.written.toLocaleString('en')}</dd>
        </div>
        <div>
          <dt>Waiting to be written</dt>
          <dd data-testid="ledger-pending">{ledger.pending.toLocaleString('en')}</dd>
        </div>
        <div>
          <dt>Last write</dt>
          <dd data-testid="ledger-last-write" title={ledger.lastWriteAt ?? undefined}>
            {sinceLastWrite === null ? 'none yet' : `${age(sinceLastWrite)} ago`}
          </dd>
        </div>
      </dl>
      <p className={behind ? 'notice' : 'muted'} data-testid="ledger-health">
        {ledger.pending === 0
          ? 'Up to date: every order is in the ledger.'
          : `${behind ? 'Behind' : 'Writing'}: ${ledger.pending.toLocaleString('en')} ${ledger.pending === 1 ? 'order waits' : 'orders wait'} to be written.`}
      </p>
    </section>
  );
}

/** "4 s", "2 min 5 s", "3 h 10 min". */
function age(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${seconds % 60} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}
