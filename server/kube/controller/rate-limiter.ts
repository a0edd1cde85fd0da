/**
 * A token bucket: `qps` tokens per second, at most `burst` saved up. Callers wait in
 * arrival order, so a burst of reconciles cannot starve a later lease renewal forever.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;
  private readonly waiters: Array<{ resolve: () => void; reject: (e: Error) => void }> = [];
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  /** How many callers had to wait for a token (for tests and the status page). */
  throttled = 0;

  constructor(
    readonly qps: number,
    readonly burst: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    if (!(qps > 0) || !(burst >= 1)) throw new RangeError('TokenBucket needs qps > 0 and burst >= 1');
    this.tokens = burst;
    this.last = now();
  }

  private refill(): void {
    const t = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) / 1000) * this.qps);
    this.last = t;
  }

  /** Takes a token without waiting; false when none is available. */
  tryTake(): boolean {
    this.refill();
    if (this.waiters.length === 0 && this.tokens >= 1) {
      this.tokens -= 1;
      return true;
    }
    return false;
  }

  /** Resolves once a token is available (and taken). */
  take(): Promise<void> {
    if (this.closed) return Promise.reject(new Error('rate limiter closed'));
    if (this.tryTake()) return Promise.resolve();
    this.throttled += 1;
    return new Promise((resolve, reject) => {
      this.waiters.push({ resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.timer || this.waiters.length === 0) return;
    this.refill();
    const wait = this.tokens >= 1 ? 0 : Math.ceil(((1 - this.tokens) / this.qps) * 1000);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.refill();
      while (this.waiters.length > 0 && this.tokens >= 1) {
        this.tokens -= 1;
        this.waiters.shift()!.resolve();
      }
      this.schedule();
    }, wait);
    this.timer.unref?.();
  }

  /** Rejects every waiter; later take() calls reject too. */
  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    for (const w of this.waiters.splice(0)) w.reject(new Error('rate limiter closed'));
  }
}
