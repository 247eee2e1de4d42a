import type { Ref } from 'react';
import { outcomeMessage, type Outcome } from './outcome';

/**
 * The one outcome region of the page: always in the document (so screen readers hear each
 * change), with `data-outcome` only once something has happened.
 */
export function OutcomeStatus({ outcome, ref }: { outcome: Outcome | null; ref?: Ref<HTMLDivElement> }) {
  return (
    <div
      ref={ref}
      role="status"
      aria-live="polite"
      tabIndex={-1}
      className={outcome ? `outcome outcome-${outcome.code}` : 'outcome outcome-empty'}
      data-outcome={outcome?.code}
    >
      {outcome ? outcomeMessage(outcome) : ''}
    </div>
  );
}
