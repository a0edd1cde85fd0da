import { log } from '../../core/log';
import type { BackoffOptions } from './backoff';
import { controllerMetrics } from './metrics';
import type { ControllerStatus } from './status';
import { WorkQueue } from './work-queue';

/** What a reconcile did; the label of the reconcile counter. */
export type ReconcileOutcome = 'applied' | 'unchanged' | 'deleted' | 'drift' | 'ignored';

export interface ReconcileResult {
  outcome: ReconcileOutcome;
  /** Look at the key again after this long even without an event (e.g. waiting on a rollout). */
  requeueAfterMs?: number;
}

/** The part a concrete controller supplies; the runner does queueing, retries, resync and metrics. */
export interface ControllerDefinition {
  name: string;
  /** Every key the controller is responsible for (queued on each resync). */
  listKeys(): Promise<string[]>;
  /** Converges one key. Throwing means "retry with backoff". */
  reconcile(key: string): Promise<ReconcileResult>;
  /** Starts event sources (watches, polls) that call `enqueue`. */
  startSources?(enqueue: (key: string) => void): Promise<void> | void;
  stopSources?(): Promise<void> | void;
}

export interface RunnerOptions {
  workers?: number;
  /** Periodic resync: every key is reconciled at least this often. */
  resyncMs?: number;
  backoff?: BackoffOptions;
  instanceId: string;
}

/**
 * Runs a controller: a deduplicating work queue (one in-flight reconcile per key), N workers,
 * exponential backoff with jitter on failure, a periodic resync, and counters for the status
 * page and /metrics.
 */
export class ControllerRunner {
  readonly queue: WorkQueue;
  private workers: Promise<void>[] = [];
  private resyncTimer: NodeJS.Timeout | undefined;
  private running = false;
  private readonly state: ControllerStatus;

  constructor(
    readonly definition: ControllerDefinition,
    private readonly options: RunnerOptions,
  ) {
    this.queue = new WorkQueue(options.backoff ?? { baseMs: 200, maxMs: 30_000 });
    this.state = {
      controller: definition.name,
      instanceId: options.instanceId,
      startedAt: new Date(),
      running: false,
      lastReconcileAt: null,
      reconcileTotal: 0,
      errorTotal: 0,
      queueDepth: 0,
      objectsManaged: 0,
      objectsDrifted: 0,
      lastError: null,
      lastErrorAt: null,
    };
  }

  /** Queues a key for reconciling. */
  enqueue = (key: string): void => {
    this.queue.add(key);
    controllerMetrics.queueDepth.set({ controller: this.definition.name }, this.queue.length);
  };

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.state.running = true;
    this.state.startedAt = new Date();
    await this.definition.startSources?.(this.enqueue);
    for (let i = 0; i < (this.options.workers ?? 4); i++) this.workers.push(this.work());
    await this.resync();
    this.scheduleResync();
  }

  private scheduleResync(): void {
    if (!this.running) return;
    this.resyncTimer = setTimeout(async () => {
      await this.resync();
      this.scheduleResync();
    }, this.options.resyncMs ?? 30_000);
    this.resyncTimer.unref?.();
  }

  /** Queues every key once (keys in backoff keep their backoff). */
  async resync(): Promise<void> {
    try {
      const keys = await this.definition.listKeys();
      for (const key of keys) if (this.queue.failures(key) === 0) this.enqueue(key);
    } catch (error) {
      this.recordError(error);
    }
  }

  private async work(): Promise<void> {
    for (;;) {
      const key = await this.queue.get();
      if (key === undefined) return;
      controllerMetrics.queueDepth.set({ controller: this.definition.name }, this.queue.length);
      const end = controllerMetrics.reconcileDuration.startTimer({ controller: this.definition.name });
      try {
        const result = await this.definition.reconcile(key);
        this.queue.forget(key);
        this.state.reconcileTotal += 1;
        this.state.lastReconcileAt = new Date();
        controllerMetrics.reconcileTotal.inc({ controller: this.definition.name, result: result.outcome });
        if (result.requeueAfterMs !== undefined) this.queue.addAfter(key, result.requeueAfterMs);
      } catch (error) {
        this.state.reconcileTotal += 1;
        this.state.lastReconcileAt = new Date();
        this.recordError(error);
        controllerMetrics.reconcileTotal.inc({ controller: this.definition.name, result: 'error' });
        controllerMetrics.reconcileErrors.inc({ controller: this.definition.name });
        if (this.running) {
          const delay = this.queue.addRateLimited(key);
          log.debug({ controller: this.definition.name, key, delay, err: String(error) }, 'reconcile failed; retrying');
        }
      } finally {
        end();
        this.queue.done(key);
      }
    }
  }

  private recordError(error: unknown): void {
    this.state.errorTotal += 1;
    this.state.lastError = error instanceof Error ? error.message : String(error);
    this.state.lastErrorAt = new Date();
  }

  /** The controller's counters (queue depth sampled now). */
  status(): ControllerStatus {
    return { ...this.state, queueDepth: this.queue.length + this.queue.delayedCount };
  }

  /** Sets the object counts shown with the status (the definition knows them). */
  setCounts(managed: number, drifted: number): void {
    this.state.objectsManaged = managed;
    this.state.objectsDrifted = drifted;
  }

  /** Stops sources and workers; an in-flight reconcile is allowed to finish. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.state.running = false;
    if (this.resyncTimer) clearTimeout(this.resyncTimer);
    await this.definition.stopSources?.();
    this.queue.shutDown();
    await Promise.all(this.workers);
    this.workers = [];
    controllerMetrics.queueDepth.set({ controller: this.definition.name }, 0);
  }

  get isRunning(): boolean {
    return this.running;
  }
}
