import type { Config } from '../config';
import { log } from '../core/log';
import { getPrivacyKeys } from './crypto';
import './job';
import { privacyMetrics } from './metrics';
import { scheduleDuePolicies } from './retention';

let timer: NodeJS.Timeout | undefined;

/**
 * Start-up of the privacy context: loads (or creates) the secret key, registers its job
 * types and metrics, and checks for due retention runs every 15 minutes on every replica
 * (a policy's run is deduplicated in the job queue, so replicas never double-purge).
 */
export const privacyLifecycle = {
  async start(_config: Config): Promise<void> {
    getPrivacyKeys();
    privacyMetrics();
    const tick = () => {
      scheduleDuePolicies().catch((error: unknown) => log.warn({ err: error }, 'retention scheduling failed'));
    };
    timer = setInterval(tick, 15 * 60_000);
    timer.unref();
    tick();
  },
  async stop(): Promise<void> {
    if (timer) clearInterval(timer);
    timer = undefined;
  },
};
