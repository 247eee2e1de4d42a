import { useId } from 'react';

/** Where anyone can read the draw: the seed, and every ticket in the order drawn. */
export const LOTTERY_URL = '/api/sale/lottery';

/** The shopper's ticket in a random pre-queue and, once drawn, where anyone can check the draw. */
export function LotteryTicket({ ticket, drawn }: { ticket: string; drawn: boolean }) {
  const headingId = useId();
  return (
    <section className="lottery" aria-labelledby={headingId}>
      <h2 id={headingId}>Your lottery ticket</h2>
      <p>
        <code className="ticket" data-testid="lottery-ticket">
          {ticket}
        </code>
      </p>
      {drawn ? (
        <p data-testid="lottery-check">
          The draw has happened. See every ticket in the order drawn at{' '}
          {/* A new tab, so the shopper keeps their page (and their live place) open. */}
          <a href={LOTTERY_URL} target="_blank" rel="noreferrer">
            {LOTTERY_URL}
          </a>
          . Anyone can recompute it with:
          <code className="command">npm run verify-lottery -- {window.location.origin}</code>
        </p>
      ) : (
        <p>At the start, a public draw gives every ticket a random place in the queue. Afterwards, you can check the draw here.</p>
      )}
    </section>
  );
}
