import type { PurchaseAnswer, QueueAnswer } from '@flashsale/common/contract';
import type { ApiFailure, ApiResult } from '../shared/http';
import { GENERIC_ERROR, type Outcome } from './outcome';

/** 201 from POST /api/purchase, as checkout types it. */
export type { PurchaseAnswer };

/** What the page does next, decided from one answer. */
export type NextStep =
  /**
   * Wait in line. `position` is null in a random pre-queue before its draw; `drawAt` (epoch ms)
   * says when that draw happens, and `ticket` is the shopper's lottery ticket.
   */
  | { kind: 'wait'; position: number | null; etaSeconds: number; drawAt: number | null; ticket: string | null }
  | { kind: 'buy'; admissionToken: string; expiresAt: number }
  /** Show this outcome; `forget` drops the stored place (it can no longer be used). */
  | { kind: 'show'; outcome: Outcome | null; forget: boolean; invalidUserId?: boolean; notice?: string }
  | { kind: 'retry'; afterSeconds: number };

/** How long to wait before asking again when the server gave no Retry-After. */
export const DEFAULT_RETRY_SECONDS = 2;

/** Said when the place is gone without an admission to blame: the idle timeout, usually. */
export const PLACE_LAPSED_NOTICE = 'Your place in the queue lapsed while you were away. Join again to take a new place at the back.';

export const INVALID_USER_ID_MESSAGE = 'Please enter a valid username or email.';
/** What a valid userId looks like, in words (the SPEC's Identity rule). */
export const USER_ID_RULE = 'Use 1 to 64 letters, digits or the characters . _ @ + - with no spaces.';

/** Said when the operator bars the network of a shopper waiting in line. */
export const NETWORK_BARRED_FROM_LINE = 'Your network has been barred from this sale, so your place in the queue was given up.';

const CHECK_FAILED = 'We could not check that you are a person, not a bot. Please try again.';

/** The join's refusals that only the shopper (or their shop) can do something about, in their words. */
const JOIN_REFUSALS = {
  challenge_required: CHECK_FAILED,
  challenge_failed: CHECK_FAILED,
  identity_required: 'Please sign in at the shop first, then come back to the sale from there.',
  invalid_identity: 'Your sign-in at the shop has expired. Please sign in again there, then come back to the sale.',
  too_many_places: 'Too many places in this sale have already been taken from your network, so it cannot take any more.',
  network_blocked: 'Your network has been barred from this sale, so you cannot join its queue.',
} as const;

export interface QueueContext {
  /** `join`: POST /api/queue from the form; `resume`: GET /api/queue/me with a stored token. */
  via: 'join' | 'resume';
  /** This browser held an admission whose time has now run out. */
  admissionLapsed: boolean;
}

/** POST /api/queue or GET /api/queue/me → what to do next. */
export function queueStep(result: ApiResult<QueueAnswer>, context: QueueContext): NextStep {
  if (!result.ok) return queueRefusal(result, context);
  const answer = result.body;
  switch (answer.state) {
    case 'waiting':
      return {
        kind: 'wait',
        position: answer.position,
        etaSeconds: answer.etaSeconds,
        drawAt: instantOf(answer.drawAt),
        ticket: answer.ticket ?? null,
      };
    case 'admitted':
      return { kind: 'buy', admissionToken: answer.admissionToken, expiresAt: answer.expiresAt };
    case 'purchased':
      // A reload shows the same purchase; a join from another browser learns it was bought before.
      return {
        kind: 'show',
        outcome: { code: context.via === 'resume' ? 'purchased' : 'already_purchased', orderId: answer.orderId },
        forget: false,
      };
  }
}

/** ISO-8601 → epoch ms; null when absent or unreadable, so the page falls back on the sale's start. */
function instantOf(iso: string | undefined): number | null {
  const ms = iso === undefined ? NaN : Date.parse(iso);
  return Number.isFinite(ms) ? ms : null;
}

function queueRefusal(failure: ApiFailure, context: QueueContext): NextStep {
  switch (failure.code) {
    case 'invalid_user_id':
      return { kind: 'show', outcome: { code: 'error', message: INVALID_USER_ID_MESSAGE }, forget: false, invalidUserId: true };
    case 'sale_not_started':
    case 'sold_out':
    case 'sale_ended':
      return { kind: 'show', outcome: { code: failure.code }, forget: false };
    case 'challenge_required':
    case 'challenge_failed':
    case 'identity_required':
    case 'invalid_identity':
    case 'too_many_places':
    case 'network_blocked':
      return { kind: 'show', outcome: { code: 'error', message: JOIN_REFUSALS[failure.code] }, forget: false };
    case 'invalid_token':
    case 'missing_token':
      return { kind: 'show', outcome: null, forget: true };
    case 'not_found':
      // The place lapsed: an admission that ran out unused, or a long absence.
      return context.admissionLapsed
        ? { kind: 'show', outcome: { code: 'token_expired' }, forget: true }
        : { kind: 'show', outcome: null, forget: true, notice: PLACE_LAPSED_NOTICE };
    default:
      return busyOrFault(failure);
  }
}

/** POST /api/purchase → what to do next. A retry is the caller's to bound by the admission's expiry. */
export function purchaseStep(result: ApiResult<PurchaseAnswer>): NextStep {
  if (result.ok) return { kind: 'show', outcome: { code: 'purchased', orderId: result.body.orderId }, forget: false };
  switch (result.code) {
    case 'already_purchased':
      return { kind: 'show', outcome: { code: 'already_purchased', orderId: result.orderId ?? '' }, forget: false };
    case 'sold_out':
    case 'sale_ended':
    case 'sale_not_started':
      return { kind: 'show', outcome: { code: result.code }, forget: false };
    case 'token_expired':
      return { kind: 'show', outcome: { code: 'token_expired' }, forget: true };
    case 'invalid_token':
    case 'missing_token':
      return {
        kind: 'show',
        outcome: { code: 'error', message: 'Your turn to buy could not be confirmed. Please join the queue again.' },
        forget: true,
      };
    default:
      return busyOrFault(result);
  }
}

/** The refusals both calls treat alike: a busy server is asked again after Retry-After; anything unforeseen is a generic error. */
function busyOrFault(failure: ApiFailure): NextStep {
  switch (failure.code) {
    case 'rate_limited':
    case 'unavailable':
    case 'network':
      return { kind: 'retry', afterSeconds: failure.retryAfterSeconds ?? DEFAULT_RETRY_SECONDS };
    default:
      return { kind: 'show', outcome: { code: 'error', message: GENERIC_ERROR }, forget: false };
  }
}
