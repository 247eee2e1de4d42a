/** Never a tight loop, whatever Retry-After says. */
const MIN_RETRY_SECONDS = 0.5;

/**
 * The session's life and its pending pauses: a stopped session runs none of its timers, and every
 * answer that comes back after the stop is dropped. It may start again (React's StrictMode remounts).
 */
export class SessionTimers {
  stopped = false;
  private readonly pending = new Set<ReturnType<typeof setTimeout>>();
  private life = new AbortController();

  /** Aborted when the session stops, so work under way (a proof of work) stops with it. */
  get signal(): AbortSignal {
    return this.life.signal;
  }

  later(seconds: number, run: () => void): void {
    const timer = setTimeout(
      () => {
        this.pending.delete(timer);
        if (!this.stopped) run();
      },
      Math.max(MIN_RETRY_SECONDS, seconds) * 1000,
    );
    this.pending.add(timer);
  }

  /** Never settles once the session stops, so whatever awaits it goes no further. */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.later(ms / 1000, resolve));
  }

  start(): void {
    this.stopped = false;
    if (this.life.signal.aborted) this.life = new AbortController();
  }

  stop(): void {
    this.stopped = true;
    for (const timer of this.pending) clearTimeout(timer);
    this.pending.clear();
    this.life.abort();
  }
}
