import { type BackoffPolicy, backoffDelay } from '../core/backoff';

export type { BackoffPolicy };

export const defaultBackoff: BackoffPolicy = { baseMs: 5_000, maxMs: 15 * 60_000 };

/** The wait after a job's n-th failed attempt (n ≥ 1). */
export function retryDelay(failedAttempts: number, policy: BackoffPolicy, random?: () => number): number {
  return backoffDelay(failedAttempts - 1, policy, random);
}
