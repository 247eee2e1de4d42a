import type { ChallengeWork, RequiredChallenge } from '../../client/src/shopper/challenge-solver';
import { proofOf, solverInWorker } from '../../client/src/shopper/challenge-solver';

// The page's side of the proof-of-work worker. jsdom has no Web Worker, so a stand-in takes the
// work and answers as challenge-worker.ts does; the real worker runs in the built page.

const CHALLENGE: RequiredChallenge = {
  required: true,
  algorithm: 'SHA-256',
  challenge: 'c0ffee',
  salt: 'salt-1?expires=1900000000',
  maxnumber: 50_000,
  signature: 'sig-1',
};

class FakeWorker {
  onmessage: ((event: MessageEvent) => void) | null = null;
  onerror: ((event: ErrorEvent) => void) | null = null;
  onmessageerror: ((event: MessageEvent) => void) | null = null;
  posted: unknown[] = [];
  terminated = false;

  postMessage(work: unknown): void {
    this.posted.push(work);
  }

  terminate(): void {
    this.terminated = true;
  }

  answer(data: unknown): void {
    this.onmessage?.({ data } as MessageEvent);
  }

  fail(): void {
    this.onerror?.({} as ErrorEvent);
  }
}

function started() {
  const worker = new FakeWorker();
  const solve = solverInWorker(() => worker as unknown as Worker);
  return { worker, solve };
}

it('posts the challenge to a worker, and resolves with its number, ending the worker', async () => {
  const { worker, solve } = started();
  const solved = solve(CHALLENGE, new AbortController().signal);
  const work: ChallengeWork = { algorithm: 'SHA-256', challenge: 'c0ffee', salt: 'salt-1?expires=1900000000', max: 50_000 };
  expect(worker.posted).toEqual([work]);
  worker.answer({ number: 1234 });
  await expect(solved).resolves.toBe(1234);
  expect(worker.terminated).toBe(true);
});

it('resolves null when the worker finds no number', async () => {
  const { worker, solve } = started();
  const solved = solve(CHALLENGE, new AbortController().signal);
  worker.answer({ number: null });
  await expect(solved).resolves.toBeNull();
});

it('resolves null, rather than waiting forever, when the worker fails', async () => {
  const { worker, solve } = started();
  const solved = solve(CHALLENGE, new AbortController().signal);
  worker.fail();
  await expect(solved).resolves.toBeNull();
  expect(worker.terminated).toBe(true);
});

it('stops the worker when the work is no longer wanted', async () => {
  const { worker, solve } = started();
  const stop = new AbortController();
  const solved = solve(CHALLENGE, stop.signal);
  stop.abort();
  await expect(solved).resolves.toBeNull();
  expect(worker.terminated).toBe(true);
});

it('resolves null when no worker can be started', async () => {
  const solve = solverInWorker(() => {
    throw new Error('workers are not allowed here');
  });
  await expect(solve(CHALLENGE, new AbortController().signal)).resolves.toBeNull();
});

it('writes the proof as ALTCHA reads it: base64 of the solved challenge as JSON', () => {
  const proof = proofOf(CHALLENGE, 1234);
  expect(JSON.parse(atob(proof))).toEqual({
    algorithm: 'SHA-256',
    challenge: 'c0ffee',
    number: 1234,
    salt: 'salt-1?expires=1900000000',
    signature: 'sig-1',
  });
});
