import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string } }>;
  samples: number[];
  timeDeltas: number[];
}

/**
 * Where a process's CPU time went, from a V8 .cpuprofile: self time grouped by npm package, Node
 * module, or the project's own code, plus V8's own entries (GC), as shares of the busy time:
 * idle time is left out, since the service also idles between the bench's rounds.
 */
export function summarizeProfile(file: string, top = 15): Array<{ where: string; share: number }> {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const timeById = new Map<number, number>();
  profile.samples.forEach((id, index) => timeById.set(id, (timeById.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0)));
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
