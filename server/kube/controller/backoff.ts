/** Exponential backoff with "equal jitter": half the delay is fixed, half random. */
export interface BackoffOptions {
  /** Delay of the first retry, in ms. */
  baseMs: number;
  /** Upper bound of any delay, in ms. */
  maxMs: number;
  /** Returns a number in [0, 1); injectable so tests can pin it. */
  random?: () => number;
}

/** The delay before retry number `attempt` (0 = first retry). */
export function backoffDelay(attempt: number, options: BackoffOptions): number {
  const random = options.random ?? Math.random;
  // 2^30 already exceeds any sane cap; clamping the exponent avoids Infinity.
  const exp = Math.min(options.maxMs, options.baseMs * 2 ** Math.min(Math.max(attempt, 0), 30));
  // Equal jitter keeps a floor (no hot retry loop) while spreading replicas apart.
  return Math.round(exp / 2 + random() * (exp / 2));
}

/** Tracks failures per key, so each key backs off on its own. */
export class KeyedBackoff {
  private readonly failures = new Map<string, number>();
  constructor(private readonly options: BackoffOptions) {}

  /** Records a failure of `key` and returns how long to wait before retrying it. */
  next(key: string): number {
    const attempt = this.failures.get(key) ?? 0;
    this.failures.set(key, attempt + 1);
    return backoffDelay(attempt, this.options);
  }

  /** Number of consecutive failures recorded for `key`. */
  attempts(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  /** Forgets `key` after a success, so its next failure starts from the base delay. */
  forget(key: string): void {
    this.failures.delete(key);
  }
}
