import { log } from '../core/log';
import { singleton } from '../core/singleton';
import type { KubeClient } from './client';
import { type ControllerDefinition, ControllerRunner } from './controller/runner';

/**
 * Controllers of other contexts that run on the leader only, next to the desired-objects
 * controller: a context registers a factory at module load; the replica that leads builds a
 * `ControllerDefinition` from it and runs it with the same runner (work queue, backoff,
 * resync, metrics), and stops it when it loses the Lease.
 */
export interface LeaderControllerFactory {
  name: string;
  create(context: { client: KubeClient; instanceId: string }): ControllerDefinition;
  /** Periodic resync (default 30 s). */
  resyncMs?: number;
  workers?: number;
}

interface Registry {
  factories: Map<string, LeaderControllerFactory>;
  running: Map<string, ControllerRunner>;
  leading: { client: KubeClient; instanceId: string } | null;
}

// On globalThis: the Remix bundle registers, the Node entry's runtime leads.
const registry = singleton<Registry>('kube-leader-controllers', () => ({ factories: new Map(), running: new Map(), leading: null }));

async function startOne(factory: LeaderControllerFactory): Promise<void> {
  const leading = registry.leading;
  if (!leading) return;
  const runner = new ControllerRunner(factory.create(leading), { instanceId: leading.instanceId, resyncMs: factory.resyncMs, workers: factory.workers ?? 1 });
  registry.running.set(factory.name, runner);
  try {
    await runner.start();
  } catch (error) {
    log.error({ err: error, controller: factory.name }, 'controller failed to start');
  }
}

/** Registers (or replaces) a leader-only controller; starts it at once when this replica leads. */
export function registerLeaderController(factory: LeaderControllerFactory): void {
  const previous = registry.running.get(factory.name);
  registry.factories.set(factory.name, factory);
  if (!registry.leading) return;
  void (async () => {
    registry.running.delete(factory.name);
    await previous?.stop();
    await startOne(factory);
  })();
}

/** Called by the runtime when this replica starts leading. */
export async function startLeaderControllers(context: { client: KubeClient; instanceId: string }): Promise<void> {
  registry.leading = context;
  for (const factory of registry.factories.values()) await startOne(factory);
}

/** Called by the runtime when this replica stops leading (or shuts down). */
export async function stopLeaderControllers(): Promise<void> {
  registry.leading = null;
  const runners = [...registry.running.values()];
  registry.running.clear();
  await Promise.all(runners.map((r) => r.stop()));
}

/** The status of the leader-only controllers running in this replica. */
export function leaderControllerStatus() {
  return [...registry.running.values()].map((r) => r.status());
}
