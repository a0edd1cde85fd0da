import { sql } from 'drizzle-orm';
import type { Executor } from '../../../db/client';
import { kubeControllerStatus } from '../../../db/schema/kube';

/** What one controller reports about itself (kept in memory, flushed to the database). */
export interface ControllerStatus {
  controller: string;
  instanceId: string;
  startedAt: Date;
  running: boolean;
  lastReconcileAt: Date | null;
  reconcileTotal: number;
  errorTotal: number;
  queueDepth: number;
  objectsManaged: number;
  objectsDrifted: number;
  lastError: string | null;
  lastErrorAt: Date | null;
}

/** Upserts a controller's status row (the overview page reads it, whichever replica leads). */
export async function saveControllerStatus(db: Executor, status: ControllerStatus): Promise<void> {
  const values = {
    controller: status.controller,
    instanceId: status.instanceId,
    startedAt: status.startedAt,
    lastReconcileAt: status.lastReconcileAt,
    reconcileTotal: status.reconcileTotal,
    errorTotal: status.errorTotal,
    queueDepth: status.queueDepth,
    objectsManaged: status.objectsManaged,
    objectsDrifted: status.objectsDrifted,
    lastError: status.lastError,
    lastErrorAt: status.lastErrorAt,
    updatedAt: new Date(),
  };
  await db
    .insert(kubeControllerStatus)
    .values(values)
    .onConflictDoUpdate({ target: kubeControllerStatus.controller, set: { ...values, updatedAt: sql`now()` } });
}

/** Every controller's last recorded status. */
export async function loadControllerStatuses(db: Executor) {
  return db.select().from(kubeControllerStatus).orderBy(kubeControllerStatus.controller);
}
