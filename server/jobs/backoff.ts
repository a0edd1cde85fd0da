/** How long to wait between attempts of a job type. */
export interface BackoffPolicy {
  /** Delay after the first failed attempt, in ms. */
  baseMs: number;
  /** Upper bound of any delay, in ms. */
  maxMs: number;
}

export const defaultBackoff: BackoffPolicy = { baseMs: 5_000, maxMs: 15 * 60_000 };

/**
 * Exponential backoff with "equal jitter": after the n-th failed attempt wait between half
 * and all of min(max, base·2^(n-1)). The fixed half keeps a floor (no hot retry loop); the
 * random half spreads replicas that failed together.
 */
export function backoffDelay(failedAttempts: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  // 2^30 already exceeds any sane cap; clamping the exponent avoids Infinity.
  const exponent = Math.min(Math.max(failedAttempts - 1, 0), 30);
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** exponent);
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
