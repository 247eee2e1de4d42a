import { availableParallelism } from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';

/** Signs admission tokens for users prefix-0 … prefix-(count-1), on every core: RS256 signing is slow. */
export async function mintTokens(privatePem: string, saleId: string, prefix: string, count: number): Promise<string[]> {
  const workers = Math.max(1, availableParallelism());
  const share = Math.ceil(count / workers);
  const parts = await Promise.all(
    Array.from(
      { length: workers },
      (_, index) =>
        new Promise<string[]>((resolve, reject) => {
          const workerData = { privatePem, saleId, prefix, from: index * share, to: Math.min(count, (index + 1) * share) };
          const worker = new Worker(path.join(__dirname, 'mint-worker.js'), { workerData });
          worker.once('message', resolve);
          worker.once('error', reject);
        }),
    ),
  );
  return parts.flat();
}
