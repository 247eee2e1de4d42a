import { readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100;

/** CPU seconds (user + system) a process has used so far, from /proc (Linux). */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

/** Measures what share of a core each process used while `work` ran. */
export async function cpuShares<T>(
  pids: Record<string, number>,
  work: () => Promise<T>,
): Promise<{ result: T; shares: Record<string, number>; seconds: number }> {
  const before = Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, cpuSeconds(pid)]));
  const started = Date.now();
  const result = await work();
  const seconds = (Date.now() - started) / 1000;
  const shares = Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, (cpuSeconds(pid) - (before[name] ?? 0)) / seconds]));
  return { result, shares, seconds };
}
