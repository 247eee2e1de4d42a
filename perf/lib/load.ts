import autocannon from 'autocannon';
import { cpuShares } from './cpu';

/** How each figure is loaded; the same for the baseline and the figure, or the ratio means nothing. */
export interface LoadSettings {
  duration: number;
  rounds: number;
  connections: number;
  /**
   * Requests a second offered in all, or 0 for as many as the service answers. A fixed rate that
   * every figure sustains puts hello and the figure in the same regime: at saturation an event
   * loop batches more requests per turn and each costs less, so costs at different loads differ.
   */
  rate: number;
}

export interface Measured {
  rps: number;
  /** Share of one core used during the measured run, per process. */
  cpu: Record<string, number>;
  /**
   * The service's CPU microseconds per answered request over the measured run (user + system,
   * from /proc): what a request costs the service, whoever else uses the cores meanwhile.
   */
  costMicros: number;
  p50: number;
  p99: number;
  statuses: Record<string, number>;
}

export interface LoadTarget {
  url: string;
  method: 'GET' | 'POST';
  /** Processes whose CPU share is reported; the load generator is added. */
  pids: Record<string, number>;
  headers?: Record<string, string>;
  /** Called for every request, so each can carry its own shopper. */
  nextRequest?: () => { headers?: Record<string, string>; body?: string };
}

function withNext(request: autocannon.Request, next: ReturnType<NonNullable<LoadTarget['nextRequest']>>): autocannon.Request {
  return { ...request, ...next, headers: { ...request.headers, ...next.headers } };
}

/** Seconds of load before each measured run. */
export const WARM_UP_SECONDS = 3;

/** One autocannon run after a warm-up, with status counts and CPU shares. */
export async function load(target: LoadTarget, settings: LoadSettings): Promise<Measured> {
  const { nextRequest } = target;
  const statuses: Record<string, number> = {};
  const run = (duration: number) =>
    autocannon({
      url: target.url,
      method: target.method,
      headers: target.headers,
      connections: settings.connections,
      ...(settings.rate > 0 && { overallRate: settings.rate }),
      duration,
      requests: nextRequest ? [{ setupRequest: (request) => withNext(request, nextRequest()) }] : undefined,
    });
  // Warm-up: connection pools, and the JIT and heap, which keep settling for seconds (a hello
  // measured after 1 s of warm-up still cost a third more than after a few more).
  await run(WARM_UP_SECONDS);
  const instance = run(settings.duration);
  (instance as unknown as NodeJS.EventEmitter).on('response', (_client: unknown, statusCode: number) => {
    statuses[statusCode] = (statuses[statusCode] ?? 0) + 1;
  });
  const { result, shares, seconds } = await cpuShares({ ...target.pids, 'load generator': process.pid }, () => instance);
  const answered = Object.values(statuses).reduce((sum, count) => sum + count, 0);
  const costMicros = ((shares.service ?? 0) * seconds * 1e6) / Math.max(1, answered);
  return { rps: result.requests.average, cpu: shares, costMicros, p50: result.latency.p50, p99: result.latency.p99, statuses };
}
