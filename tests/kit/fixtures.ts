/**
 * One running thing for the enclosing test file (or describe block): started before its tests,
 * destroyed after. Call the returned function inside a test to get it.
 */
export function perTestFile<T extends { destroy: () => Promise<void> }>(
  what: string,
  start: () => Promise<T>,
  startTimeoutMs?: number,
): () => T {
  let running: T | undefined;
  beforeAll(async () => {
    running = await start();
  }, startTimeoutMs);
  afterAll(async () => {
    await running?.destroy();
  });
  return () => {
    if (!running) throw new Error(`${what} is not running yet`);
    return running;
  };
}
