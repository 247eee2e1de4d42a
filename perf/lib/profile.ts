import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string } }>;
  /** Microseconds of the monotonic clock, as `process.hrtime` reads it (Linux). */
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** A span of the monotonic clock, in microseconds, as `monotonicUs` reads it. */
export interface ProfileWindow {
  fromUs: number;
  toUs: number;
}

/** The clock of a V8 CPU profile's timestamps: V8 and libuv read the same monotonic clock in any process. */
export const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);

/**
 * Where a process's CPU time went, from a V8 .cpuprofile: self time grouped by npm package, Node
 * module, or the project's own code, plus V8's own entries (GC), as shares of the busy time:
 * idle time is left out, since the service also idles between the bench's rounds. With a window,
 * only the samples taken in it.
 */
export function summarizeProfile(file: string, top = 15, window?: ProfileWindow): Array<{ where: string; share: number }> {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const timeById = new Map<number, number>();
  let at = profile.startTime;
  profile.samples.forEach((id, index) => {
    const delta = profile.timeDeltas[index] ?? 0;
    at += delta;
    if (!window || (at >= window.fromUs && at <= window.toUs)) timeById.set(id, (timeById.get(id) ?? 0) + delta);
  });
  const byPlace = new Map<string, number>();
  let total = 0;
  for (const node of profile.nodes) {
    const time = timeById.get(node.id) ?? 0;
    const { url, functionName } = node.callFrame;
    if (functionName === '(idle)') continue;
    total += time;
    const place = url.includes('node_modules/')
      ? (url.split('node_modules/').pop()?.split('/')[0] ?? url)
      : url.startsWith('node:')
        ? url
        : url
          ? 'this project'
          : functionName || '(native)';
    byPlace.set(place, (byPlace.get(place) ?? 0) + time);
  }
  return [...byPlace]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([where, time]) => ({ where, share: time / Math.max(1, total) }));
}

/** The newest .cpuprofile in a folder. */
export function newestProfile(dir: string): string | null {
  const files = readdirSync(dir)
    .filter((name) => name.endsWith('.cpuprofile'))
    .map((name) => path.join(dir, name));
  return files.sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0] ?? null;
}
