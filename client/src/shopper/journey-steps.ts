import type { SaleAnswer, SaleStatus } from '@flashsale/common/contract';
import type { NextStep, QueueContext } from './answers';
import type { JourneyTurn } from './journey-turn';
import { isFinal, type Outcome } from './outcome';
import { saleViewOf, type SaleWindowView } from './shopper-view';

/** The moves that several events share: each takes the turn under way and carries it on. */

/** Does what one answer says, wherever it came from. */
export function follow(turn: JourneyTurn, step: NextStep, via: QueueContext['via'], attempt = 0): void {
  switch (step.kind) {
    case 'wait':
      return waitInLine(turn, step);
    case 'buy':
      return admit(turn, step.admissionToken, step.expiresAt);
    case 'retry':
      turn.show({ notice: 'The shop is very busy. Checking your place again shortly…' });
      return turn.ask({ kind: 'checkPlace', attempt: attempt + 1, afterSeconds: step.afterSeconds });
    case 'show':
      if (step.forget) turn.dropPlace();
      if (step.invalidUserId) return turn.show({ phase: 'idle', outcome: step.outcome, invalidUserId: true, notice: null });
      turn.ask({ kind: 'stopFollowing' });
      // The place lapsed, or was never there: the form again, unless the sale has closed.
      if (step.outcome === null || !isFinal(step.outcome)) return settleIdle(turn, step.outcome, step.notice ?? null);
      turn.show({ phase: 'done', outcome: sameOutcomeAsBefore(turn, step.outcome, via), notice: null, position: null });
  }
}

function waitInLine(turn: JourneyTurn, { position, etaSeconds, drawAt, ticket }: Extract<NextStep, { kind: 'wait' }>): void {
  // An answer that crossed the admission on the way changes nothing: the purchase is under way.
  if (turn.view.phase === 'buying') return;
  if (ticket !== null && turn.place && turn.place.ticket !== ticket) turn.keepPlace({ ...turn.place, ticket });
  // Answers carry no count of those waiting: the last push's, or the sale's, stands in.
  const waiting = turn.view.position?.waiting ?? turn.view.sale?.waiting ?? 0;
  turn.show({
    phase: 'waiting',
    outcome: { code: 'waiting' },
    notice: null,
    invalidUserId: false,
    ...turn.placeShown({ position, etaSeconds, waiting }, drawAt),
  });
  if (turn.place) turn.ask({ kind: 'followLine', queueToken: turn.place.queueToken });
}

/** Admitted: buy at once, with no second click, once per admission and never after the end. */
export function admit(turn: JourneyTurn, admissionToken: string, expiresAt: number): void {
  if (turn.journey.buyingWith === admissionToken || turn.view.phase === 'done') return;
  turn.buyWith(admissionToken);
  if (turn.place) turn.keepPlace({ ...turn.place, admissionExpiresAt: expiresAt });
  turn.show({ phase: 'buying', outcome: { code: 'waiting', buying: true }, notice: null });
  turn.ask({ kind: 'buy', admissionToken, expiresAt });
}

/**
 * A reload shows what the shopper saw before: a place that learnt at join that it had bought
 * already says so again, although GET /api/queue/me only says `purchased`.
 */
function sameOutcomeAsBefore(turn: JourneyTurn, outcome: Outcome, via: QueueContext['via']): Outcome {
  if (outcome.code === 'already_purchased' && via === 'join' && turn.place) turn.keepPlace({ ...turn.place, alreadyPurchased: true });
  if (outcome.code === 'purchased' && via === 'resume' && turn.place?.alreadyPurchased) return { ...outcome, code: 'already_purchased' };
  return outcome;
}

/** The sale closed while this shopper waited. A purchase under way decides for itself. */
export function saleClosed(turn: JourneyTurn, code: 'sold_out' | 'sale_ended'): void {
  const sale = turn.view.sale;
  if (sale) turn.show({ sale: { ...sale, status: code === 'sold_out' ? 'sold_out' : 'ended' } });
  if (turn.view.phase === 'buying' || turn.view.phase === 'done') return;
  turn.ask({ kind: 'stopFollowing' });
  turn.show({ phase: 'done', outcome: { code }, position: null, notice: null });
}

/**
 * The form, unless the sale has ended; then the end is the outcome. A sold-out sale keeps the
 * form, under the sold-out outcome, so a shopper who bought earlier (on another device) can
 * still find their order: the queue answers them `purchased`.
 */
export function settleIdle(turn: JourneyTurn, outcome: Outcome | null, notice: string | null = null): void {
  const status = turn.view.sale?.status;
  if (status === 'ended') return turn.show({ phase: 'done', outcome: { code: 'sale_ended' }, position: null, notice: null });
  const bought = outcome?.code === 'purchased' || outcome?.code === 'already_purchased';
  const shown = status === 'sold_out' && !bought ? { code: 'sold_out' as const } : outcome;
  turn.show({ phase: 'idle', outcome: shown, position: null, notice });
}

/** GET /api/sale answered at `at` (this browser's clock). */
export function takeSale(turn: JourneyTurn, answer: SaleAnswer, at: number): void {
  const clockOffsetMs = Date.parse(answer.serverTime) - at;
  turn.show({
    clockOffsetMs: Number.isFinite(clockOffsetMs) ? clockOffsetMs : 0,
    lotteryDrawn: turn.view.lotteryDrawn || answer.lottery.seed !== undefined,
    sale: saleViewOf(answer),
  });
  takeSaleStatus(turn, answer.status, answer.stock.remaining);
}

export function takeSaleStatus(turn: JourneyTurn, status: SaleStatus, remaining: number, window?: SaleWindowView): void {
  const sale = turn.view.sale;
  if (sale) turn.show({ sale: { ...sale, ...window, status, remaining } });
  if ((status === 'sold_out' || status === 'ended') && (turn.view.phase === 'idle' || turn.view.phase === 'joining')) {
    settleIdle(turn, turn.view.outcome);
  }
}
