/**
 * A job run every `everyMs`, never overlapping itself: a run still under way (slow Redis, many
 * sockets) makes the next interval skip. `stop()` waits for that run, so nothing the job does
 * happens after it resolves. The job handles its own errors.
 */
export class PeriodicTask {
  private timer: NodeJS.Timeout | null = null;
  private current: Promise<void> | null = null;

  constructor(
    private readonly everyMs: number,
    private readonly job: () => Promise<void>,
  ) {}

  start(): void {
    this.timer ??= setInterval(() => void this.runNow(), this.everyMs);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.current;
  }

  /** One run now, or the one under way. */
  runNow(): Promise<void> {
    this.current ??= this.job().finally(() => {
      this.current = null;
    });
    return this.current;
  }
}
