/**
 * `npm run perf`: the artillery load suites, each against a throwaway stack of its own, each
 * audited against the SPEC's invariants afterwards.
 *
 *   npm run perf                          every scenario (surge, checkout, duplicates, sold-out-tail, window-edge)
 *   npm run perf -- surge window-edge     those only
 *
 * Per scenario: a redis-server with `appendfsync always`, a fresh database on a PostgreSQL cluster
 * started for the run, and the built all-in-one process; then artillery
 * (perf/artillery/scenarios/<name>.yml), the audit (tests/kit/audit.ts), and the report in
 * perf/results/<name>/ (report.md, chart.svg). perf/results/summary.md sums the run up. The exit
 * code is non-zero when any scenario broke an invariant or missed its expectations.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { generateKey, PostgresCluster } from '../tests/kit';
import { ensureArtillery } from './lib/perf-artillery';
import { RESULTS_DIR, runScenario } from './lib/perf-run';
import { selectScenarios, type ScenarioPlan } from './lib/perf-scenarios';
import { passed, scenarioChart, scenarioMarkdown, summaryMarkdown, summaryTable, terminalSummary, type ScenarioResult } from './lib/report';

/** Stops with the one command that installs what is missing, as `npm test` does. */
function checkServers(): void {
  const has = (command: string) => spawnSync('sh', ['-c', command], { stdio: 'ignore' }).status === 0;
  const missing = [
    ...(has('command -v redis-server') ? [] : ['redis-server']),
    ...(process.env.PG_BIN || has('ls /usr/lib/postgresql/*/bin/initdb || command -v initdb') ? [] : ['PostgreSQL']),
  ];
  if (missing.length === 0) return;
  console.error(`npm run perf starts its own ${missing.join(' and ')}, which this machine lacks. Install with:`);
  console.error('  bash scripts/ensure-test-deps.sh');
  process.exit(1);
}

function scenariosOrExit(names: string[]): ScenarioPlan[] {
  try {
    return selectScenarios(names);
  } catch (error) {
    console.error(`perf: ${(error as Error).message}`);
    process.exit(2);
  }
}

function writeReport(result: ScenarioResult): void {
  const dir = path.join(RESULTS_DIR, result.plan.name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'report.md'), scenarioMarkdown(result));
  const chart = scenarioChart(result);
  if (chart) writeFileSync(path.join(dir, 'chart.svg'), chart);
}

async function main(): Promise<void> {
  const names = process.argv.slice(2).filter((arg) => arg !== '--');
  const plans = scenariosOrExit(names);
  const command = ['npm run perf', ...(names.length > 0 ? ['--', ...names] : [])].join(' ');
  checkServers();
  ensureArtillery();
  mkdirSync(RESULTS_DIR, { recursive: true });
  // An exit by Ctrl-C still runs the 'exit' hooks that stop the servers this run started.
  process.once('SIGINT', () => process.exit(130));

  const startedAt = Date.now();
  const privatePem = generateKey('rsa').export({ type: 'pkcs8', format: 'pem' }).toString();
  console.log(`perf: ${plans.map((plan) => plan.name).join(', ')}; results in ${path.relative(process.cwd(), RESULTS_DIR)}/`);
  const cluster = await PostgresCluster.start();
  const results: ScenarioResult[] = [];
  try {
    for (const plan of plans) {
      console.log(`\n== ${plan.name}: ${plan.summary}`);
      const result = await runScenario(plan, { cluster, privatePem, command });
      writeReport(result);
      console.log(terminalSummary(result));
      results.push(result);
    }
  } finally {
    await cluster.destroy();
  }

  writeFileSync(path.join(RESULTS_DIR, 'summary.md'), summaryMarkdown(results, command, startedAt));
  console.log(`\n${summaryTable(results)}\n`);
  const ok = results.every(passed);
  console.log(ok ? 'perf: every scenario passed' : 'perf: FAILED (see the reports above)');
  process.exitCode = ok ? 0 : 1;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
