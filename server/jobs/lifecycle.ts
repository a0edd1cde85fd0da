import os from 'node:os';
import type { Config } from '../config';
import { startWorkers, stopWorkers } from './worker';

export interface JobsLifecycleOptions {
  /** Jobs this replica runs at once (default: LEITSTAND_JOB_CONCURRENCY); 0 runs no worker here. */
  concurrency?: number;
}

/**
 * Starts this replica's job worker with the server and stops it gracefully. Structurally a
 * server/http Lifecycle (jobs does not import http: dependencies point one way).
 */
export function createJobsLifecycle(options: JobsLifecycleOptions = {}) {
  return {
    async start(config: Config): Promise<void> {
      const concurrency = options.concurrency ?? config.jobConcurrency;
      if (concurrency === 0) return;
      await startWorkers({
        concurrency,
        workerId: config.instanceId ?? `${os.hostname()}:${process.pid}`,
        // Leaves the rest of the pod's termination grace period for releasing leases.
        shutdownTimeoutMs: Math.min(10_000, config.shutdownTimeoutSeconds * 1000),
      });
    },
    async stop(): Promise<void> {
      await stopWorkers();
    },
  };
}

/** The server's job worker, running LEITSTAND_JOB_CONCURRENCY jobs at once. */
export const jobsLifecycle = createJobsLifecycle();
