import type { Config } from '../config';
import { log } from '../core/log';
import { getPrivacyKeys } from './crypto';
import { erasureJob } from './job';
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
    // Importing the job module registers its handler; naming it keeps bundlers from dropping it.
    log.debug({ jobType: erasureJob.type }, 'privacy jobs registered');
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
