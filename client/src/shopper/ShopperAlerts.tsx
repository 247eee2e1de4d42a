import { useEffect, useRef, useState } from 'react';
import { announcesPosition, positionAnnouncement } from './alerts';
import { alertWhileAway, askToNotify, notificationChoice, type NotificationChoice, type ViewSource } from './page-alerts';
import type { ShopperView } from './shopper-view';

/**
 * What reaches a shopper who is not looking at the page: the title and notifications while the
 * tab is hidden (page-alerts.ts), the offer to allow notifications while waiting, and the place
 * in line read out at milestones to a screen reader.
 */
export function ShopperAlerts({ session, view }: { session: ViewSource; view: ShopperView }) {
  useEffect(() => alertWhileAway(session), [session]);
  const place = view.phase === 'waiting' ? (view.position?.position ?? null) : null;
  const announcement = usePositionAnnouncement(place);
  return (
    <>
      {view.phase === 'waiting' && <NotifyMe />}
      {/* The page's one region for what is read out as it happens; always present, so the words are heard when they come. */}
      <p className="visually-hidden" aria-live="polite" data-testid="announcer">
        {announcement}
      </p>
    </>
  );
}

/** The words for the screen reader: they change only when announcesPosition says so. */
function usePositionAnnouncement(place: number | null): string {
  const [said, setSaid] = useState<{ place: number | null; words: string }>({ place: null, words: '' });
  // Derived while rendering (React's "adjusting state when a prop changes"), not in an effect, so no push is read late.
  if (place === null && said.place !== null) setSaid({ place: null, words: '' });
  if (place !== null && announcesPosition(said.place, place)) setSaid({ place, words: positionAnnouncement(place) });
  return said.words;
}

/** Offers notifications while waiting; the browser is asked only when the shopper clicks. */
function NotifyMe() {
  const [choice, setChoice] = useState<NotificationChoice>(notificationChoice);
  const answer = useRef<HTMLParagraphElement>(null);
  const asked = useRef(false);
  // The button goes once answered: focus goes to the words that took its place, which are read out.
  useEffect(() => {
    if (asked.current) answer.current?.focus();
  }, [choice]);

  function ask() {
    asked.current = true;
    void askToNotify().then(setChoice);
  }

  if (choice === 'unsupported') return null;
  if (choice === 'default') {
    return (
      <button type="button" className="secondary notify-me" onClick={ask}>
        Notify me when it is my turn
      </button>
    );
  }
  return (
    <p ref={answer} tabIndex={-1} className="muted notify-state" data-testid="notify-state">
      {choice === 'granted'
        ? 'Notifications are on: we will tell you when it is your turn, even if you are in another tab.'
        : 'Notifications are blocked for this site. Keep this tab open: its title will say when it is your turn.'}
    </p>
  );
}
