import { log } from '../core/log';
import { ensureInitialAdmin } from './initial-admin';
import { cleanupExpiredSessions } from './sessions';
import { cleanupThrottle } from './throttle';

/** How often expired sessions and stale throttle counters are removed. */
export const cleanupIntervalMs = 10 * 60_000;

/** Deletes expired sessions and forgotten throttle counters; logs how many. */
export async function runAuthCleanup(): Promise<{ sessions: number; throttle: number }> {
  const sessions = await cleanupExpiredSessions();
  const throttle = await cleanupThrottle();
  if (sessions + throttle > 0) log.info({ sessions, throttle }, 'removed expired sessions and sign-in counters');
  return { sessions, throttle };
}

/**
 * The auth context's start and stop hooks for server/http: create the first admin if none
 * exists, then clean up expired sessions every ten minutes (every replica may; deletes are
 * idempotent).
 */
export function authLifecycle(): { start(): Promise<void>; stop(): Promise<void> } {
  let timer: NodeJS.Timeout | undefined;
  return {
    async start() {
      await ensureInitialAdmin();
      await runAuthCleanup();
      timer = setInterval(() => {
        runAuthCleanup().catch((error: unknown) => log.error({ err: error }, 'auth cleanup failed'));
      }, cleanupIntervalMs);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
    },
  };
}
