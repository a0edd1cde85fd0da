/** How long to wait between attempts: doubling from `baseMs`, never above `maxMs`. */
export interface BackoffPolicy {
  /** Delay before the first retry, in ms. */
  baseMs: number;
  /** Upper bound of any delay, in ms. */
  maxMs: number;
}

/**
 * Exponential backoff with "equal jitter": before retry number `retry` (0 = the first) wait
 * between half and all of min(max, base·2^retry). The fixed half keeps a floor (no hot retry
 * loop); the random half spreads replicas that failed together. Shared by the job queue
 * and the Kubernetes controllers.
 */
export function backoffDelay(retry: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  // 2^30 already exceeds any sane cap; clamping the exponent avoids Infinity.
  const exponent = Math.min(Math.max(retry, 0), 30);
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** exponent);
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
