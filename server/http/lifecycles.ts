import { getDatabaseHandle } from '../../db/client';
import { embeddedMaintenanceLifecycle } from '../../db/maintenance';
import { authLifecycle } from '../auth';
import { log } from '../core/log';
import { gpuLifecycle } from '../gpu';
import { jobsLifecycle } from '../jobs';
import { type KubeConnection, connectKube, startKube, stopKube } from '../kube';
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
  kubeLifecycle(),
  embeddedMaintenanceLifecycle(getDatabaseHandle, log),
];

/** The cluster connection (or the simulated cluster) opens while the database does. */
function kubeLifecycle(): Lifecycle {
  let connection: Promise<KubeConnection> | undefined;
  return {
    async prepare(config) {
      connection = connectKube({ kubeconfig: config.kube.kubeconfig, simTopology: config.kube.simTopology });
      await connection;
    },
    async start(config) {
      await startKube(config, { connection });
    },
    stop: stopKube,
  };
}
