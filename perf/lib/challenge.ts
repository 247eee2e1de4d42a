import { randomBytes } from 'node:crypto';
import { createJoinChallenges } from '@flashsale/waiting-room';
import { send, solveChallenge, type Challenge, type RedisServer } from '../../tests/kit';
import { loadJoins } from './join';
import { WARM_UP_SECONDS, type LoadSettings } from './load';
import type { Started } from './processes';
import { median, printRatio, ratioRounds } from './ratio';
import { startService, type Service } from './service';

/** The SPEC's default cost: about 50,000 SHA-256 hashes a join on average. */
const DEFAULT_COST = 100_000;
/** Proofs solved ahead for the server's figure: the check costs the same whatever the cost, so a cheap one will do. */
const CHEAP_COST = 100;
const BOT_SECONDS = 10;
/** Issue 17: a join, its proof checked, costs the service at most 1.3 times a hello. */
const COST_TARGET = 1.3;

/**
 * challenge: what the join's proof of work costs each side.
 * - The server: POST /api/queue carrying a proof (checked, then spent inside the join's script),
 *   as a ratio to hello; beside `join`, the same join without the challenge.
 * - The bot: joins per second on one core for a client that fetches every challenge and solves it
 *   at the default cost with node:crypto, as fast as a script hashes.
 */
export async function benchChallenge(settings: LoadSettings, hello: Started, redis: RedisServer, nodeArgs: string[]): Promise<void> {
  console.log(`\n## challenge: the join with its proof of work (default cost ${DEFAULT_COST})`);
  const secret = randomBytes(32).toString('hex');
  const saleId = `bench-challenge-${Date.now()}`;
  const service = await startService({
    redisUrl: redis.url,
    saleId,
    sale: 'upcoming',
    nodeArgs,
    env: { QUEUE_TOKEN_SECRET: secret, JOIN_CHALLENGE_MAX_NUMBER: String(DEFAULT_COST) },
  });
  try {
    const challenges = createJoinChallenges(secret, saleId);
    const needed = Math.ceil(settings.rounds * (settings.duration + WARM_UP_SECONDS) * 8_000);
    console.log(`solving ${needed} cheap proofs ahead (the server's check does not depend on the cost)…`);
    const proofs: string[] = [];
    for (let i = 0; i < needed; i++) proofs.push(solveChallenge(challenges.issue(CHEAP_COST, Date.now())));

    let shopper = 0;
    const paid = await ratioRounds('join with proof', settings, hello, async () => ({
      name: 'POST /api/queue with a proof (Redis, AOF always)',
      result: await loadJoins(service, redis, settings, () => ({ userId: `c${shopper}`, proof: proofs[shopper++] })),
    }));
    printRatio('join with proof', paid, COST_TARGET);
    console.log(
      `proofs spent: ${Math.min(shopper, proofs.length)} of ${proofs.length} (joins beyond them were refused 400, and counted above)`,
    );
    await botJoins(service);
  } finally {
    await service.stop();
  }
}

/** A bot on one core: fetch, solve, join, for BOT_SECONDS; how many places a second that buys. */
async function botJoins(service: Service): Promise<void> {
  const started = Date.now();
  const solveMs: number[] = [];
  let joined = 0;
  while (Date.now() - started < BOT_SECONDS * 1000) {
    const challenge = (await send(`${service.url}/api/queue/challenge`)).body as unknown as Challenge;
    const solving = Date.now();
    const proof = solveChallenge(challenge);
    solveMs.push(Date.now() - solving);
    if ((await send(`${service.url}/api/queue`, { method: 'POST', body: { userId: `bot-${joined}`, proof } })).status === 202) joined += 1;
  }
  const seconds = (Date.now() - started) / 1000;
  console.log(
    `\nbot, one core, node:crypto: ${joined} joins in ${seconds.toFixed(1)} s = ${(joined / seconds).toFixed(1)} joins/s ` +
      `(solve median ${median(solveMs)} ms, max ${Math.max(...solveMs)} ms); without the challenge the same loop is bounded by the server only`,
  );
}
