import { sql } from 'drizzle-orm';
import type { Database } from '../../../db/client';
import { kubeDesiredObjects } from '../../../db/schema/kube';
import { log } from '../../core/log';
import { type KubeApiError, type KubeClient, MANAGED_BY_LABEL, MANAGED_BY_VALUE } from '../client';
import {
  type DesiredObjectRow,
  desiredCounts,
  desiredRefs,
  desiredSummaries,
  loadDesiredRow,
  removeDeletedRow,
  writeObserved,
} from '../desired';
import {
  type KubeObject,
  type ObjectRef,
  applyObject,
  deleteManagedObject,
  getObject,
  objectKey,
  parseObjectKey,
  resourceFor,
} from '../resources';
import type { BackoffOptions } from './backoff';
import { describeDrift, findDrift } from './drift';
import { Reflector } from './reflector';
import { type ControllerDefinition, ControllerRunner, type ReconcileResult } from './runner';
import { saveControllerStatus } from './status';

export const DESIRED_CONTROLLER = 'desired-objects';

export interface DesiredControllerOptions {
  client: KubeClient;
  db: Database;
  instanceId: string;
  workers?: number;
  resyncMs?: number;
  /** How often the database is polled for new or changed desired objects. */
  pollMs?: number;
  /** How often the status row is written. */
  statusMs?: number;
  watchTimeoutSeconds?: number;
  /** Per-key retry backoff (default 200 ms doubling to 30 s, with jitter). */
  backoff?: BackoffOptions;
}

class ReconcileError extends Error {
  constructor(
    message: string,
    readonly kube?: KubeApiError,
  ) {
    super(message);
  }
}

function observedFields(object: KubeObject) {
  const status = (object.status ?? null) as Record<string, unknown> | null;
  const statusGeneration = status && typeof status.observedGeneration === 'number' ? status.observedGeneration : null;
  return {
    observedStatus: status,
    observedGeneration: typeof object.metadata.generation === 'number' ? object.metadata.generation : null,
    observedStatusGeneration: statusGeneration,
    observedResourceVersion: object.metadata.resourceVersion ?? null,
    observedExists: true,
    lastObservedAt: new Date(),
  };
}

/**
 * Converges kube_desired_objects into the cluster: server-side apply of Leitstand's own fields
 * (only when the spec hash changed, the object is missing, or a managed field drifted),
 * deletion of removed objects that carry the managed-by label, and the observed status
 * written back. Driven by watches of managed objects, a poll of changed rows, and a resync.
 */
export class DesiredObjectsController implements ControllerDefinition {
  readonly name = DESIRED_CONTROLLER;
  readonly runner: ControllerRunner;
  private readonly reflectors = new Map<string, Reflector>();
  private pollTimer: NodeJS.Timeout | undefined;
  private statusTimer: NodeJS.Timeout | undefined;
  private enqueue: (key: string) => void = () => {};
  private stopped = false;
  /** resourceVersion of each object as our own last write returned it (its watch event needs no reconcile). */
  private readonly ownWrites = new Map<string, string>();
  /** API writes (applies, deletes) this controller made, by outcome; for tests and the benchmark. */
  readonly writes = { apply: 0, delete: 0 };

  constructor(private readonly options: DesiredControllerOptions) {
    this.runner = new ControllerRunner(this, {
      instanceId: options.instanceId,
      workers: options.workers ?? 8,
      resyncMs: options.resyncMs ?? 30_000,
      ...(options.backoff ? { backoff: options.backoff } : {}),
    });
  }

  start(): Promise<void> {
    return this.runner.start();
  }

  async stop(): Promise<void> {
    await this.runner.stop();
    await this.flushStatus();
  }

  /**
   * The resync's keys: every row that is not settled, plus every row whose live object (in
   * the watch-fed cache) is not the one last observed. Like an informer's resync it trusts
   * the cache; unlike a blind one it costs no database read per unchanged object.
   */
  async listKeys(): Promise<string[]> {
    const rows = await desiredSummaries(this.options.db);
    const keys: Array<{ key: string; clusterScoped: boolean }> = [];
    for (const row of rows) {
      const reflector = this.reflectorFor(row);
      const key = objectKey(row);
      const live = reflector?.synced ? reflector.cache.get(key) : undefined;
      const settled =
        reflector?.synced &&
        !row.deletionRequestedAt &&
        row.appliedGeneration === row.generation &&
        !row.driftDetected &&
        row.lastError === null &&
        row.observedExists &&
        live !== undefined &&
        live.metadata.resourceVersion === row.observedResourceVersion;
      if (!settled) keys.push({ key, clusterScoped: !row.namespace });
    }
    // Cluster-scoped objects (namespaces) first: namespaced objects in a namespace that does
    // not exist yet would only fail and back off.
    keys.sort((a, b) => Number(b.clusterScoped) - Number(a.clusterScoped));
    return keys.map((k) => k.key);
  }

  startSources(enqueue: (key: string) => void): void {
    this.enqueue = enqueue;
    this.stopped = false;
    const poll = async () => {
      try {
        const refs = await desiredRefs(this.options.db, true);
        refs.sort((a, b) => Number(Boolean(a.namespace)) - Number(Boolean(b.namespace)));
        for (const ref of refs) {
          const key = objectKey(ref);
          // A key that keeps failing is retried on its own backoff, not on every poll.
          if (this.runner.queue.failures(key) === 0) enqueue(key);
        }
      } catch (error) {
        log.warn({ err: String(error) }, 'desired-objects poll failed');
      }
      if (!this.stopped) {
        this.pollTimer = setTimeout(poll, this.options.pollMs ?? 1000);
        this.pollTimer.unref?.();
      }
    };
    this.pollTimer = setTimeout(poll, 0);
    const flush = async () => {
      await this.flushStatus();
      if (!this.stopped) {
        this.statusTimer = setTimeout(flush, this.options.statusMs ?? 5000);
        this.statusTimer.unref?.();
      }
    };
    this.statusTimer = setTimeout(flush, this.options.statusMs ?? 5000);
    this.statusTimer.unref?.();
  }

  async stopSources(): Promise<void> {
    this.stopped = true;
    if (this.pollTimer) clearTimeout(this.pollTimer);
    if (this.statusTimer) clearTimeout(this.statusTimer);
    await Promise.all([...this.reflectors.values()].map((r) => r.stop()));
    this.reflectors.clear();
  }

  /** Writes the status row now (also done every statusMs). */
  async flushStatus(): Promise<void> {
    try {
      const counts = await desiredCounts(this.options.db);
      this.runner.setCounts(counts.managed, counts.drifted);
      await saveControllerStatus(this.options.db, this.runner.status());
    } catch (error) {
      log.warn({ err: String(error) }, 'controller status write failed');
    }
  }

  /** The watch-fed cache of a kind, started on first use. */
  private reflectorFor(ref: ObjectRef): Reflector | undefined {
    const info = resourceFor(ref.apiVersion, ref.kind);
    if (!info || this.stopped) return undefined;
    const id = `${info.apiVersion}/${info.kind}`;
    let reflector = this.reflectors.get(id);
    if (!reflector) {
      reflector = new Reflector(this.options.client, info, {
        labelSelector: `${MANAGED_BY_LABEL}=${MANAGED_BY_VALUE}`,
        watchTimeoutSeconds: this.options.watchTimeoutSeconds ?? 300,
        onEvent: (type, object) => {
          const key = objectKey({ ...object, ...object.metadata });
          const rv = object.metadata.resourceVersion;
          // The echo of our own apply changes nothing; anything else (another writer, a
          // status update, a delete) is looked at.
          if (type !== 'deleted' && rv !== undefined && this.ownWrites.get(key) === rv) return;
          this.ownWrites.delete(key);
          this.enqueue(key);
        },
      });
      this.reflectors.set(id, reflector);
      reflector.start();
    }
    return reflector;
  }

  /** The live object: from the watch cache once it has synced, else read from the API. */
  private async live(ref: ObjectRef, key: string, fresh: boolean): Promise<KubeObject | undefined> {
    const reflector = this.reflectorFor(ref);
    if (!fresh && reflector?.synced) return reflector.cache.get(key);
    const result = await getObject(this.options.client, ref);
    if (result.ok) {
      reflector?.observe(result.object);
      return result.object;
    }
    if (result.error.code === 404) return undefined;
    throw new ReconcileError(`read ${ref.kind} ${ref.name}: ${result.reason}`, result.error);
  }

  async reconcile(key: string): Promise<ReconcileResult> {
    const ref = parseObjectKey(key);
    const db = this.options.db;
    const row = await loadDesiredRow(db, ref);
    if (!row) return { outcome: 'ignored' };
    try {
      return row.deletionRequestedAt ? await this.reconcileDeletion(row, ref, key) : await this.reconcileApply(row, ref, key);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      await writeObserved(db, row.id, {
        lastError: message.slice(0, 2000),
        lastErrorAt: new Date(),
        errorCount: sql`${kubeDesiredObjects.errorCount} + 1` as unknown as number,
      });
      throw error;
    }
  }

  private async reconcileDeletion(row: DesiredObjectRow, ref: ObjectRef, key: string): Promise<ReconcileResult> {
    const result = await deleteManagedObject(this.options.client, ref);
    if (!result.ok) {
      if (!result.error) {
        // Not ours (no managed-by label): leave it, and stop wanting it.
        log.warn({ key }, 'desired object to delete is not managed by Leitstand; left in place');
        await removeDeletedRow(this.options.db, row.id, row.generation);
        return { outcome: 'ignored' };
      }
      throw new ReconcileError(`delete ${ref.kind} ${ref.name}: ${result.reason}`, result.error);
    }
    if (result.existed) this.writes.delete += 1;
    this.reflectorFor(ref)?.forget(key);
    await removeDeletedRow(this.options.db, row.id, row.generation);
    return { outcome: 'deleted' };
  }

  private async apply(manifest: KubeObject, ref: ObjectRef, force: boolean): Promise<KubeObject> {
    const result = await applyObject(this.options.client, manifest, { force });
    this.writes.apply += 1;
    if (!result.ok) {
      const causes = result.error.causes?.map((c) => c.message ?? c.field).filter(Boolean).join('; ');
      throw new ReconcileError(
        `apply ${ref.kind} ${ref.name}: ${result.error.reason}: ${result.reason}${causes ? ` (${causes})` : ''}`,
        result.error,
      );
    }
    this.reflectorFor(ref)?.observe(result.object);
    const rv = result.object.metadata.resourceVersion;
    if (rv) this.ownWrites.set(objectKey(ref), rv);
    return result.object;
  }

  private async reconcileApply(row: DesiredObjectRow, ref: ObjectRef, key: string): Promise<ReconcileResult> {
    const db = this.options.db;
    const desired = row.manifest as KubeObject;
    const needsApply = row.appliedHash !== row.specHash || row.appliedGeneration !== row.generation;
    let live = await this.live(ref, key, false);
    const heal = row.driftPolicy === 'heal';

    if (!live || needsApply) {
      // A new or changed spec (or a missing object) is Leitstand's own change: apply it.
      // Under "report", never force: a field another manager took over stays a conflict.
      let applied: KubeObject;
      try {
        applied = await this.apply(desired, ref, heal);
      } catch (error) {
        if (error instanceof ReconcileError && error.kube?.code === 409 && live) {
          const items = findDrift(desired, live);
          await writeObserved(db, row.id, {
            driftDetected: true,
            driftDescription: items.length ? describeDrift(items) : error.message,
            driftDetectedAt: row.driftDetected ? row.driftDetectedAt : new Date(),
          });
        }
        throw error;
      }
      const remaining = findDrift(desired, applied);
      await writeObserved(db, row.id, {
        appliedGeneration: row.generation,
        appliedHash: row.specHash,
        lastAppliedAt: new Date(),
        ...observedFields(applied),
        lastError: null,
        driftDetected: remaining.length > 0,
        driftDescription: remaining.length ? describeDrift(remaining) : null,
        driftDetectedAt: remaining.length ? new Date() : null,
      });
      return { outcome: 'applied' };
    }

    let drift = findDrift(desired, live);
    if (drift.length > 0) {
      // The watch cache may lag our own last write: confirm on a fresh read before acting.
      live = await this.live(ref, key, true);
      if (!live) return this.reconcileApply({ ...row, appliedHash: null }, ref, key);
      drift = findDrift(desired, live);
    }
    if (drift.length > 0) {
      const description = describeDrift(drift);
      if (heal) {
        log.info({ key, drift: description }, 'healing drift');
        const applied = await this.apply(desired, ref, true);
        const remaining = findDrift(desired, applied);
        await writeObserved(db, row.id, {
          ...observedFields(applied),
          lastError: null,
          // Healed drift stays on record (description) until a clean observation clears it.
          driftDetected: remaining.length > 0,
          driftDescription: remaining.length ? describeDrift(remaining) : `healed: ${description}`.slice(0, 4000),
          driftDetectedAt: new Date(),
        });
        return { outcome: 'drift' };
      }
      if (!row.driftDetected || row.driftDescription !== description || row.observedResourceVersion !== live.metadata.resourceVersion) {
        await writeObserved(db, row.id, {
          ...observedFields(live),
          driftDetected: true,
          driftDescription: description.slice(0, 4000),
          driftDetectedAt: row.driftDetected ? row.driftDetectedAt : new Date(),
        });
      }
      return { outcome: 'drift' };
    }

    // Steady state: nothing to write to the cluster; only record a changed observation.
    if (
      row.observedResourceVersion !== live.metadata.resourceVersion ||
      row.driftDetected ||
      row.lastError !== null ||
      !row.observedExists
    ) {
      await writeObserved(db, row.id, {
        ...observedFields(live),
        lastError: null,
        driftDetected: false,
        driftDescription: row.driftDetected ? null : row.driftDescription,
      });
    }
    return { outcome: 'unchanged' };
  }

  /** Reflector caches (tests inspect watch re-opens). */
  get caches(): ReadonlyMap<string, Reflector> {
    return this.reflectors;
  }
}
