import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ROOT } from './processes';

/**
 * artillery, from its own install in perf/artillery (not a root workspace: it weighs ~600 MB and
 * only `npm run perf` needs it), and what the runner reads of its scripts and reports.
 */

export const ARTILLERY_DIR = path.join(ROOT, 'perf', 'artillery');
const ARTILLERY_BIN = path.join(ARTILLERY_DIR, 'node_modules', '.bin', 'artillery');
const INSTALL_COMMAND = 'PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --prefix perf/artillery --no-audit --no-fund';

/** Installs perf/artillery from its lock file when it is not there yet; never downloads a browser. */
export function ensureArtillery(): void {
  if (existsSync(ARTILLERY_BIN)) return;
  console.log(`perf: artillery is not installed yet; running ${INSTALL_COMMAND}`);
  const result = spawnSync('npm', ['ci', '--prefix', 'perf/artillery', '--no-audit', '--no-fund'], {
    cwd: ROOT,
    stdio: 'inherit',
    // artillery's playwright engine would otherwise fetch a browser build at install.
    env: { ...process.env, PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: '1' },
  });
  if (result.status !== 0 || !existsSync(ARTILLERY_BIN)) throw new Error(`installing artillery failed; run it by hand: ${INSTALL_COMMAND}`);
}

export interface Phase {
  name?: string;
  duration?: number;
  arrivalRate?: number;
  arrivalCount?: number;
  pause?: number;
}

/** The phases of a scenario script: how many virtual users arrive, and over how long. */
export function readPhases(scenarioFile: string): { phases: Phase[]; users: number; seconds: number } {
  // The YAML parser of the artillery install: the scripts are read the way artillery reads them.
  const yaml = createRequire(path.join(ARTILLERY_DIR, 'package.json'))('js-yaml') as { load: (text: string) => unknown };
  const script = yaml.load(readFileSync(scenarioFile, 'utf8')) as { config?: { phases?: Phase[] } };
  const phases = script.config?.phases ?? [];
  if (phases.length === 0) throw new Error(`${scenarioFile} has no phases`);
  let users = 0;
  let seconds = 0;
  for (const phase of phases) {
    if (phase.pause !== undefined) {
      seconds += phase.pause;
      continue;
    }
    const duration = phase.duration ?? 0;
    if (phase.arrivalCount === undefined && phase.arrivalRate === undefined)
      throw new Error(`${scenarioFile}: phase ${phase.name ?? '?'} needs arrivalRate or arrivalCount (no ramps)`);
    users += phase.arrivalCount ?? (phase.arrivalRate ?? 0) * duration;
    seconds += duration;
  }
  return { phases, users, seconds };
}

/** The parts of artillery's JSON report (`--output`) that the report uses. */
export interface ArtilleryMetrics {
  counters: Record<string, number>;
  summaries: Record<string, { min: number; max: number; count: number; mean: number; p50: number; p95: number; p99: number }>;
  firstMetricAt: number;
  lastMetricAt: number;
  period?: number;
}

export interface ArtilleryReport {
  aggregate: ArtilleryMetrics;
  intermediate: ArtilleryMetrics[];
}

export interface ArtilleryRun {
  report: ArtilleryReport;
  /** The command line, for the report. */
  command: string;
}

/** How long artillery may take to exit after writing its report. */
const EXIT_GRACE_MS = 3_000;

/**
 * Runs one scenario and waits for its JSON report. Its own output goes to `logFile`; phase
 * boundaries are echoed to the terminal.
 *
 * artillery 2 holds its exit for its telemetry flush, which it sends even with
 * ARTILLERY_DISABLE_TELEMETRY set and retries for about 12 s where there is no internet. By then
 * it has written its report, and the processor its events (synchronously), so once the report is
 * complete artillery gets a short grace to exit and is then stopped.
 */
export async function runArtillery(options: {
  scenarioFile: string;
  payloadFile: string;
  outputFile: string;
  logFile: string;
  env: Record<string, string>;
  timeoutMs: number;
}): Promise<ArtilleryRun> {
  const args = ['run', '--output', options.outputFile, '--payload', options.payloadFile, options.scenarioFile];
  const command = [
    'perf/artillery/node_modules/.bin/artillery',
    ...args.map((arg) => (path.isAbsolute(arg) ? path.relative(ROOT, arg) : arg)),
  ];
  const child = spawn(ARTILLERY_BIN, args, {
    cwd: ROOT,
    env: { ...process.env, ...options.env, ARTILLERY_DISABLE_TELEMETRY: 'true' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const log = createWriteStream(options.logFile);
  let reportAnnounced = false;
  let pending = '';
  const watch = (chunk: Buffer) => {
    log.write(chunk);
    pending += chunk.toString();
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      if (/^(Phase (started|completed)|Error|WARNING)/.test(line)) console.log(`  artillery: ${line.trim()}`);
      if (line.startsWith('Log file:')) reportAnnounced = true;
    }
  };
  child.stdout.on('data', watch);
  child.stderr.on('data', watch);
  // 'close', not 'exit': it comes after the last output, so the log is complete.
  let running = true;
  const closed = new Promise<void>((resolve) =>
    child.once('close', () => {
      running = false;
      resolve();
    }),
  );

  const deadline = Date.now() + options.timeoutMs;
  let report: ArtilleryReport | null = null;
  while (running && report === null && Date.now() < deadline) {
    if (reportAnnounced) report = readReport(options.outputFile);
    await sleep(200);
  }
  if (running) {
    const stillRunning = await Promise.race([closed.then(() => false), sleep(EXIT_GRACE_MS).then(() => true)]);
    if (stillRunning) child.kill('SIGKILL');
    await closed;
  }
  process.removeListener('exit', killOnExit);
  await new Promise((resolve) => log.end(resolve));
  report ??= readReport(options.outputFile);
  if (report === null) {
    const why =
      Date.now() >= deadline ? `it ran past ${options.timeoutMs / 1000} s` : `it exited with ${child.exitCode ?? child.signalCode}`;
    throw new Error(`artillery wrote no report (${why}); see ${options.logFile}`);
  }
  return { report, command: command.join(' ') };
}

/** The report once it is complete JSON, else null. */
function readReport(file: string): ArtilleryReport | null {
  if (!existsSync(file)) return null;
  try {
    const report = JSON.parse(readFileSync(file, 'utf8')) as ArtilleryReport;
    return report.aggregate?.counters ? report : null;
  } catch {
    return null;
  }
}
