import { log } from '../core/log';
import { enqueueLiteLlmSyncAtStart, litellmSyncJob } from './litellm';

/**
 * Start-up of the tenants context: names the LiteLLM sync job type (so this process's
 * workers run it) and, when LEITSTAND_LITELLM_URL is set, queues one push of the current
 * gateway limits.
 */
export const tenantsLifecycle = {
  async start(): Promise<void> {
    const job = await enqueueLiteLlmSyncAtStart().catch((error: unknown) => {
      log.warn({ err: error }, 'could not queue the LiteLLM sync');
      return null;
    });
    if (job) log.info({ job, type: litellmSyncJob.type }, 'LiteLLM sync queued');
  },
};
