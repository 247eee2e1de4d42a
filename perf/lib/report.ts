import { formatAudit, type AuditReport } from '../../tests/kit';
import type { ArtilleryReport, Phase } from './perf-artillery';
import type { RequestRecord } from './perf-events';
import type { Expectation, ScenarioPlan } from './perf-scenarios';
import { PALETTE, renderChart, type ChartMarker, type ChartSeries } from './report-chart';
import { answerOf, byAnswer, byEndpoint, countBy, latencyOf, maxOf, percentile, summarize, throughput, timeline } from './report-stats';

/** The report of one scenario (report.md, chart.svg), its terminal lines, and the summary of a run. */

export interface ScenarioResult {
  plan: ScenarioPlan;
  startedAt: number;
  durationMs: number;
  /** Set when the scenario could not be run to its end; nothing else below is then. */
  error?: string;
  run?: CompletedRun;
}

export interface CompletedRun {
  command: string;
  artilleryCommand: string;
  settings: Array<[string, string]>;
  load: { users: number; seconds: number; phases: Phase[] };
  artillery: ArtilleryReport;
  requests: RequestRecord[];
  audit: AuditReport;
  expectations: Expectation[];
  /** Moments worth a vertical line on the chart, in epoch ms. */
  moments: Array<{ at: number; label: string }>;
  /** What the service itself counted (GET /api/admin/state), when it answered. */
  serviceCounters: Record<string, unknown> | null;
}

export const passed = (result: ScenarioResult) =>
  result.error === undefined && result.run !== undefined && result.run.audit.ok && result.run.expectations.every((e) => e.ok);

export function verdictOf(result: ScenarioResult): string {
  if (result.error !== undefined || !result.run) return 'ERROR';
  const audit = result.run.audit.ok ? 'audit holds' : 'AUDIT VIOLATED';
  const failed = result.run.expectations.filter((e) => !e.ok).length;
  return failed === 0 ? audit : `${audit}; ${failed} EXPECTATION(S) FAILED`;
}

const ms = (value: number) => (Number.isFinite(value) ? `${Math.round(value)} ms` : '–');
const seconds = (milliseconds: number) => `${(milliseconds / 1000).toFixed(1)} s`;
const list = (counts: Map<string, number>) => [...counts].map(([answer, count]) => `${answer}: ${count}`).join(', ');

const statusCounts = (requests: RequestRecord[]) => countBy(requests, answerOf);

/** The lines printed after a scenario. */
export function terminalSummary(result: ScenarioResult): string {
  const head = `${result.plan.name}: ${verdictOf(result)} in ${seconds(result.durationMs)}`;
  if (!result.run) return `${head}\n  ${result.error ?? ''}`;
  const { requests, audit, expectations } = result.run;
  const all = summarize(requests.map(latencyOf));
  const lines = [
    head,
    `  ${requests.length} requests (${list(statusCounts(requests))}); p50 ${ms(all.p50)}, p99 ${ms(all.p99)}`,
    ...audit.checks.filter((c) => !c.ok).map((c) => `  invariant ${c.invariant} (${c.name}) VIOLATED: ${c.detail}`),
    ...expectations.filter((e) => !e.ok).map((e) => `  expectation failed: ${e.what}: ${e.detail}`),
  ];
  return lines.join('\n');
}

export function scenarioMarkdown(result: ScenarioResult): string {
  const { plan } = result;
  const title = `# perf: ${plan.name}\n\n${plan.summary}\n`;
  if (!result.run) return `${title}\n**Could not run:**\n\n\`\`\`\n${result.error ?? 'unknown error'}\n\`\`\`\n`;
  const run = result.run;
  const counters = run.artillery.aggregate.counters;
  const summaries = run.artillery.aggregate.summaries;
  const tput = throughput(run.requests);
  const counter = (name: string) => counters[name] ?? 0;
  const codes = Object.entries(counters)
    .filter(([name]) => name.startsWith('http.codes.'))
    .map(([name, count]) => `${name.slice('http.codes.'.length)}: ${count}`)
    .join(', ');
  const errors = Object.entries(counters)
    .filter(([name]) => name.startsWith('errors.'))
    .map(([name, count]) => `${name.slice('errors.'.length)}: ${count}`);
  const custom = Object.entries(counters)
    .filter(([name]) => name.startsWith('flashsale.'))
    .map(([name, count]) => `${name.slice('flashsale.'.length)}: ${count}`);
  const ttfb = summaries['http.response_time'];
  const admissionWait = summaries['flashsale.admission_wait'];

  const sections = [
    title,
    `**Verdict: ${verdictOf(result)}.** Ran ${new Date(result.startedAt).toISOString()}, ${seconds(result.durationMs)} in all ` +
      `(services started, load, audit).`,
    '',
    `Command: \`${run.command}\`  `,
    `artillery: \`${run.artilleryCommand}\``,
    '',
    '## The sale',
    '',
    '| setting | value |',
    '|---|---|',
    ...run.settings.map(([name, value]) => `| ${name} | ${value} |`),
    `| load | ${run.load.users} virtual users over ${run.load.seconds} s (${run.load.phases.map(describePhase).join('; ')}) |`,
    '',
    '## What artillery counted',
    '',
    '| figure | value |',
    '|---|---|',
    `| virtual users created / completed / failed | ${counter('vusers.created')} / ${counter('vusers.completed')} / ${counter('vusers.failed')} |`,
    `| HTTP requests / responses | ${counter('http.requests')} / ${counter('http.responses')} |`,
    `| status codes | ${codes || '–'} |`,
    `| errors | ${errors.length > 0 ? errors.join(', ') : 'none'} |`,
    ...(ttfb
      ? [
          `| response time, time to first byte (p50 / p95 / p99 / max) | ${ms(ttfb.p50)} / ${ms(ttfb.p95)} / ${ms(ttfb.p99)} / ${ms(ttfb.max)} |`,
        ]
      : []),
    ...(custom.length > 0 ? [`| outcomes the processor counted | ${custom.join(', ')} |`] : []),
    ...(admissionWait
      ? [
          `| wait from the join's answer to \`queue:admitted\` (p50 / p95 / p99 / max) | ` +
            `${ms(admissionWait.p50)} / ${ms(admissionWait.p95)} / ${ms(admissionWait.p99)} / ${ms(admissionWait.max)} |`,
        ]
      : []),
    '',
    '## Per endpoint',
    '',
    'Timed by each virtual user (got’s timer, read in the processor): from the request’s start to its complete answer.',
    '',
    '| endpoint | answers | status codes | p50 | p95 | p99 | max |',
    '|---|---|---|---|---|---|---|',
    ...byEndpoint(run.requests).map(
      (e) =>
        `| \`${e.endpoint}\` | ${e.latency.count} | ${list(e.answers)} | ${ms(e.latency.p50)} | ${ms(e.latency.p95)} | ${ms(e.latency.p99)} | ${ms(e.latency.max)} |`,
    ),
    '',
    '| answer | count | p50 | p95 | p99 | max |',
    '|---|---|---|---|---|---|',
    ...byAnswer(run.requests, kindOfAnswer(run.requests)).map(
      ([kind, l]) => `| ${kind} | ${l.count} | ${ms(l.p50)} | ${ms(l.p95)} | ${ms(l.p99)} | ${ms(l.max)} |`,
    ),
    '',
    `Throughput: ${tput.mean.toFixed(0)} answers/s on average over ${tput.spanSeconds.toFixed(1)} s ` +
      `(first request sent to last answer), ${tput.peak} in the busiest second.`,
    '',
    '![throughput and latency over time](chart.svg)',
    '',
    '## Audit: the SPEC invariants',
    '',
    formatAudit(run.audit),
    '',
    `Stock ${run.audit.figures.stock}, remaining ${run.audit.figures.remaining}, orders in Redis ${run.audit.figures.orders}, ` +
      `answered 201 ${run.audit.figures.answered201}, ledger rows ${run.audit.figures.ledgerRows ?? '–'}, shoppers audited ${run.audit.figures.shoppers}.`,
    ...(run.serviceCounters
      ? ['', `The service's own counters (\`GET /api/admin/state\`): \`${JSON.stringify(run.serviceCounters)}\``]
      : []),
    '',
    '## Expectations of this scenario',
    '',
    '| expectation | result | detail |',
    '|---|---|---|',
    ...run.expectations.map((e) => `| ${e.what} | ${e.ok ? 'met' : '**FAILED**'} | ${e.detail} |`),
    '',
    '## What the figures mean',
    '',
    plan.meaning,
    '',
    'Everything ran on this one machine, over loopback: artillery, the all-in-one service, Redis (append-only ' +
      'file, `appendfsync always`) and PostgreSQL share its cores, so the absolute figures are a floor for this ' +
      'machine, not a capacity; compare runs of the same machine. artillery’s response time is to the first byte; ' +
      'the per-endpoint figures are to the complete answer, as the virtual user saw it.',
    '',
  ];
  return sections.join('\n');
}

function describePhase(phase: Phase): string {
  if (phase.pause !== undefined) return `pause ${phase.pause} s`;
  const arrivals = phase.arrivalCount !== undefined ? `${phase.arrivalCount} arrivals` : `${phase.arrivalRate}/s`;
  return `${phase.name ?? 'phase'}: ${arrivals} for ${phase.duration ?? 0} s`;
}

/** Names an answer by its status and code, and by its endpoint where the run has more than one. */
function kindOfAnswer(requests: RequestRecord[]): (request: RequestRecord) => string {
  const endpoints = new Set(requests.map((r) => r.endpoint));
  if (endpoints.size < 2) return answerOf;
  return (r) => `${r.endpoint === '/api/queue' ? 'join' : 'purchase'} ${answerOf(r)}`;
}

/** Throughput by answer and latency percentiles, per second of the run. */
export function scenarioChart(result: ScenarioResult): string | null {
  const run = result.run;
  if (!run || run.requests.length === 0) return null;
  const line = timeline(run.requests, kindOfAnswer(run.requests));
  const series: ChartSeries[] = [...line.answers].map(([kind, values], i) => ({
    label: kind,
    color: PALETTE[i % PALETTE.length] ?? '#333',
    values,
  }));
  if (series.length > 1) {
    const total = line.seconds.map((_, i) => series.reduce((sum, s) => sum + (s.values[i] ?? 0), 0));
    series.unshift({ label: 'all answers', color: '#222', values: total, dashed: true });
  }
  const sortedPerSecond = line.latencies.map((values) => [...values].sort((a, b) => a - b));
  const latency = (p: number) => sortedPerSecond.map((values) => (values.length > 0 ? percentile(values, p) : null));
  const markers: ChartMarker[] = run.moments
    .map((moment) => ({ x: (moment.at - line.origin) / 1000, label: moment.label }))
    .filter((marker) => marker.x >= 0 && marker.x <= maxOf(line.seconds) + 1);
  return renderChart({
    title: `perf: ${result.plan.name}`,
    subtitle: `${run.requests.length} requests by ${run.load.users} virtual users; one-second buckets by time of answer`,
    xLabel: 'seconds since the first request',
    x: line.seconds,
    panels: [
      { title: 'Throughput (answers per second)', series },
      {
        title: 'Latency (ms, request start to complete answer)',
        series: [
          { label: 'p50', color: PALETTE[0] ?? '#333', values: latency(50) },
          { label: 'p99', color: PALETTE[1] ?? '#333', values: latency(99) },
        ],
      },
    ],
    markers,
  });
}

/** The final table of a run, as markdown (summary.md) and for the terminal. */
export function summaryTable(results: ScenarioResult[]): string {
  const rows = results.map((result) => {
    const requests = result.run?.requests ?? [];
    const p99 = summarize(requests.map(latencyOf)).p99;
    return `| ${result.plan.name} | ${requests.length} | ${list(statusCounts(requests)) || '–'} | ${ms(p99)} | ${verdictOf(result)} | ${seconds(result.durationMs)} |`;
  });
  return ['| scenario | requests | status codes | p99 | verdict | duration |', '|---|---|---|---|---|---|', ...rows].join('\n');
}

export function summaryMarkdown(results: ScenarioResult[], command: string, startedAt: number): string {
  const ok = results.every(passed);
  return [
    '# npm run perf: summary',
    '',
    `\`${command}\`, started ${new Date(startedAt).toISOString()}: **${ok ? 'every scenario passed' : 'FAILED'}**.`,
    '',
    summaryTable(results),
    '',
    'Each scenario has its report in `<scenario>/report.md` beside this file, with its chart, artillery’s JSON ' +
      'output (`artillery.json`), its log (`artillery.log`) and the events the virtual users recorded. A scenario ' +
      'passes when the audit finds every SPEC invariant held and the scenario’s own expectations were met.',
    '',
    ...results.map((result) => `- [${result.plan.name}](${result.plan.name}/report.md): ${result.plan.summary}`),
    '',
  ].join('\n');
}
