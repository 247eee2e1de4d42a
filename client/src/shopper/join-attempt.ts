import type { JoinRequest, QueueAnswer } from '@flashsale/common/contract';
import type { ApiFailure, ApiResult } from '../shared/http';
import { proofOf, type SolveChallenge } from './challenge-solver';
import type { SessionTimers } from './session-timers';
import type { ShopperApi } from './shopper-api';

export interface JoinDeps {
  api: ShopperApi;
  solveChallenge: SolveChallenge;
  timers: SessionTimers;
  /** Said when the proof of work starts, so the shopper sees that the page is busy. */
  onSolving: () => void;
}

/** A challenge the solver found no answer to counts as a failed check: worth one fresh challenge. */
const UNSOLVED: ApiFailure = {
  ok: false,
  status: 0,
  code: 'challenge_failed',
  message: 'The challenge could not be solved.',
  retryAfterSeconds: null,
  orderId: null,
};

/**
 * POST /api/queue, paid for with a proof of work while the server asks for one. A check that
 * fails (the challenge expired while the tab slept, say) is tried once more with a fresh challenge
 * before the refusal stands. Resolves with the join's answer, or null when the session stopped.
 */
export async function attemptJoin(request: JoinRequest, deps: JoinDeps): Promise<ApiResult<QueueAnswer> | null> {
  const first = await joinOnce(request, deps);
  if (first === null || first.ok || first.code !== 'challenge_failed') return first;
  return joinOnce(request, deps);
}

async function joinOnce(request: JoinRequest, deps: JoinDeps): Promise<ApiResult<QueueAnswer> | null> {
  const challenge = await deps.api.challenge();
  if (deps.timers.stopped) return null;
  // A busy server is asked again later, as a busy join is.
  if (!challenge.ok) return challenge;
  if (!challenge.body.required) return deps.api.join(request);
  deps.onSolving();
  const number = await deps.solveChallenge(challenge.body, deps.timers.signal);
  if (deps.timers.stopped) return null;
  if (number === null) return UNSOLVED;
  return deps.api.join({ ...request, proof: proofOf(challenge.body, number) });
}
