import { authLifecycle } from '../auth';
import { gpuLifecycle } from '../gpu';
import { jobsLifecycle } from '../jobs';
import { startKube, stopKube } from '../kube';
import { privacyLifecycle } from '../privacy';
import { tenantsLifecycle } from '../tenants';
import type { Lifecycle } from './server';

/** What starts with the server, in order; stopped in reverse. */
export const lifecycles: Lifecycle[] = [
  authLifecycle(),
  jobsLifecycle,
  privacyLifecycle,
  gpuLifecycle,
  tenantsLifecycle,
  {
    async start(config) {
      await startKube(config);
    },
    stop: stopKube,
  },
];
