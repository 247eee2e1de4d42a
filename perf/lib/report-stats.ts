import type { Endpoint, RequestRecord } from './perf-events';

/** The figures of a report, computed from the requests the virtual users timed. */

export interface LatencySummary {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/** Nearest-rank percentile of values sorted ascending. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] ?? NaN;
}

export function summarize(latencies: number[]): LatencySummary {
  const sorted = [...latencies].sort((a, b) => a - b);
  return {
    count: sorted.length,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted[sorted.length - 1] ?? NaN,
  };
}

export const latencyOf = (request: RequestRecord) => request.answeredAt - request.sentAt;

/** A status with its refusal code where there is one: `410 sold_out`. */
export const answerOf = (request: RequestRecord) => (request.code ? `${request.status} ${request.code}` : String(request.status));

export interface EndpointFigures {
  endpoint: Endpoint;
  answers: Map<string, number>;
  latency: LatencySummary;
}

export function byEndpoint(requests: RequestRecord[]): EndpointFigures[] {
  const endpoints = [...new Set(requests.map((r) => r.endpoint))];
  return endpoints.map((endpoint) => {
    const mine = requests.filter((r) => r.endpoint === endpoint);
    return { endpoint, answers: countBy(mine, answerOf), latency: summarize(mine.map(latencyOf)) };
  });
}

/** Latency by kind of answer (`201`, `410 sold_out`, …): a refusal may be faster or slower than a sale. */
export function byAnswer(requests: RequestRecord[], kindOf: (request: RequestRecord) => string): Array<[string, LatencySummary]> {
  const kinds = [...new Set(requests.map(kindOf))].sort();
  return kinds.map((kind) => [kind, summarize(requests.filter((r) => kindOf(r) === kind).map(latencyOf))]);
}

export function countBy<T>(items: T[], key: (item: T) => string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return new Map([...counts].sort(([a], [b]) => a.localeCompare(b)));
}

export interface Throughput {
  /** Answers per second over the whole span, from the first request sent to the last answer. */
  mean: number;
  /** The busiest one-second bucket. */
  peak: number;
  spanSeconds: number;
}

/** One-second buckets from the first request sent: the answers completed in each, by kind, and their latencies. */
export interface Timeline {
  origin: number;
  /** The middle of each bucket, in seconds from the origin. */
  seconds: number[];
  answers: Map<string, number[]>;
  latencies: number[][];
}

export function timeline(requests: RequestRecord[], kindOf: (request: RequestRecord) => string, bucketMs = 1_000): Timeline {
  const origin = minOf(requests.map((r) => r.sentAt));
  const last = maxOf(requests.map((r) => r.answeredAt));
  const count = Math.max(1, Math.floor((last - origin) / bucketMs) + 1);
  const answers = new Map<string, number[]>();
  const latencies: number[][] = Array.from({ length: count }, () => []);
  for (const request of requests) {
    const bucket = Math.floor((request.answeredAt - origin) / bucketMs);
    const kind = kindOf(request);
    if (!answers.has(kind)) answers.set(kind, new Array<number>(count).fill(0));
    (answers.get(kind) as number[])[bucket] = ((answers.get(kind) as number[])[bucket] ?? 0) + 1;
    latencies[bucket]?.push(latencyOf(request));
  }
  return { origin, seconds: Array.from({ length: count }, (_, i) => ((i + 0.5) * bucketMs) / 1000), answers, latencies };
}

export function throughput(requests: RequestRecord[]): Throughput {
  if (requests.length === 0) return { mean: 0, peak: 0, spanSeconds: 0 };
  const spanSeconds = (maxOf(requests.map((r) => r.answeredAt)) - minOf(requests.map((r) => r.sentAt))) / 1000;
  const perSecond = timeline(requests, () => 'all').answers.get('all') ?? [];
  return { mean: requests.length / Math.max(spanSeconds, 0.001), peak: maxOf([0, ...perSecond]), spanSeconds };
}

// Loops, not Math.min(...values): a run has tens of thousands of requests.
export const minOf = (values: number[]) => values.reduce((min, value) => (value < min ? value : min), Infinity);
export const maxOf = (values: number[]) => values.reduce((max, value) => (value > max ? value : max), -Infinity);
