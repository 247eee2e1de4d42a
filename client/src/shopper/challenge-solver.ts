import type { ChallengeAnswer } from '@flashsale/common/contract';

/** A challenge the server asks the join to pay for. */
export type RequiredChallenge = Extract<ChallengeAnswer, { required: true }>;

/**
 * Finds the number that answers an ALTCHA challenge: the n in [0, maxnumber] whose hash of `salt`
 * followed by n is `challenge`. null when none does, the search failed, or `signal` stopped it.
 * The session takes it as a dependency, so tests stand in a fake one.
 */
export type SolveChallenge = (challenge: RequiredChallenge, signal: AbortSignal) => Promise<number | null>;

/** What the page posts to the challenge worker (challenge-worker.ts)… */
export interface ChallengeWork {
  algorithm: string;
  challenge: string;
  salt: string;
  max: number;
}

/** …and what the worker answers. */
export interface ChallengeWorkDone {
  number: number | null;
}

/**
 * Solves in a Web Worker, so the page stays responsive while it hashes: one worker a challenge,
 * ended as soon as it answers, fails, or is no longer wanted.
 */
export function solverInWorker(startWorker: () => Worker): SolveChallenge {
  return (challenge, signal) =>
    new Promise((resolve) => {
      if (signal.aborted) return resolve(null);
      let worker: Worker;
      try {
        worker = startWorker();
      } catch {
        // A policy that forbids workers: the join is then refused as unproven, in words.
        return resolve(null);
      }
      const finish = (number: number | null) => {
        signal.removeEventListener('abort', stop);
        worker.terminate();
        resolve(number);
      };
      const stop = () => finish(null);
      signal.addEventListener('abort', stop);
      worker.onmessage = (event: MessageEvent<ChallengeWorkDone | null>) => finish(event.data?.number ?? null);
      // A worker that fails to load or to run never answers: stop waiting for it.
      worker.onerror = stop;
      worker.onmessageerror = stop;
      const work: ChallengeWork = {
        algorithm: challenge.algorithm,
        challenge: challenge.challenge,
        salt: challenge.salt,
        max: challenge.maxnumber,
      };
      worker.postMessage(work);
    });
}

/** The ALTCHA payload POST /api/queue takes as `proof`: base64 of the solved challenge, as JSON. */
export function proofOf({ algorithm, challenge, salt, signature }: RequiredChallenge, number: number): string {
  return btoa(JSON.stringify({ algorithm, challenge, number, salt, signature }));
}
