import type { ArtilleryMetrics } from './perf-artillery';
import type { RequestRecord, ShopperFate } from './perf-events';

/**
 * The artillery scenarios of `npm run perf`: what each one sells and what it must show. The load
 * itself (who arrives when, and what each virtual user does) is in the scenario's YAML under
 * perf/artillery/scenarios/; this is what the runner sets up around it and checks after it.
 */

export const SCENARIO_NAMES = ['surge', 'checkout', 'duplicates', 'sold-out-tail', 'window-edge'] as const;
export type ScenarioName = (typeof SCENARIO_NAMES)[number];

export interface SaleWindow {
  /** From when the service is started; negative means the sale is already active then. */
  startsInMs: number;
  lastsMs: number;
}

export interface ScenarioPlan {
  name: ScenarioName;
  /** One sentence: what the scenario does. */
  summary: string;
  /**
   * What the payload hands each virtual user: only a name (the shopper joins through the front
   * door and is admitted by the waiting room), or an admission token minted ahead (checkout only).
   */
  payload: 'user-id' | 'admission-token';
  stock: number;
  /** The join's proof of work (JOIN_CHALLENGE_MAX_NUMBER), where shoppers join; else off. */
  challengeMaxNumber?: number;
  /** Only where shoppers queue; the others keep the default. */
  admissionRatePerMinute?: number;
  window: SaleWindow;
  /** Check that admission followed join order: only where everyone joins after the start and stays. */
  fairness: boolean;
  expectations: (facts: RunFacts) => Expectation[];
  /** What the figures mean, for the report. */
  meaning: string;
}

/** What a run produced, for the expectations. */
export interface RunFacts {
  stock: number;
  remaining: number;
  startsAt: number;
  endsAt: number;
  requests: RequestRecord[];
  fates: ShopperFate[];
  /** artillery's own totals, the processor's counters and histograms (flashsale.*) among them. */
  artillery: ArtilleryMetrics;
}

export interface Expectation {
  what: string;
  ok: boolean;
  detail: string;
}

const OPEN_SALE: SaleWindow = { startsInMs: -60_000, lastsMs: 3_600_000 };
const EDGE_LEAD_MS = 9_000;
const EDGE_WINDOW_MS = 15_000;

export const SCENARIOS: Record<ScenarioName, ScenarioPlan> = {
  surge: {
    name: 'surge',
    summary:
      '1,550 shoppers arrive in ten seconds, 200 in the first, and go through the front door as the page does (sale, challenge solved, join, ' +
      'socket), waits on Socket.IO for `queue:admitted` and buys when admitted.',
    payload: 'user-id',
    stock: 500,
    admissionRatePerMinute: 6_000,
    // altcha-lib's search costs about 6 ms of the load generator's CPU at 1,000 and 0.8 ms at 100;
    // the service's check of a proof costs the same whatever the cost.
    challengeMaxNumber: 100,
    window: OPEN_SALE,
    fairness: true,
    expectations: (facts) => surgeExpectations(facts),
    meaning:
      'The flash-sale moment. Each shopper does what the page does: GET /api/sale, GET /api/queue/challenge and its ' +
      'solution (altcha-lib, at a low cost set for the run), POST /api/queue with the proof, then a socket with the ' +
      'queue token; the time from arrival to the first push of their place is the surge figure. ' +
      'Joins are answered 202 (a place in line) until the stock is gone, then 410 `sold_out`. ' +
      'Admission runs at 6,000 a minute, ten times the default: fast enough to sell out in seconds, slow enough that ' +
      'a line forms and admission takes many steps (at 60,000 a minute the first steps would admit everyone at once, ' +
      'leaving the order nothing to prove). ' +
      'Admission is inventory-aware: never more active admissions than units left, so every admitted shopper buys ' +
      '(201) and the rest hear `sale:sold_out` on their socket. The fairness check compares join order (from the ' +
      'join timings) with admission order (from each admission’s expiry, which the admitting step sets).',
  },
  checkout: {
    name: 'checkout',
    summary: 'Purchases only, at a sustained arrival rate, each by a distinct shopper holding a pre-minted admission token.',
    payload: 'admission-token',
    stock: 1_000_000,
    window: OPEN_SALE,
    fairness: false,
    expectations: (facts) => [
      expectation(
        'every purchase was answered 201',
        purchases(facts)
          .filter((r) => r.status !== 201)
          .map((r) => `${r.userId}: ${r.status}`),
        `${purchases(facts).length} purchases, all 201`,
      ),
      noFailures(facts),
    ],
    meaning:
      'The purchase path alone: verify the RS256 token, then one Lua step on a Redis that fsyncs every write, ' +
      'with the ledger writer copying orders to PostgreSQL in the same process. The stock never runs out, so every ' +
      'answer should be 201; latency under a steady arrival rate is the figure of interest.',
  },
  duplicates: {
    name: 'duplicates',
    summary: 'Each shopper fires 10 purchases in parallel with their own admission token.',
    payload: 'admission-token',
    stock: 1_000_000,
    window: OPEN_SALE,
    fairness: false,
    expectations: (facts) => [
      expectation(
        'each shopper got one 201 and nine 409 `already_purchased` with the same orderId',
        duplicateProblems(facts),
        `${new Set(purchases(facts).map((r) => r.userId)).size} shoppers, each with one order`,
      ),
      noFailures(facts),
    ],
    meaning:
      'One unit per shopper under concurrency: ten purchases by the same shopper race into the same Lua step. ' +
      'Exactly one wins (201); the nine others get 409 `already_purchased` carrying the winner’s orderId.',
  },
  'sold-out-tail': {
    name: 'sold-out-tail',
    summary: 'A small stock sells out in the first moments; buyers keep arriving long after.',
    payload: 'admission-token',
    stock: 50,
    window: OPEN_SALE,
    fairness: false,
    expectations: (facts) => [
      soldExactly(facts, facts.stock),
      expectation(
        'every other purchase was answered 410 `sold_out`',
        purchases(facts)
          .filter((r) => r.status !== 201 && !(r.status === 410 && r.code === 'sold_out'))
          .map((r) => `${r.userId}: ${r.status} ${r.code ?? ''}`),
        `${purchases(facts).filter((r) => r.status === 410).length} answered 410 sold_out`,
      ),
      noFailures(facts),
    ],
    meaning:
      'What a sold-out sale costs: after the last unit, every purchase is refused by the same single Lua step ' +
      '(410 `sold_out`), so the tail should be as fast as, or faster than, a sale.',
  },
  'window-edge': {
    name: 'window-edge',
    summary: `The sale opens a few seconds into the load and closes ${EDGE_WINDOW_MS / 1000} s later, a few seconds before the load stops.`,
    payload: 'admission-token',
    stock: 1_000_000,
    window: { startsInMs: EDGE_LEAD_MS, lastsMs: EDGE_WINDOW_MS },
    fairness: false,
    expectations: (facts) => windowExpectations(facts),
    meaning:
      'The sale window [start, end) is judged by Redis `TIME` inside the purchase script: 403 `sale_not_started` ' +
      'before, 201 inside, 410 `sale_ended` after. A request sent before an edge and answered after it may fall ' +
      'either side; the checks allow exactly that and nothing more.',
  },
};

function expectation(what: string, problems: string[], counted: string): Expectation {
  return {
    what,
    ok: problems.length === 0,
    detail: problems.length === 0 ? counted : `${problems.length} problem(s): ${problems.slice(0, 5).join('; ')}`,
  };
}

const purchases = (facts: RunFacts) => facts.requests.filter((r) => r.endpoint === '/api/purchase');

function soldExactly(facts: RunFacts, units: number): Expectation {
  const sold = purchases(facts).filter((r) => r.status === 201).length;
  const problems = [
    ...(sold === units ? [] : [`${sold} answered 201`]),
    ...(facts.stock - facts.remaining === units ? [] : [`${facts.stock - facts.remaining} units left the stock`]),
  ];
  return expectation(`exactly ${units} units sold`, problems, `${sold} answered 201, remaining ${facts.remaining}`);
}

function noFailures(facts: RunFacts): Expectation {
  const serverErrors = facts.requests.filter((r) => r.status >= 500).length;
  // Virtual users artillery counted as failed: a step errored or timed out.
  const failedUsers = facts.artillery.counters['vusers.failed'] ?? 0;
  const problems = [
    ...(serverErrors === 0 ? [] : [`${serverErrors} answers 5xx`]),
    ...(failedUsers === 0 ? [] : [`${failedUsers} virtual users failed (see artillery.log)`]),
  ];
  return expectation('no 5xx and no failed virtual user', problems, 'none');
}

function surgeExpectations(facts: RunFacts): Expectation[] {
  const joined = facts.fates.filter((fate) => fate.joined);
  const admitted = joined.filter((fate) => fate.admitted);
  const toldSoldOut = joined.filter((fate) => !fate.admitted && fate.outcome === 'sold_out');
  return [
    soldExactly(facts, facts.stock),
    expectation(
      'every admission ended in a sale',
      admitted.filter((fate) => !fate.bought).map((fate) => `${fate.userId} was admitted and did not buy`),
      `${admitted.length} admitted, all bought`,
    ),
    placedOnSocket(facts),
    expectation(
      'every shopper who joined heard their fate',
      joined
        .filter((fate) => !fate.admitted && fate.outcome !== 'sold_out')
        .map((fate) => `${fate.userId}: ${fate.outcome ?? 'no outcome'}`),
      `${admitted.length} admitted, ${toldSoldOut.length} told on their socket that it sold out`,
    ),
    noFailures(facts),
  ];
}

/**
 * Every shopper the join put in line heard their place on the socket (or, joining just before the
 * sell-out, that it sold out), with the time from arrival to the place, and how far apart
 * artillery's arrivals came.
 */
function placedOnSocket(facts: RunFacts): Expectation {
  const { counters, summaries } = facts.artillery;
  const placed = counters['flashsale.placed'] ?? 0;
  const soldOutFirst = counters['flashsale.sold_out_before_place'] ?? 0;
  const waiting = facts.requests.filter((r) => r.endpoint === '/api/queue' && r.status === 202).length;
  const took = summaries['flashsale.arrival_to_place'];
  const spread = summaries['flashsale.arrival_offset'];
  const figures = [
    ...(took ? [`arrival → place p50 ${Math.round(took.p50)} ms, p99 ${Math.round(took.p99)} ms, max ${Math.round(took.max)} ms`] : []),
    ...(spread ? [`the last arrival ${spread.max} ms after the first`] : []),
  ];
  return expectation(
    'every shopper the join put in line heard their place on the socket',
    placed + soldOutFirst === waiting
      ? []
      : [`${waiting} joins answered 202, ${placed} placed on their socket, ${soldOutFirst} told sold out`],
    [`${placed} placed, ${soldOutFirst} told sold out first, of ${waiting} in line`, ...figures].join('; '),
  );
}

function duplicateProblems(facts: RunFacts): string[] {
  const byShopper = new Map<string, RequestRecord[]>();
  for (const request of purchases(facts)) byShopper.set(request.userId, [...(byShopper.get(request.userId) ?? []), request]);
  const problems: string[] = [];
  for (const [userId, answers] of byShopper) {
    const won = answers.filter((a) => a.status === 201);
    const refused = answers.filter((a) => a.status === 409 && a.code === 'already_purchased');
    const orderIds = new Set(answers.map((a) => a.orderId));
    if (won.length !== 1 || refused.length !== answers.length - 1 || orderIds.size !== 1 || answers.length !== 10)
      problems.push(`${userId}: ${answers.map((a) => a.status).join(',')} over ${orderIds.size} orderId(s)`);
  }
  return problems;
}

function windowExpectations(facts: RunFacts): Expectation[] {
  const { startsAt, endsAt } = facts;
  const answers = purchases(facts);
  const before = answers.filter((r) => r.status === 403 && r.code === 'sale_not_started');
  const inside = answers.filter((r) => r.status === 201);
  const after = answers.filter((r) => r.status === 410 && r.code === 'sale_ended');
  const at = (ms: number) => new Date(ms).toISOString();
  return [
    expectation(
      '403 `sale_not_started` only for purchases sent before the start',
      before.filter((r) => r.sentAt >= startsAt).map((r) => `${r.userId} sent at ${at(r.sentAt)}`),
      `${before.length} answered 403, all sent before ${at(startsAt)}`,
    ),
    expectation(
      '201 only for purchases answered at or after the start and sent before the end',
      inside.filter((r) => r.answeredAt < startsAt || r.sentAt >= endsAt).map((r) => `${r.userId} ${at(r.sentAt)}–${at(r.answeredAt)}`),
      `${inside.length} answered 201 inside [${at(startsAt)}, ${at(endsAt)})`,
    ),
    expectation(
      '410 `sale_ended` only for purchases answered at or after the end',
      after.filter((r) => r.answeredAt < endsAt).map((r) => `${r.userId} answered at ${at(r.answeredAt)}`),
      `${after.length} answered 410 sale_ended, all after ${at(endsAt)}`,
    ),
    expectation(
      'the load crossed both edges, and nothing else was answered',
      [
        ...(before.length > 0 ? [] : ['no purchase before the start']),
        ...(inside.length > 0 ? [] : ['no purchase inside the window']),
        ...(after.length > 0 ? [] : ['no purchase after the end']),
        ...answers.filter((r) => !before.includes(r) && !inside.includes(r) && !after.includes(r)).map((r) => `${r.userId}: ${r.status}`),
      ],
      `${before.length} before, ${inside.length} inside, ${after.length} after`,
    ),
    noFailures(facts),
  ];
}

/** The scenarios named on the command line (all of them when none is), in the order given. */
export function selectScenarios(names: string[]): ScenarioPlan[] {
  const unknown = names.filter((name) => !(SCENARIO_NAMES as readonly string[]).includes(name));
  if (unknown.length > 0) throw new Error(`unknown scenario(s): ${unknown.join(', ')}; known: ${SCENARIO_NAMES.join(', ')}`);
  const chosen = names.length === 0 ? [...SCENARIO_NAMES] : [...new Set(names as ScenarioName[])];
  return chosen.map((name) => SCENARIOS[name]);
}
