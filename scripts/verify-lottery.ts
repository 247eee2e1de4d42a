/**
 * npm run verify-lottery -- <base URL>
 *
 * Fetches a sale's published draw, checks that the revealed seed is the one committed to before
 * the draw, recomputes the order from the seed and the tickets alone, and says whether they agree.
 * Exit code 0: they agree; 1: they do not (or nothing is drawn yet); 2: the URL could not be read.
 */
import { LOTTERY_ALGORITHM, verifyLottery } from '../common/src/queue/lottery';
import type { LotteryAnswer } from '../common/src/contract/wire';

export async function checkPublishedLottery(baseUrl: string): Promise<{ agree: boolean; lines: string[] }> {
  const url = new URL('/api/sale/lottery', baseUrl);
  const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  if (!response.ok) throw new Error(`${url.href} answered ${response.status}`);
  const lottery = (await response.json()) as LotteryAnswer;
  if (lottery.order !== 'random')
    return { agree: false, lines: ['This sale keeps its pre-queue in join order (fifo): there is no draw to check.'] };
  const lines = [`commitment  ${lottery.commitment ?? '(none)'}`, `seed        ${lottery.seed ?? '(not revealed yet)'}`];
  const verdict = verifyLottery(lottery);
  if (verdict.ok) {
    lines.push(`tickets     ${verdict.tickets}`, `algorithm   ${LOTTERY_ALGORITHM}`);
    lines.push('AGREE: the seed matches its commitment, and the published order is the one the seed and the tickets give.');
    return { agree: true, lines };
  }
  lines.push(`DISAGREE (${verdict.problem}): ${verdict.detail}`);
  return { agree: false, lines };
}

async function main(): Promise<void> {
  const baseUrl = process.argv[2];
  if (!baseUrl) {
    console.error('usage: npm run verify-lottery -- <base URL of the sale, e.g. http://127.0.0.1:3000>');
    process.exit(2);
  }
  try {
    const { agree, lines } = await checkPublishedLottery(baseUrl);
    for (const line of lines) console.log(line);
    process.exit(agree ? 0 : 1);
  } catch (error) {
    console.error(`could not read the draw: ${(error as Error).message}`);
    process.exit(2);
  }
}

if (require.main === module) void main();
