import { V1MicroTime, type V1Lease } from '@kubernetes/client-node';
import { log } from '../core/log';
import { type KubeClient, MANAGED_BY_LABEL, MANAGED_BY_VALUE, toKubeError } from './client';
import { controllerMetrics } from './controller/metrics';

export interface LeaderElectionOptions {
  client: KubeClient;
  namespace: string;
  name: string;
  identity: string;
  /** How long a lease is valid without renewal (15 s). */
  leaseDurationMs?: number;
  /** How often the leader renews (5 s). */
  renewIntervalMs?: number;
  /** A leader that could not renew for this long steps down (10 s, below the lease duration). */
  renewDeadlineMs?: number;
  /** How often a follower looks at the lease (2 s). */
  retryIntervalMs?: number;
  onStartedLeading: () => Promise<void> | void;
  onStoppedLeading: () => Promise<void> | void;
  /** Called whenever the observed holder changes (including to this instance). */
  onNewLeader?: (identity: string | undefined) => void;
}

/** The lease as last seen. */
export interface LeaderRecord {
  holderIdentity: string | undefined;
  acquireTime: Date | undefined;
  renewTime: Date | undefined;
  leaseDurationSeconds: number | undefined;
  leaseTransitions: number;
}

function toDate(value: unknown): Date | undefined {
  if (value instanceof Date) return value;
  if (typeof value === 'string' && value) return new Date(value);
  return undefined;
}

function recordOf(lease: V1Lease): LeaderRecord {
  return {
    holderIdentity: lease.spec?.holderIdentity || undefined,
    acquireTime: toDate(lease.spec?.acquireTime),
    renewTime: toDate(lease.spec?.renewTime),
    leaseDurationSeconds: lease.spec?.leaseDurationSeconds,
    leaseTransitions: lease.spec?.leaseTransitions ?? 0,
  };
}

/**
 * Leader election through a coordination.k8s.io/v1 Lease, in the manner of client-go: the
 * leader renews every renewInterval and fences itself (stops its controllers) when it could
 * not renew for renewDeadline; a follower takes over once the lease is a full lease duration
 * old, checking at that moment rather than a poll period later, so a crashed leader is
 * replaced at most leaseDuration after its last renewal — within 15 s of dying. Writes carry
 * the resourceVersion, so two candidates never both win.
 * On stop the leader releases the lease (empty holder) so a successor need not wait.
 */
export class LeaderElector {
  private timer: NodeJS.Timeout | undefined;
  private fence: NodeJS.Timeout | undefined;
  /** When the observed lease expires (local clock), for a follower. */
  private expiresAt: number | undefined;
  private leading = false;
  private stopped = true;
  private observed: { key: string; at: number } | undefined;
  private lastRenew = 0;
  private lease: V1Lease | undefined;
  private transition: Promise<void> = Promise.resolve();
  /** The last lease record seen (for the status page). */
  record: LeaderRecord | undefined;
  readonly leaseDurationMs: number;
  private readonly renewIntervalMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryIntervalMs: number;

  constructor(private readonly options: LeaderElectionOptions) {
    this.leaseDurationMs = options.leaseDurationMs ?? 15_000;
    this.renewIntervalMs = options.renewIntervalMs ?? 5_000;
    this.renewDeadlineMs = options.renewDeadlineMs ?? Math.round(this.leaseDurationMs * (2 / 3));
    this.retryIntervalMs = options.retryIntervalMs ?? 2_000;
  }

  get isLeader(): boolean {
    return this.leading;
  }

  get identity(): string {
    return this.options.identity;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(0);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.tick(), ms);
    this.timer.unref?.();
  }

  private async tick(): Promise<void> {
    let ok = true;
    try {
      await this.tryAcquireOrRenew();
    } catch (error) {
      ok = false;
      log.debug({ err: String(error) }, 'lease attempt failed');
    }
    this.checkDeadline();
    if (this.leading) {
      this.armFence();
      this.schedule(ok ? this.renewIntervalMs : this.retryIntervalMs);
      return;
    }
    // A follower looks again at the moment the lease would expire, not a poll period later.
    const untilExpiry = this.expiresAt !== undefined ? Math.max(0, this.expiresAt - Date.now()) + 5 : Infinity;
    this.schedule(Math.min(this.retryIntervalMs, untilExpiry));
  }

  /** The leader steps down once it has not renewed for renewDeadline (before any follower may take over). */
  private checkDeadline(): void {
    if (this.leading && Date.now() - this.lastRenew > this.renewDeadlineMs) {
      log.warn({ identity: this.identity }, 'could not renew the controller lease in time; stepping down');
      this.setLeading(false);
    }
  }

  private armFence(): void {
    if (this.fence) clearTimeout(this.fence);
    this.fence = setTimeout(() => this.checkDeadline(), Math.max(0, this.lastRenew + this.renewDeadlineMs - Date.now()) + 1);
    this.fence.unref?.();
  }

  private spec(now: V1MicroTime, transitions: number, acquire?: Date | V1MicroTime) {
    return {
      holderIdentity: this.identity,
      leaseDurationSeconds: Math.round(this.leaseDurationMs / 1000),
      acquireTime: acquire ?? now,
      renewTime: now,
      leaseTransitions: transitions,
    };
  }

  private async tryAcquireOrRenew(): Promise<void> {
    const { client, namespace, name } = this.options;
    let lease: V1Lease;
    try {
      lease = await client.coordination.readNamespacedLease({ name, namespace });
    } catch (error) {
      const e = toKubeError(error);
      if (e.code !== 404) throw error;
      const now = new V1MicroTime();
      const created = await client.coordination.createNamespacedLease({
        namespace,
        fieldManager: 'leitstand',
        body: {
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: { name, namespace, labels: { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE } },
          spec: this.spec(now, 0),
        },
      });
      this.observe(created);
      this.lastRenew = Date.now();
      this.setLeading(true);
      return;
    }
    this.observe(lease);
    const record = recordOf(lease);
    const now = new V1MicroTime();
    if (record.holderIdentity === this.identity) {
      const renewed = await client.coordination.replaceNamespacedLease({
        name,
        namespace,
        fieldManager: 'leitstand',
        body: { ...lease, spec: this.spec(now, record.leaseTransitions, record.acquireTime) },
      });
      this.observe(renewed);
      this.lastRenew = Date.now();
      this.setLeading(true);
      return;
    }
    if (this.leading) {
      // Someone else holds it: we lost it (e.g. we were partitioned past the lease duration).
      this.setLeading(false);
    }
    const expired = !record.holderIdentity || (this.expiresAt !== undefined && Date.now() >= this.expiresAt);
    if (!expired) return;
    const taken = await client.coordination.replaceNamespacedLease({
      name,
      namespace,
      fieldManager: 'leitstand',
      body: { ...lease, spec: this.spec(now, record.leaseTransitions + 1) },
    });
    this.observe(taken);
    this.lastRenew = Date.now();
    log.info({ identity: this.identity, previous: record.holderIdentity }, 'took over the controller lease');
    this.setLeading(true);
  }

  private observe(lease: V1Lease): void {
    this.lease = lease;
    const record = recordOf(lease);
    const key = `${record.holderIdentity}|${record.renewTime?.getTime()}|${lease.metadata?.resourceVersion}`;
    const now = Date.now();
    if (!this.observed || this.observed.key !== key) {
      this.observed = { key, at: now };
      if (this.record?.holderIdentity !== record.holderIdentity) this.options.onNewLeader?.(record.holderIdentity);
      // Expiry counts from the holder's renewTime, or from when we first saw this record if
      // that is earlier by our clock (a holder clock running ahead never extends the lease).
      // The leader fences itself at renewDeadline (10 s) after its last renewal, so a
      // follower clock running up to leaseDuration - renewDeadline (5 s) ahead is still safe.
      const renewed = record.renewTime?.getTime();
      const start = renewed !== undefined && renewed < now ? renewed : now;
      const duration = (record.leaseDurationSeconds ?? this.leaseDurationMs / 1000) * 1000;
      this.expiresAt = start + duration;
    }
    this.record = record;
  }

  private setLeading(value: boolean): void {
    if (this.leading === value) return;
    this.leading = value;
    controllerMetrics.isLeader.set(value ? 1 : 0);
    // Callbacks run one after another, so a quick lose/win never overlaps stop and start.
    this.transition = this.transition.then(async () => {
      try {
        if (value) await this.options.onStartedLeading();
        else await this.options.onStoppedLeading();
      } catch (error) {
        log.error({ err: String(error) }, value ? 'starting controllers failed' : 'stopping controllers failed');
      }
    });
  }

  /** Waits for the start/stop callbacks queued so far. */
  settled(): Promise<void> {
    return this.transition;
  }

  /**
   * Stops electing. With `release` (graceful shutdown) the lease is handed back so another
   * replica takes over at once; without it (a crash, in tests) it simply expires.
   */
  async stop(options: { release?: boolean } = { release: true }): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.fence) clearTimeout(this.fence);
    const wasLeading = this.leading;
    this.setLeading(false);
    await this.transition;
    if (wasLeading && options.release !== false && this.lease) {
      try {
        const current = await this.options.client.coordination.readNamespacedLease({
          name: this.options.name,
          namespace: this.options.namespace,
        });
        if (current.spec?.holderIdentity === this.identity) {
          await this.options.client.coordination.replaceNamespacedLease({
            name: this.options.name,
            namespace: this.options.namespace,
            fieldManager: 'leitstand',
            body: {
              ...current,
              spec: { ...current.spec, holderIdentity: undefined, renewTime: new V1MicroTime(), leaseDurationSeconds: 1 },
            },
          });
        }
      } catch (error) {
        log.warn({ err: String(error) }, 'could not release the controller lease; it will expire');
      }
    }
  }
}
