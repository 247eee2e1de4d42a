import { createPrivateKey, createPublicKey, randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { QueueAdmittedEvent } from '@flashsale/common';
import { auditSale, RedisServer, send, type PostgresCluster } from '../../tests/kit';
import { mintTokens } from './mint-tokens';
import { ARTILLERY_DIR, readPhases, runArtillery } from './perf-artillery';
import { gatherRun, readRecordedEvents } from './perf-events';
import type { ScenarioPlan } from './perf-scenarios';
import { ROOT } from './processes';
import type { CompletedRun, ScenarioResult } from './report';
import { maxOf } from './report-stats';
import { startService, type Service } from './service';

export const RESULTS_DIR = path.join(ROOT, 'perf', 'results');

export interface RunContext {
  cluster: PostgresCluster;
  /** The admission-token key: the service signs with it, and so does the runner for checkout-only scenarios. */
  privatePem: string;
  /** How the run was started, for the reports. */
  command: string;
}

/**
 * More payload rows than virtual users: artillery splits the arrivals and the rows among its
 * worker threads separately, and a worker that runs out of rows starts over, which would make
 * one shopper two virtual users.
 */
const payloadRows = (users: number) => Math.ceil(users * 1.1) + 50;

/** Runs one scenario on its own Redis, database and service, and audits it. Never throws. */
export async function runScenario(plan: ScenarioPlan, context: RunContext): Promise<ScenarioResult> {
  const startedAt = Date.now();
  try {
    const run = await runToTheEnd(plan, context);
    return { plan, startedAt, durationMs: Date.now() - startedAt, run };
  } catch (error) {
    return { plan, startedAt, durationMs: Date.now() - startedAt, error: (error as Error).stack ?? String(error) };
  }
}

async function runToTheEnd(plan: ScenarioPlan, context: RunContext): Promise<CompletedRun> {
  const dir = path.join(RESULTS_DIR, plan.name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const scenarioFile = path.join(ARTILLERY_DIR, 'scenarios', `${plan.name}.yml`);
  const load = readPhases(scenarioFile);
  const saleId = `perf-${plan.name}`;
  const queueTokenSecret = randomBytes(32).toString('hex');

  const payloadFile = path.join(dir, 'payload.csv');
  const preminted = await writePayload(plan, payloadFile, { saleId, users: load.users, privatePem: context.privatePem });

  const redis = await RedisServer.start({ appendfsync: 'always' });
  let service: Service | null = null;
  try {
    const databaseUrl = await context.cluster.createDatabase(`perf_${plan.name.replace(/-/g, '_')}`);
    const launchedAt = Date.now();
    const startsAt = launchedAt + plan.window.startsInMs;
    const endsAt = startsAt + plan.window.lastsMs;
    const env = {
      DATABASE_URL: databaseUrl,
      SALE_STOCK: String(plan.stock),
      SALE_STARTS_AT: new Date(startsAt).toISOString(),
      SALE_ENDS_AT: new Date(endsAt).toISOString(),
      QUEUE_OPENS_AT: new Date(Math.min(launchedAt, startsAt)).toISOString(),
      ...(plan.admissionRatePerMinute === undefined ? {} : { ADMISSION_RATE_PER_MINUTE: String(plan.admissionRatePerMinute) }),
      ...(plan.challengeMaxNumber === undefined ? {} : { JOIN_CHALLENGE_MAX_NUMBER: String(plan.challengeMaxNumber) }),
      PREQUEUE_ORDER: 'fifo',
      RATE_LIMIT_PER_MINUTE: '0',
      JWT_PRIVATE_KEY: context.privatePem,
      QUEUE_TOKEN_SECRET: queueTokenSecret,
      LOG_LEVEL: 'info',
    };
    service = await startService({ redisUrl: redis.url, saleId, sale: 'active', env });
    console.log(`  service on ${service.url}; ${load.users} virtual users over ${load.seconds} s`);

    const artillery = await runArtillery({
      scenarioFile,
      payloadFile,
      outputFile: path.join(dir, 'artillery.json'),
      logFile: path.join(dir, 'artillery.log'),
      env: { PERF_TARGET: service.url, PERF_EVENTS_DIR: dir },
      timeoutMs: (load.seconds + 120) * 1000,
    });
    const recorded = gatherRun(readRecordedEvents(dir), preminted);

    // While the service still runs: its ledger writer is what brings the orders to PostgreSQL.
    const audit = await auditSale({
      redisUrl: redis.url,
      saleId,
      databaseUrl,
      publicKeys: [createPublicKey(createPrivateKey(context.privatePem))],
      shoppers: recorded.shoppers,
      fairness: plan.fairness,
    });
    const serviceCounters = await adminState(service);
    const expectations = plan.expectations({
      stock: plan.stock,
      remaining: audit.figures.remaining,
      startsAt,
      endsAt,
      requests: recorded.requests,
      fates: recorded.fates,
      artillery: artillery.report.aggregate,
    });

    const lastSale = maxOf([0, ...recorded.requests.filter((r) => r.status === 201).map((r) => r.answeredAt)]);
    const moments = [
      ...(plan.window.startsInMs > 0 ? [{ at: startsAt, label: 'sale opens' }] : []),
      ...(audit.figures.remaining === 0 && lastSale > 0 ? [{ at: lastSale, label: 'sold out' }] : []),
      { at: endsAt, label: 'sale closes' },
    ];
    return {
      command: context.command,
      artilleryCommand: artillery.command,
      settings: saleSettings(plan, { saleId, startsAt, endsAt, launchedAt, preminted: preminted.size > 0 }),
      load,
      artillery: artillery.report,
      requests: recorded.requests,
      audit,
      expectations,
      moments,
      serviceCounters,
    };
  } finally {
    await service?.stop();
    await redis.destroy();
  }
}

/**
 * Writes the CSV artillery hands out, one row per virtual user. Joining shoppers get only their
 * name: they take their place, and their queue token, through the front door. Checkout-only
 * shoppers get an admission token signed with the service's own key; those are returned, for the
 * audit.
 */
async function writePayload(
  plan: ScenarioPlan,
  file: string,
  options: { saleId: string; users: number; privatePem: string },
): Promise<Map<string, QueueAdmittedEvent>> {
  const count = payloadRows(options.users);
  const userIds = Array.from({ length: count }, (_, i) => `${plan.name}-${i}`);
  const preminted = new Map<string, QueueAdmittedEvent>();
  let rows: string[];
  if (plan.payload === 'user-id') {
    rows = ['userId', ...userIds];
  } else {
    const tokens = await mintTokens(options.privatePem, options.saleId, plan.name, count);
    userIds.forEach((userId, i) => {
      const admissionToken = tokens[i] ?? '';
      preminted.set(userId, { admissionToken, expiresAt: expiryOf(admissionToken) });
    });
    rows = ['userId,admissionToken', ...userIds.map((userId) => `${userId},${preminted.get(userId)?.admissionToken ?? ''}`)];
  }
  writeFileSync(file, `${rows.join('\n')}\n`);
  return preminted;
}

/** A token's `exp` in epoch ms: what `queue:admitted` would have said as `expiresAt`. */
function expiryOf(token: string): number {
  const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { exp?: number };
  if (typeof claims.exp !== 'number') throw new Error('a minted token has no exp');
  return claims.exp * 1000;
}

function saleSettings(
  plan: ScenarioPlan,
  sale: { saleId: string; startsAt: number; endsAt: number; launchedAt: number; preminted: boolean },
): Array<[string, string]> {
  const relative = (at: number) => {
    const offset = (at - sale.launchedAt) / 1000;
    return `${new Date(at).toISOString()} (${offset >= 0 ? `${offset} s after` : `${-offset} s before`} the service started)`;
  };
  return [
    ['store', '`redis-server` of its own, append-only file with `appendfsync always`'],
    ['ledger', 'PostgreSQL cluster of its own, a fresh database; the ledger writer runs in the service'],
    ['service', 'the built all-in-one process (`all-in-one/dist/main.js`), one instance'],
    ['SALE_ID', sale.saleId],
    ['SALE_STOCK', String(plan.stock)],
    ['SALE_STARTS_AT', relative(sale.startsAt)],
    ['SALE_ENDS_AT', relative(sale.endsAt)],
    [
      'ADMISSION_RATE_PER_MINUTE',
      plan.admissionRatePerMinute === undefined ? 'default (nobody queues here)' : String(plan.admissionRatePerMinute),
    ],
    ['PREQUEUE_ORDER / RATE_LIMIT_PER_MINUTE', 'fifo / 0 (off)'],
    [
      'JOIN_CHALLENGE_MAX_NUMBER',
      plan.challengeMaxNumber === undefined ? '0 (off: nobody joins here)' : `${plan.challengeMaxNumber} (solved by each virtual user)`,
    ],
    [
      'admission tokens',
      sale.preminted
        ? 'minted before the run for each shopper (`perf/lib/mint-tokens.ts`, RS256 with the service’s key, 1 h)'
        : 'issued by the waiting room when it admits a shopper (RS256), pushed as `queue:admitted`',
    ],
  ];
}

/** The service's counters and ledger figures, or null if it does not answer. */
async function adminState(service: Service): Promise<Record<string, unknown> | null> {
  try {
    const answer = await send(`${service.url}/api/admin/state`, { token: service.adminToken });
    if (answer.status !== 200) return null;
    const state = answer.body as { counters?: Record<string, unknown>; ledger?: unknown };
    return { ...state.counters, ...(state.ledger === undefined ? {} : { ledger: state.ledger }) };
  } catch {
    return null;
  }
}
