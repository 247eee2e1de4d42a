import type { QueueAnswer, QueuePositionEvent, SaleAnswer, SaleStatus } from '@flashsale/common/contract';
import type { ApiResult } from '../shared/http';
import { NETWORK_BARRED_FROM_LINE, queueStep, type NextStep } from './answers';
import { JourneyTurn, type Journey, type JourneyEffect } from './journey-turn';
import { admit, follow, saleClosed, settleIdle, takeSale, takeSaleStatus } from './journey-steps';
import type { StoredPlace } from './place-storage';
import { FIRST_VIEW, type SaleWindowView } from './shopper-view';

export type { Journey, JourneyEffect };

/** What happens to a shopper on the way: answers, pushes, the shopper's own clicks, timers firing. */
export type JourneyEvent =
  /** The page opened (or a remount started again) with this place from storage. */
  | { type: 'pageOpened'; place: StoredPlace | null }
  /** GET /api/sale answered; `at` is this browser's clock when it did, for the clock offset. */
  | { type: 'saleAnswered'; sale: SaleAnswer; at: number }
  /** GET /api/queue/me answered, on load or on a check; `attempt` counts the busy answers before it. */
  | { type: 'placeAnswered'; result: ApiResult<QueueAnswer>; attempt: number; at: number }
  | { type: 'noPlaceToResume' }
  /** Buy Now, or its retry after a busy answer. */
  | { type: 'joinAsked'; userId: string; attempt: number }
  /** The join started its proof of work: a second or two of hashing before it is sent. */
  | { type: 'humanCheckStarted' }
  | { type: 'joinAnswered'; userId: string; result: ApiResult<QueueAnswer>; attempt: number }
  /** Leave the queue; `result` is null when there was no place to give up on the server. */
  | { type: 'leaveAnswered'; result: ApiResult<null> | null }
  | { type: 'positionPushed'; place: QueuePositionEvent }
  | { type: 'admitted'; admissionToken: string; expiresAt: number }
  /** POST /api/purchase was busy; the attempt goes on while the admission lasts. */
  | { type: 'purchaseBusy' }
  /** The purchase attempt is over: bought, refused, or out of time. */
  | { type: 'purchaseAnswered'; step: NextStep }
  /** `window`: the sale's start, end and stock as the push says, which an operator may have moved. */
  | { type: 'saleStatusPushed'; status: SaleStatus; remaining: number; window: SaleWindowView }
  | { type: 'saleClosed'; outcome: 'sold_out' | 'sale_ended' }
  /** The socket refused the queue token. */
  | { type: 'placeRefused' }
  /** The socket came back after a drop, or said the place is gone: pushes may have been missed. */
  | { type: 'placeInDoubt' }
  /** The socket said the operator barred this shopper's network: the place is gone. */
  | { type: 'networkBarred' }
  | { type: 'connectionChanged'; connected: boolean };

export interface Transition {
  journey: Journey;
  /** What the coordinator must now do, in this order. */
  effects: JourneyEffect[];
}

/** A join gives up after this many busy answers in a row. */
const MAX_JOIN_RETRIES = 8;
/** A place check gives up after this many busy answers in a row. */
const MAX_CHECK_RETRIES = 30;

export const FIRST_JOURNEY: Journey = { view: FIRST_VIEW, place: null, buyingWith: null };

/** The shopper's journey as a state machine: the phase is the state, an event moves it. No I/O. */
export function shopperReducer(journey: Journey, event: JourneyEvent): Transition {
  const turn = new JourneyTurn(journey);
  take(turn, event);
  return { journey: turn.journey, effects: turn.effects };
}

function take(turn: JourneyTurn, event: JourneyEvent): void {
  switch (event.type) {
    case 'pageOpened':
      return turn.findPlace(event.place);
    case 'saleAnswered':
      return takeSale(turn, event.sale, event.at);
    case 'placeAnswered': {
      const step = queueStep(event.result, { via: 'resume', admissionLapsed: turn.admissionLapsed(event.at) });
      if (step.kind === 'retry' && event.attempt > MAX_CHECK_RETRIES)
        return settleIdle(turn, { code: 'error', message: 'We lost touch with the shop. Please reload the page.' });
      return follow(turn, step, 'resume', event.attempt);
    }
    case 'noPlaceToResume':
      return settleIdle(turn, null);
    case 'joinAsked':
      return askToJoin(turn, event.userId.trim(), event.attempt);
    case 'humanCheckStarted':
      if (turn.view.phase === 'joining') turn.show({ checkingHuman: true });
      return;
    case 'joinAnswered':
      return takeJoinAnswer(turn, event);
    case 'leaveAnswered':
      return takeLeaveAnswer(turn, event.result);
    case 'positionPushed': {
      const isPlace = event.place.position === null || event.place.position > 0;
      if (isPlace && turn.view.phase === 'waiting') turn.show(turn.placeShown(event.place));
      return;
    }
    case 'admitted':
      return admit(turn, event.admissionToken, event.expiresAt);
    case 'purchaseBusy':
      return turn.show({ notice: 'The shop is very busy. Still trying to complete your purchase…' });
    case 'purchaseAnswered':
      turn.buyWith(null);
      return follow(turn, event.step, 'join');
    case 'saleStatusPushed':
      return takeSaleStatus(turn, event.status, event.remaining, event.window);
    case 'saleClosed':
      return saleClosed(turn, event.outcome);
    case 'placeRefused':
      turn.dropPlace();
      if (turn.view.phase === 'waiting')
        settleIdle(turn, { code: 'error', message: 'We could not confirm your place in the queue. Please join again.' });
      return;
    case 'placeInDoubt':
      return turn.ask({ kind: 'checkPlace', attempt: 0 });
    case 'networkBarred':
      // Only places in line are taken away; a purchase under way decides for itself.
      if (turn.view.phase !== 'waiting') return;
      turn.dropPlace();
      turn.ask({ kind: 'stopFollowing' });
      return settleIdle(turn, { code: 'error', message: NETWORK_BARRED_FROM_LINE });
    case 'connectionChanged':
      return turn.show({ notice: event.connected || turn.view.phase !== 'waiting' ? null : 'Connection lost. Reconnecting…' });
  }
}

function askToJoin(turn: JourneyTurn, userId: string, attempt: number): void {
  if (userId === '') return follow(turn, queueStep(emptyUserId, { via: 'join', admissionLapsed: false }), 'join');
  turn.show({ phase: 'joining', invalidUserId: false, notice: null, outcome: null });
  turn.ask({ kind: 'askToJoin', userId, attempt });
}

function takeJoinAnswer(turn: JourneyTurn, { userId, result, attempt }: Extract<JourneyEvent, { type: 'joinAnswered' }>): void {
  turn.show({ checkingHuman: false });
  if (result.ok) turn.keepPlace({ queueToken: result.body.queueToken, userId: result.body.userId });
  const step = queueStep(result, { via: 'join', admissionLapsed: false });
  if (step.kind !== 'retry') return follow(turn, step, 'join');
  if (attempt >= MAX_JOIN_RETRIES) return settleIdle(turn, { code: 'error', message: 'The shop is too busy right now. Please try again.' });
  turn.show({ notice: `The shop is very busy. Trying again in ${step.afterSeconds} seconds…` });
  turn.ask({ kind: 'joinAgainLater', userId, attempt: attempt + 1, afterSeconds: step.afterSeconds });
}

function takeLeaveAnswer(turn: JourneyTurn, result: ApiResult<null> | null): void {
  // A place the server no longer knows is as good as left.
  if (result && !result.ok && result.code !== 'invalid_token' && result.code !== 'not_found') {
    return turn.show({ notice: 'We could not reach the shop to leave the queue. Please try again.' });
  }
  turn.dropPlace();
  turn.ask({ kind: 'stopFollowing' });
  settleIdle(turn, null);
}

/** An empty field is refused here, in the server's words, without asking it. */
const emptyUserId = {
  ok: false,
  status: 400,
  code: 'invalid_user_id',
  message: '',
  retryAfterSeconds: null,
  orderId: null,
} as const;
