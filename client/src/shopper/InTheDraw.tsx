import { Countdown } from './Countdown';
import { clockTimeText, etaWords } from './eta';
import type { PlaceInDraw } from './shopper-view';

/**
 * A place in a random pre-queue before its draw. It shows no number, since the draw at the start
 * would change it: who is in the draw and when it happens instead.
 */
export function InTheDraw({ place, drawAt, clockOffsetMs }: { place: PlaceInDraw; drawAt: number | null; clockOffsetMs: number }) {
  return (
    <div className="queue-position" data-testid="in-draw">
      <p className="position-line">You are in the draw for places in the queue.</p>
      <p>
        {place.waiting === 1 ? '1 person is in the draw.' : `${place.waiting.toLocaleString('en')} people are in the draw.`}{' '}
        {drawAt !== null && (
          <>
            {/* Told by this device's clock, as the countdown is. */}
            The draw is at {clockTimeText(drawAt - clockOffsetMs)}, in{' '}
            <Countdown to={drawAt} clockOffsetMs={clockOffsetMs} testId="draw-countdown" />.{' '}
          </>
        )}
        Estimated wait: <span data-testid="queue-eta">{etaWords(place.etaSeconds)}</span>.
      </p>
      <p className="muted">Everyone who joins before the start is placed at random by the draw, so there is no need to hurry.</p>
    </div>
  );
}
