import { type BackoffPolicy, backoffDelay } from '../../core/backoff';

/** Backoff of the controllers: the shared policy, with an injectable random source for tests. */
export interface BackoffOptions extends BackoffPolicy {
  /** Returns a number in [0, 1); injectable so tests can pin it. */
  random?: () => number;
}

/** Tracks failures per key, so each key backs off on its own. */
export class KeyedBackoff {
  private readonly failures = new Map<string, number>();
  constructor(private readonly options: BackoffOptions) {}

  /** Records a failure of `key` and returns how long to wait before retrying it. */
  next(key: string): number {
    const attempt = this.failures.get(key) ?? 0;
    this.failures.set(key, attempt + 1);
    return backoffDelay(attempt, this.options, this.options.random);
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
