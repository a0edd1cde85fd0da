import { registerPoolDedicationController } from './dedication-controller';
import { drainJob } from './drain';

/**
 * Start-up of the gpu context: registers the leader-only pool dedication controller with
 * server/kube and names the drain job type, so this process's workers run drains even
 * before any page loaded the context. (Registration is explicit, not a module side effect:
 * the bundler drops modules nobody imports from.)
 */
export const gpuLifecycle = {
  async start(): Promise<void> {
    registerPoolDedicationController();
    if (drainJob.type !== 'gpu.drain') throw new Error('the gpu drain job type is not registered');
  },
};
