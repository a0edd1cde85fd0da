import type { SimContext } from './runtime';
import { startAdmission } from './admission';
import { startDeploymentController } from './deployment';
import { startDisruption } from './disruption';
import { startGarbageCollector } from './garbage-collector';
import { startKubelets } from './kubelet';
import { startMigManager } from './mig-manager';
import { startNamespaceController } from './namespace';
import { startQuota } from './quota';
import { startReplicaSetController } from './replicaset';
import { startScale } from './scale';
import { startScheduler } from './scheduler';

/** Starts every simulated control-plane component (order matters: indexes first). */
export function startControllers(ctx: SimContext) {
  startGarbageCollector(ctx);
  startScheduler(ctx);
  startAdmission(ctx);
  startQuota(ctx);
  startNamespaceController(ctx);
  startKubelets(ctx);
  startReplicaSetController(ctx);
  startDeploymentController(ctx);
  startDisruption(ctx);
  startScale(ctx);
  startMigManager(ctx);
}
