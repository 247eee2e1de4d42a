import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { InTheDraw } from './InTheDraw';
import { LotteryTicket } from './LotteryTicket';
import { OutcomeStatus } from './OutcomeStatus';
import { ProductCard } from './ProductCard';
import { QueuePosition } from './QueuePosition';
import { SaleSummary } from './SaleSummary';
import type { SessionDeps } from './session';
import { ShopperAlerts } from './ShopperAlerts';
import { useShopperSession } from './use-shopper-session';
import { USER_ID_RULE } from './answers';

const CHECKING_HUMAN = 'Checking you are a person, not a bot… this takes a second or two.';

/** The shopper page; `deps` are the live API, socket and proof-of-work worker (main.tsx), or a test's stand-ins. */
export function ShopperPage({ deps }: { deps: SessionDeps }) {
  const { view, session } = useShopperSession(deps);
  const [userId, setUserId] = useState('');
  const inputId = useId();
  const hintId = useId();
  const inputRef = useRef<HTMLInputElement>(null);
  const waitingHeadingRef = useRef<HTMLHeadingElement>(null);
  const outcomeRef = useRef<HTMLDivElement>(null);
  const { phase } = view;

  // Keep focus where the shopper's next step is, as parts of the page come and go.
  useEffect(() => {
    if (phase === 'waiting') waitingHeadingRef.current?.focus();
    if (phase === 'done' && document.activeElement === document.body) outcomeRef.current?.focus();
  }, [phase]);
  useEffect(() => {
    if (view.invalidUserId) inputRef.current?.focus();
  }, [view.invalidUserId, view.outcome]);

  function buyNow(event: FormEvent) {
    event.preventDefault();
    if (session && phase === 'idle') void session.join(userId);
  }

  function leaveQueue() {
    void session?.leave().then(() => inputRef.current?.focus());
  }

  const showForm = phase === 'idle' || phase === 'joining';
  const place = phase === 'waiting' ? view.position : null;
  // A ticket stays worth checking after the wait: whoever bought, or missed out, may verify the draw.
  const holdsPlace = phase === 'waiting' || phase === 'buying' || phase === 'done';
  return (
    <main className="page shopper">
      <ProductCard product={view.sale?.product ?? null} />
      <SaleSummary sale={view.sale} clockOffsetMs={view.clockOffsetMs} />

      {phase === 'loading' && <p className="muted">Checking your place…</p>}

      {showForm && (
        <form className="join-form" onSubmit={buyNow} noValidate>
          <label htmlFor={inputId}>Username or email</label>
          <input
            id={inputId}
            ref={inputRef}
            name="userId"
            type="text"
            autoComplete="username"
            autoCapitalize="none"
            spellCheck={false}
            maxLength={64}
            value={userId}
            onChange={(event) => setUserId(event.target.value)}
            aria-invalid={view.invalidUserId || undefined}
            aria-describedby={view.invalidUserId ? hintId : undefined}
          />
          {view.invalidUserId && (
            <p id={hintId} className="field-hint">
              {USER_ID_RULE}
            </p>
          )}
          <button type="submit" disabled={phase === 'joining'} aria-busy={phase === 'joining'}>
            Buy Now
          </button>
          {view.sale?.status === 'sold_out' && <p className="field-hint">Bought earlier? Enter the same name to see your order.</p>}
          {/* Always in the document, so that the words are announced when they come. */}
          <p className="human-check" aria-live="polite" data-testid="human-check">
            {view.checkingHuman ? CHECKING_HUMAN : ''}
          </p>
        </form>
      )}

      {(phase === 'waiting' || phase === 'buying') && (
        <section className="queue" aria-labelledby="queue-heading">
          <h2 id="queue-heading" ref={waitingHeadingRef} tabIndex={-1}>
            {phase === 'buying' ? 'It is your turn' : 'You are in the queue'}
          </h2>
          {place?.position === null && (
            <InTheDraw place={place} drawAt={place.drawAt ?? view.sale?.startsAt ?? null} clockOffsetMs={view.clockOffsetMs} />
          )}
          {place && place.position !== null && <QueuePosition position={place} />}
          {phase === 'waiting' && (
            <button type="button" className="secondary" onClick={leaveQueue}>
              Leave the queue
            </button>
          )}
        </section>
      )}

      <ShopperAlerts session={session} view={view} />
      <OutcomeStatus ref={outcomeRef} outcome={view.outcome} />
      {view.notice && <p className="notice">{view.notice}</p>}
      {view.ticket && holdsPlace && <LotteryTicket ticket={view.ticket} drawn={view.lotteryDrawn} />}
    </main>
  );
}
