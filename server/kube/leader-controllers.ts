import type { Executor } from '../../db/client';
import { log } from '../core/log';
import { singleton } from '../core/singleton';
import type { KubeClient } from './client';
import { type ControllerDefinition, ControllerRunner } from './controller/runner';
import { saveControllerStatus } from './controller/status';

/** How often the leader writes its leader-only controllers' status rows (as the desired-objects controller does). */
export const LEADER_STATUS_FLUSH_MS = 5_000;

/** What the leader hands over when it starts them: status rows go to `db`, so every replica's overview shows them. */
export interface LeaderContext {
  client: KubeClient;
  instanceId: string;
  db?: Executor;
  statusMs?: number;
}

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
  leading: LeaderContext | null;
  flushTimer: NodeJS.Timeout | undefined;
}

// On globalThis: the Remix bundle registers, the Node entry's runtime leads.
const registry = singleton<Registry>('kube-leader-controllers', () => ({ factories: new Map(), running: new Map(), leading: null, flushTimer: undefined }));

async function startOne(factory: LeaderControllerFactory): Promise<void> {
  const leading = registry.leading;
  if (!leading) return;
  const runner = new ControllerRunner(factory.create({ client: leading.client, instanceId: leading.instanceId }), { instanceId: leading.instanceId, resyncMs: factory.resyncMs, workers: factory.workers ?? 1 });
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

/** Writes the status row of every leader-only controller running here (also done every statusMs while leading). */
export async function flushLeaderControllerStatus(): Promise<void> {
  const db = registry.leading?.db;
  if (!db) return;
  await writeStatuses(db, [...registry.running.values()]);
}

async function writeStatuses(db: Executor, runners: ControllerRunner[]): Promise<void> {
  for (const runner of runners) {
    try {
      await saveControllerStatus(db, runner.status());
    } catch (error) {
      log.warn({ err: String(error), controller: runner.definition.name }, 'controller status write failed');
    }
  }
}

/** Called by the runtime when this replica starts leading. */
export async function startLeaderControllers(context: LeaderContext): Promise<void> {
  registry.leading = context;
  for (const factory of registry.factories.values()) await startOne(factory);
  if (!context.db) return;
  const flush = async () => {
    await flushLeaderControllerStatus();
    if (registry.leading === context) {
      registry.flushTimer = setTimeout(flush, context.statusMs ?? LEADER_STATUS_FLUSH_MS);
      registry.flushTimer.unref?.();
    }
  };
  await flushLeaderControllerStatus();
  registry.flushTimer = setTimeout(flush, context.statusMs ?? LEADER_STATUS_FLUSH_MS);
  registry.flushTimer.unref?.();
}

/** Called by the runtime when this replica stops leading (or shuts down); writes their last status. */
export async function stopLeaderControllers(): Promise<void> {
  const db = registry.leading?.db;
  registry.leading = null;
  if (registry.flushTimer) clearTimeout(registry.flushTimer);
  registry.flushTimer = undefined;
  const runners = [...registry.running.values()];
  registry.running.clear();
  await Promise.all(runners.map((r) => r.stop()));
  if (db) await writeStatuses(db, runners);
}

/** The status of the leader-only controllers running in this replica. */
export function leaderControllerStatus() {
  return [...registry.running.values()].map((r) => r.status());
}

/** The names of the leader-only controllers registered in this process (running or not). */
export function leaderControllerNames(): string[] {
  return [...registry.factories.keys()].sort();
}
