// Preloaded into a benched service (node --expose-gc --require perf/lib/gc-hook.js): on SIGUSR2 it
// collects all garbage, then writes process.memoryUsage() to <tmpdir>/flashsale-memory-<pid>.json,
// so the sockets bench reads memory per socket without the garbage of the joins before it.
const { writeFileSync, renameSync } = require('node:fs');
const { tmpdir } = require('node:os');
const path = require('node:path');

process.on('SIGUSR2', () => {
  globalThis.gc?.();
  globalThis.gc?.(); // a second pass frees what the first one's finalizers released
  const file = path.join(tmpdir(), `flashsale-memory-${process.pid}.json`);
  writeFileSync(`${file}.tmp`, JSON.stringify(process.memoryUsage()));
  renameSync(`${file}.tmp`, file);
});
