import { load, type LoadSettings, type Measured } from './load';
import type { Started } from './processes';

/** One round's measurement of the figure under test, named for the table. */
export interface Figure {
  name: string;
  result: Measured;
}

/**
 * Alternates the bare Express "hello" and the figure for several rounds and keeps each round's
 * ratio: a passing disturbance on a shared machine moves one round, not the median.
 */
export async function ratioRounds(
  label: string,
  settings: LoadSettings,
  hello: Started,
  measure: (round: number, hello: Measured) => Promise<Figure>,
): Promise<Rounds> {
  const rows: string[] = [];
  const ratios: number[] = [];
  const costRatios: number[] = [];
  const costs: number[] = [];
  const helloCosts: number[] = [];
  // Round 0 is not counted: a process keeps getting cheaper for tens of seconds after its start
  // (JIT tiers, heap sizing), so without it the first round's cost stood apart from the others.
  for (let round = 0; round <= settings.rounds; round += 1) {
    const helloResult = await load(
      { url: `http://127.0.0.1:${hello.url}/`, method: 'GET', pids: { service: hello.child.pid ?? 0 } },
      settings,
    );
    const figure = await measure(round, helloResult);
    if (round === 0) {
      console.log(
        `round 0 (warm-up, not counted): ${label} costs ${(figure.result.costMicros / helloResult.costMicros).toFixed(2)}× hello`,
      );
      continue;
    }
    const ratio = figure.result.rps / helloResult.rps;
    const costRatio = figure.result.costMicros / helloResult.costMicros;
    ratios.push(ratio);
    costRatios.push(costRatio);
    costs.push(figure.result.costMicros);
    helloCosts.push(helloResult.costMicros);
    rows.push(row(`${round}: bare Express "hello"`, helloResult), row(`${round}: ${figure.name}`, figure.result));
    console.log(
      `round ${round}: ${label} costs ${costRatio.toFixed(2)}× hello per request (throughput ${label}/hello ${ratio.toFixed(2)})`,
    );
  }
  return { rows, ratios, costRatios, costs, helloCosts };
}

/** Each round's throughput ratio, cost ratio, and the two costs (service µs per answered request). */
export interface Rounds {
  rows: string[];
  ratios: number[];
  costRatios: number[];
  costs: number[];
  helloCosts: number[];
}

/**
 * Prints the rounds' table, then the cost per request as a ratio to hello's against its target:
 * the ratio of the medians, with each side's spread over the rounds. The figures' own costs
 * hold within a few percent from round to round while hello's moves by up to a fifth (its
 * ~90 µs are mostly the kernel's TCP work, the part other processes disturb most), so a ratio
 * taken round by round carries hello's noise; the per-round ratios are printed too.
 */
export function printRatio(label: string, rounds: Rounds, costTarget: number | null): void {
  const { rows, ratios, costRatios, costs, helloCosts } = rounds;
  console.log(TABLE_HEADER);
  console.log(rows.join('\n'));
  const cost = median(costs) / median(helloCosts);
  const verdict = costTarget === null ? '' : `; target ≤ ${costTarget.toFixed(2)}: ${cost <= costTarget ? 'met' : 'NOT met'}`;
  console.log(
    `\n${label} cost per request: median ${median(costs).toFixed(0)} µs (spread ${percentSpread(costs)}), ` +
      `hello ${median(helloCosts).toFixed(0)} µs (spread ${percentSpread(helloCosts)}); ` +
      `${label}/hello: ${cost.toFixed(2)}${verdict} (round by round: ${costRatios.map((r) => r.toFixed(2)).join(', ')}, ` +
      `spread ${percentSpread(costRatios)})`,
  );
  console.log(
    `${label}/hello throughput ratio (secondary), median: ${median(ratios).toFixed(2)} (rounds: ${ratios.map((r) => r.toFixed(2)).join(', ')})`,
  );
}

/** The header of the rows that row() prints. */
export const TABLE_HEADER =
  '\n| round: figure | service µs/request | req/s | p50 ms | p99 ms | answers | CPU (% of one core) |\n|---|---|---|---|---|---|---|';

/** (max − min) / median, in percent. */
const percentSpread = (values: number[]) => `${(((Math.max(...values) - Math.min(...values)) / median(values)) * 100).toFixed(0)} %`;

export function median(values: number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
}

export function row(name: string, m: Measured): string {
  const list = (record: Record<string, number>, format: (n: number) => string) =>
    Object.entries(record)
      .map(([key, n]) => `${key}: ${format(n)}`)
      .join(', ');
  return `| ${name} | ${Math.round(m.costMicros)} | ${Math.round(m.rps)} | ${m.p50} | ${m.p99} | ${list(m.statuses, String)} | ${list(m.cpu, (share) => `${Math.round(share * 100)}%`)} |`;
}
