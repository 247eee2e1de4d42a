import { summarize, type LatencySummary } from './report-stats';
import { SURGE_STEPS, type ShopperRun, type SurgeOutcome, type SurgeStep } from './surge-clients';

/** Issue item 4: 10,000 shoppers in one second, every one placed, p99 under 2 s, no error. */
const TARGET_P99_MS = 2_000;

export interface CpuSample {
  at: number;
  /** CPU seconds used so far, by process name (service, redis, clients). */
  cpu: Record<string, number>;
}

export interface SurgeFigures {
  size: number;
  windowMs: number;
  t0: number;
  outcome: SurgeOutcome;
  samples: CpuSample[];
  /** The service's accept queue over time, and the listen backlog that bounds it. */
  acceptQueue: Array<{ at: number; queued: number }>;
  backlog: number;
  rssBeforeKb: number;
  rssWithKb: number;
  serviceLoopLagMs: { p99: number; max: number };
  /** Increase of the kernel's TCP counters over the surge. */
  kernel: Record<string, number>;
}

interface Verdict {
  placed: number;
  distinct: boolean;
  errors: number;
  p50: number;
  p99: number;
  max: number;
  met: boolean;
  serviceUsPerShopper: number;
}

/** A step a shopper never reached took NaN ms: left out, as summarize's sort needs numbers. */
const summarizeKnown = (values: number[]): LatencySummary => summarize(values.filter((value) => !Number.isNaN(value)));

const ms = (value: number) => (Number.isNaN(value) ? '–' : `${Math.round(value).toLocaleString('en')} ms`);
const spread = (values: number[]) => {
  const { p50, p99, max } = summarizeKnown(values);
  return `p50 ${ms(p50)}, p99 ${ms(p99)}, max ${ms(max)}`;
};
const count = (values: Iterable<string>) => {
  const counts = new Map<string, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return [...counts].map(([value, n]) => `${value}: ${n.toLocaleString('en')}`).join(', ') || 'none';
};

const STEP_NAMES: Record<SurgeStep, string> = {
  sale: 'GET /api/sale',
  challenge: 'GET /api/queue/challenge',
  join: 'POST /api/queue',
  socket: 'socket → first position',
};

const isPlaced = (run: ShopperRun) => run.failed === null && run.position !== -1;
const stepIndex = (step: SurgeStep) => SURGE_STEPS.indexOf(step);

/** How long a step took: from the end of the one before (the arrival's start for the first). */
function stepMs(run: ShopperRun, step: SurgeStep): number {
  const i = stepIndex(step);
  return (run.ends[i] ?? NaN) - (i === 0 ? run.startedAt : (run.ends[i - 1] ?? NaN));
}

function judge(figures: SurgeFigures): Verdict {
  const { runs } = figures.outcome;
  const placed = runs.filter(isPlaced);
  const latencies = placed.map((run) => (run.ends[stepIndex('socket')] ?? NaN) - run.scheduledAt);
  const positions = Float64Array.from(placed.map((run) => run.position)).sort();
  const distinct = placed.length === figures.size && positions.every((position, i) => position === i + 1);
  const errors = runs.length - placed.length + figures.outcome.disconnects;
  const { p50, p99, max } = summarizeKnown(latencies);
  const first = figures.samples[0];
  const last = figures.samples.at(-1);
  const serviceCpu = (last?.cpu.service ?? NaN) - (first?.cpu.service ?? NaN);
  return {
    placed: placed.length,
    distinct,
    errors,
    p50,
    p99,
    max,
    met: distinct && errors === 0 && p99 < TARGET_P99_MS,
    // Per shopper placed: one who never got through cost the service next to nothing.
    serviceUsPerShopper: (serviceCpu * 1e6) / Math.max(1, placed.length),
  };
}

export function printSurge(figures: SurgeFigures): void {
  const { runs, disconnects, clientLoopLagMs } = figures.outcome;
  const verdict = judge(figures);
  const placed = runs.filter(isPlaced);
  const lastPlaced = Math.max(...placed.map((run) => run.ends[stepIndex('socket')] ?? 0)) - figures.t0;
  console.log(
    `\narrival → first queue:position, ${verdict.placed.toLocaleString('en')} placed: ` +
      `p50 ${ms(verdict.p50)}, p99 ${ms(verdict.p99)}, max ${ms(verdict.max)}; the last placed ${ms(lastPlaced)} after the first arrival`,
  );
  console.log(
    `placed: ${verdict.placed.toLocaleString('en')} of ${figures.size.toLocaleString('en')}, ` +
      `positions exactly 1..${figures.size.toLocaleString('en')}: ${verdict.distinct ? 'yes' : 'NO'}`,
  );

  console.log('\n| step | took (placed shoppers) | answers |\n|---|---|---|');
  console.log(`| start lag (client) | ${spread(runs.map((run) => run.startedAt - run.scheduledAt))} | |`);
  const parts: Partial<Record<SurgeStep, Array<[string, (run: ShopperRun) => number]>>> = {
    sale: [
      ['… TCP handshake', (run) => run.tcpConnectedAt - run.startedAt],
      ['… then the answer (accept wait included)', (run) => (run.ends[stepIndex('sale')] ?? NaN) - run.tcpConnectedAt],
    ],
    socket: [
      ['… socket connect', (run) => run.connectedAt - (run.ends[stepIndex('join')] ?? NaN)],
      ['… then the position', (run) => (run.ends[stepIndex('socket')] ?? NaN) - run.connectedAt],
    ],
  };
  for (const step of SURGE_STEPS) {
    const answers = count(runs.flatMap((run) => (run.answers[step] === undefined ? [] : [run.answers[step]])));
    console.log(`| ${STEP_NAMES[step]} | ${spread(placed.map((run) => stepMs(run, step)))} | ${answers} |`);
    for (const [name, took] of parts[step] ?? []) console.log(`| ${name} | ${spread(placed.map(took))} | |`);
  }
  const failedAt = count(runs.filter((run) => run.failed !== null).map((run) => `${run.failed} (${run.answers[run.failed ?? 'sale']})`));
  console.log(`\nfailed shoppers by step: ${failedAt}; sockets closed by the service after placing: ${disconnects}`);

  const first = figures.samples[0];
  const last = figures.samples.at(-1);
  if (first && last) {
    const seconds = (last.at - first.at) / 1000;
    const per = (name: string) => (((last.cpu[name] ?? 0) - (first.cpu[name] ?? 0)) * 1e6) / Math.max(1, placed.length);
    const share = (name: string) => `${Math.round((((last.cpu[name] ?? 0) - (first.cpu[name] ?? 0)) / seconds) * 100)}%`;
    console.log(
      `CPU per shopper placed: service ${per('service').toFixed(0)} µs, Redis ${per('redis').toFixed(0)} µs, client processes ${per('clients').toFixed(0)} µs ` +
        `(over ${seconds.toFixed(1)} s, % of one core: service ${share('service')}, Redis ${share('redis')}, clients ${share('clients')})`,
    );
  }
  console.log(
    `service RSS: ${mb(figures.rssBeforeKb)} before, ${mb(figures.rssWithKb)} with ${placed.length.toLocaleString('en')} sockets ` +
      `(${((figures.rssWithKb - figures.rssBeforeKb) / Math.max(1, placed.length)).toFixed(1)} KB per shopper)`,
  );
  console.log(
    `event-loop delay during the surge: service p99 ${ms(figures.serviceLoopLagMs.p99)}, max ${ms(figures.serviceLoopLagMs.max)}; ` +
      `client processes max ${ms(Math.max(...clientLoopLagMs.map((lag) => lag.max)))}`,
  );
  console.log(
    `service accept queue: at most ${Math.max(0, ...figures.acceptQueue.map((sample) => sample.queued))} waiting of a backlog of ${figures.backlog}`,
  );
  console.log(
    `kernel TCP counters over the surge: ${Object.entries(figures.kernel)
      .map(([name, n]) => `${name} +${n}`)
      .join(', ')}`,
  );
  printTimeline(figures);
  console.log(
    `\ntarget (${figures.size.toLocaleString('en')} in ${figures.windowMs / 1000} s: all placed, p99 < ${TARGET_P99_MS / 1000} s, no error): ` +
      `${verdict.met ? 'met' : 'NOT met'}`,
  );
}

/** Arrivals, answers and CPU over time, in buckets from the first arrival. */
function printTimeline(figures: SurgeFigures): void {
  const { runs } = figures.outcome;
  const end = Math.max(figures.t0 + figures.windowMs, ...figures.samples.map((sample) => sample.at));
  const bucketMs = Math.max(250, Math.ceil((end - figures.t0) / 20 / 250) * 250);
  const buckets = Math.ceil((end - figures.t0) / bucketMs);
  const inBucket = (at: number) => Math.floor((at - figures.t0) / bucketMs);
  const tally = (times: number[]) => {
    const counts = new Array<number>(buckets).fill(0);
    for (const at of times)
      if (!Number.isNaN(at) && inBucket(at) >= 0 && inBucket(at) < buckets) counts[inBucket(at)] = (counts[inBucket(at)] ?? 0) + 1;
    return counts;
  };
  const started = tally(runs.map((run) => run.startedAt));
  const joined = tally(runs.map((run) => run.ends[stepIndex('join')] ?? NaN));
  const placed = tally(runs.map((run) => run.ends[stepIndex('socket')] ?? NaN));
  console.log(
    `\n| from the first arrival | started | joined | placed | CPU service | Redis | clients | accept queue (max) |\n|---|---|---|---|---|---|---|---|`,
  );
  for (let b = 0; b < buckets; b++) {
    const from = figures.t0 + b * bucketMs;
    const cpu = (name: string) => {
      const inside = figures.samples.filter((sample) => sample.at >= from && sample.at <= from + bucketMs);
      const a = inside[0];
      const z = inside.at(-1);
      if (!a || !z || z.at === a.at) return '–';
      return `${Math.round((((z.cpu[name] ?? 0) - (a.cpu[name] ?? 0)) / ((z.at - a.at) / 1000)) * 100)}%`;
    };
    const queued = figures.acceptQueue.filter((sample) => sample.at >= from && sample.at < from + bucketMs).map((sample) => sample.queued);
    console.log(
      `| ${(b * bucketMs) / 1000}–${((b + 1) * bucketMs) / 1000} s | ${started[b]} | ${joined[b]} | ${placed[b]} | ` +
        `${cpu('service')} | ${cpu('redis')} | ${cpu('clients')} | ${queued.length > 0 ? Math.max(...queued) : '–'} |`,
    );
  }
}

/** One line per size, when several ran. */
export function printSurgeSummary(all: SurgeFigures[]): void {
  console.log(
    '\n| shoppers in 1 s | placed | arrival → position p50 / p99 / max | errors | service CPU per shopper placed | service RSS with them | target |\n|---|---|---|---|---|---|---|',
  );
  for (const figures of all) {
    const v = judge(figures);
    console.log(
      `| ${figures.size.toLocaleString('en')} | ${v.placed.toLocaleString('en')}${v.distinct ? '' : ' (not 1..N)'} | ${ms(v.p50)} / ${ms(v.p99)} / ${ms(v.max)} | ` +
        `${v.errors} | ${v.serviceUsPerShopper.toFixed(0)} µs | ${mb(figures.rssWithKb)} | ${v.met ? 'met' : 'not met'} |`,
    );
  }
}

const mb = (kb: number) => `${(kb / 1024).toFixed(0)} MB`;
