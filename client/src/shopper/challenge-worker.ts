import { sha256 } from '@noble/hashes/sha2';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils';
import { solveChallenge } from 'altcha-lib/v1';
import type { ChallengeWork, ChallengeWorkDone } from './challenge-solver';

/**
 * The join's proof of work, off the page's thread: altcha-lib's search, started by
 * solverInWorker (challenge-solver.ts). Unlike the library's own worker script, it answers however
 * the search ends, a failure too, so the page never waits for an answer that cannot come.
 */
self.onmessage = (event: MessageEvent<ChallengeWork>) => {
  const { algorithm, challenge, salt, max } = event.data;
  if (!self.crypto?.subtle) return answer(searchWithoutWebCrypto(challenge, salt, max));
  solveChallenge(challenge, salt, algorithm, max).promise.then(
    (solution) => answer(solution?.number ?? null),
    () => answer(null),
  );
};

/**
 * Browsers give Web Crypto only to secure contexts (https, localhost): a page served over plain
 * http elsewhere (compose on another host) hashes with @noble/hashes instead, a few times slower.
 */
function searchWithoutWebCrypto(challenge: string, salt: string, max: number): number | null {
  for (let n = 0; n <= max; n++) if (bytesToHex(sha256(utf8ToBytes(`${salt}${n}`))) === challenge) return n;
  return null;
}

function answer(number: number | null): void {
  const done: ChallengeWorkDone = { number };
  self.postMessage(done);
}
