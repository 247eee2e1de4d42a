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
): Promise<{ rows: string[]; ratios: number[] }> {
  const rows: string[] = [];
  const ratios: number[] = [];
  for (let round = 1; round <= settings.rounds; round += 1) {
    const helloResult = await load(
      { url: `http://127.0.0.1:${hello.url}/`, method: 'GET', pids: { service: hello.child.pid ?? 0 } },
      settings,
    );
    const figure = await measure(round, helloResult);
    const ratio = figure.result.rps / helloResult.rps;
    ratios.push(ratio);
    rows.push(row(`${round}: bare Express "hello"`, helloResult), row(`${round}: ${figure.name}`, figure.result));
    console.log(`round ${round}: ${label}/hello ${ratio.toFixed(2)}`);
  }
  return { rows, ratios };
}

/** Prints the rounds' table and the median ratio against its target. */
export function printRatio(label: string, { rows, ratios }: { rows: string[]; ratios: number[] }, target: number): void {
  console.log('\n| round: figure | req/s | p50 ms | p99 ms | answers | CPU (% of one core) |\n|---|---|---|---|---|---|');
  console.log(rows.join('\n'));
  const value = median(ratios);
  const verdict = value >= target ? 'met' : 'NOT met';
  console.log(
    `\n${label}/hello throughput ratio, median of ${ratios.length} rounds: ${value.toFixed(2)} ` +
      `(rounds: ${ratios.map((r) => r.toFixed(2)).join(', ')}; target ≥ ${target.toFixed(2)}: ${verdict})`,
  );
}

export function median(values: number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
}

export function row(name: string, m: Measured): string {
  const list = (record: Record<string, number>, format: (n: number) => string) =>
    Object.entries(record)
      .map(([key, n]) => `${key}: ${format(n)}`)
      .join(', ');
  return `| ${name} | ${Math.round(m.rps)} | ${m.p50} | ${m.p99} | ${list(m.statuses, String)} | ${list(m.cpu, (share) => `${Math.round(share * 100)}%`)} |`;
}
