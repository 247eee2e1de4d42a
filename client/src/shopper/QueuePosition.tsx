import { etaWords, queueProgress } from './eta';
import type { NumberedPlace } from './shopper-view';

/** The shopper's place in line: the number alone in `queue-position`, as browser tests read it. */
export function QueuePosition({ position }: { position: NumberedPlace }) {
  const progress = queueProgress(position.firstPosition, position.position);
  return (
    <div className="queue-position">
      <p className="position-line">
        Your place in the queue: <strong data-testid="queue-position">{position.position}</strong>
      </p>
      <p>
        {position.waiting === 1 ? '1 person is waiting.' : `${position.waiting.toLocaleString('en')} people are waiting.`} Estimated wait:{' '}
        <span data-testid="queue-eta">{etaWords(position.etaSeconds)}</span>.
      </p>
      <progress className="queue-progress" max={100} value={Math.round(progress * 100)} aria-label="Progress through the queue">
        {Math.round(progress * 100)}%
      </progress>
    </div>
  );
}
