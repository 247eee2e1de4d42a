/**
 * The test kit: what the tests (tests/**) and the benchmarks (perf/) share. Import it from here
 * only; each module holds one concern.
 */
/** The test clock: T0 and a clock moved by hand. */
export * from './clock';
/** Sales and the stores that hold them. */
export * from './sales';
/** Signing keys, admission tokens and the kit's secrets. */
export * from './keys';
/** The one HTTP client (send) and the named API calls on top of it. */
export * from './http';
/** Shoppers' sockets. */
export * from './sockets';
/** Waiting for a condition, and paced concurrency. */
export * from './async';
/** Checkout and whole instances inside the test process. */
export * from './services';
/** The built entry points as child processes. */
export * from './processes';
/** Throwaway servers, one per test file, on free ports; and what stands between shoppers and instances. */
export * from './fixtures';
export * from './ports';
export * from './redis-server';
export * from './redis-cluster';
export * from './postgres';
export * from './load-balancer';
export * from './tcp-proxy';
/** Headless Chromium for the end-to-end tests. */
export * from './browser';
/** The audit of a sale's invariants after a load run. */
export * from './audit';
