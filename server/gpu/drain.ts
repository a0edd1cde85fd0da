import { z } from 'zod';
import { getDb } from '../../db/client';
import { type AuditActor, recordAudit } from '../audit';
import { ConflictError, InputError, NotFoundError } from '../core/errors';
import {
  type JobContext,
  type JobView,
  PermanentJobError,
  cancelJob,
  defineJobType,
  enqueueJob,
  getJob,
  isJobInterruption,
  listJobSteps,
  listJobs,
} from '../jobs';
import { type KubeClient, type KubeObject, getClusterObjects, getKubeClient, nodes as kubeNodes, pods as kubePods } from '../kube';
import {
  DRAIN_ACKNOWLEDGEMENTS,
  type DrainAcknowledgement,
  type DrainAcknowledgements,
  type DrainPreview,
  evictionRisks,
  listPdbs,
  missingAcknowledgements,
  pdbSelects,
  previewDrain,
} from './maintenance';
import { parseGpuInput } from './parse';
import { gpuMessages as gm, msg } from './messages';

/** A pod as server/kube returns it (this context does not import the client library). */
type V1Pod = Parameters<typeof kubePods.isMirrorPod>[0];

/**
 * Drain as a durable job (`gpu.drain`): cordon, evict pod by pod through the Eviction API
 * (PodDisruptionBudgets honoured), wait until the evicted pods are gone, report. Every step
 * is idempotent and recorded, so a retry or a restart resumes with the pods not yet gone;
 * a pod a budget protects fails the attempt with the budget's name and numbers, and the
 * job retries with backoff until the budget allows it (or the attempts run out). Bare pods
 * and pods with emptyDir volumes are evicted only with the acknowledgement the drain was
 * started with (`force`, `deleteEmptyDirData`, as kubectl drain); without it they are
 * blocked the same way.
 */

export const DRAIN_JOB_TYPE = 'gpu.drain';
/** The owner type of drain jobs; the owner id is the node's name. */
export const DRAIN_OWNER = 'node';

export interface DrainPayload {
  node: string;
  /** Evict bare pods (no controller re-creates them). Absent in jobs queued before it existed: false. */
  force?: boolean;
  /** Evict pods with emptyDir volumes (their data is lost). Absent in older jobs: false. */
  deleteEmptyDirData?: boolean;
}

function acknowledgementsOf(payload: DrainPayload): DrainAcknowledgements {
  return { force: payload.force === true, deleteEmptyDirData: payload.deleteEmptyDirData === true };
}

const plannedPod = z.object({ namespace: z.string(), name: z.string(), uid: z.string().min(1) });
type PlannedPod = z.infer<typeof plannedPod>;

/** Step key prefix of the pods the drain met on the node; the output names the pod. */
const POD_STEP = 'pod:';

export interface DrainJobResult {
  node: string;
  /** Pods this drain evicted (and saw go). */
  evicted: string[];
  /** Pods that went without this drain's eviction (deleted by someone else, or replaced). */
  gone: string[];
  skipped: Array<{ pod: string; reason: string }>;
}

/** Tunables (tests shorten them). */
export const drainTiming = {
  /** How long one attempt waits for an evicted pod to disappear before retrying later. */
  goneTimeoutMs: 5 * 60_000,
  pollMs: 250,
  /** Rounds of "read the node's pods, evict the new ones" per attempt before waiting for a retry. */
  maxRounds: 5,
};

/** The job's identity in the audit events it writes itself. */
export const drainJobActor: AuditActor = { id: null, name: 'gpu drain job', roles: [] };

/**
 * A pod that may not go now: a PodDisruptionBudget protects it (the Eviction API answered
 * 429), or evicting it takes an acknowledgement the drain was started without.
 */
class EvictionBlocked extends Error {
  constructor(
    readonly pod: string,
    readonly pdbs: string[],
    message: string,
    readonly needs: DrainAcknowledgement[] = [],
  ) {
    super(message);
    this.name = 'EvictionBlocked';
  }
}

function keyOf(p: { namespace: string; name: string }): string {
  return `${p.namespace}/${p.name}`;
}

/** Why a pod stays on a drained node (as kubectl drain decides), or null when it must go. */
function skipReason(pod: V1Pod): string | null {
  if (kubePods.isMirrorPod(pod)) return 'mirror (static) pod';
  if (kubePods.isDaemonSetPod(pod)) return 'managed by a DaemonSet';
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') return `pod already ${phase.toLowerCase()}`;
  return null;
}

/** Explains a 429 with the budgets that select the pod, and their numbers. */
async function blockedBy(client: KubeClient, pod: V1Pod, serverReason: string): Promise<EvictionBlocked> {
  const key = keyOf({ namespace: pod.metadata?.namespace ?? '', name: pod.metadata?.name ?? '' });
  const labels = pod.metadata?.labels ?? {};
  const pdbs = (await listPdbs(client).catch(() => [])).filter((p) => p.namespace === (pod.metadata?.namespace ?? '') && pdbSelects(p, labels));
  if (pdbs.length === 0) return new EvictionBlocked(key, [], `${key}: ${serverReason}`);
  const parts = pdbs.map(
    (p) => `PodDisruptionBudget ${p.namespace}/${p.name} allows ${p.disruptionsAllowed} disruption${p.disruptionsAllowed === 1 ? '' : 's'} now (${p.currentHealthy} healthy, ${p.desiredHealthy} required)`,
  );
  return new EvictionBlocked(key, pdbs.map((p) => `${p.namespace}/${p.name}`), `${key}: ${parts.join('; ')}`);
}

/**
 * Evicts one pod (by uid: a pod re-created under the same name is not this one). Idempotent.
 * A bare pod or one with emptyDir volumes is refused (EvictionBlocked) unless acknowledged;
 * checked on the pod as it is now, as kubectl drain checks before it evicts.
 */
async function evictOne(client: KubeClient, planned: PlannedPod, given: DrainAcknowledgements): Promise<{ evicted: boolean }> {
  const current = await kubePods.getPod(client, planned.namespace, planned.name);
  if (!current.ok) {
    if (current.error?.code === 404) return { evicted: false };
    throw new Error(`${keyOf(planned)}: ${current.reason}`);
  }
  if (current.value.metadata?.uid !== planned.uid) return { evicted: false };
  if (current.value.metadata?.deletionTimestamp) return { evicted: true };
  const unacknowledged = missingAcknowledgements(evictionRisks(current.value), given);
  if (unacknowledged) throw new EvictionBlocked(keyOf(planned), [], `${keyOf(planned)}: ${unacknowledged.reason}`, unacknowledged.missing);
  const result = await kubePods.evictPod(client, planned.namespace, planned.name);
  if (result.ok) return { evicted: true };
  if (result.error?.code === 404) return { evicted: false };
  if (result.error?.code === 429) throw await blockedBy(client, current.value, result.reason);
  throw new Error(`${keyOf(planned)}: eviction failed: ${result.reason}`);
}

/** Waits until the pod (this uid) no longer exists, heartbeating; throws after goneTimeoutMs. */
async function waitGone(client: KubeClient, planned: PlannedPod, ctx: JobContext<DrainPayload>): Promise<true> {
  const deadline = Date.now() + drainTiming.goneTimeoutMs;
  let lastBeat = Date.now();
  for (;;) {
    const current = await kubePods.getPod(client, planned.namespace, planned.name);
    if (!current.ok && current.error?.code === 404) return true;
    if (current.ok && current.value.metadata?.uid !== planned.uid) return true;
    if (Date.now() > deadline) throw new Error(`${keyOf(planned)} was evicted but is still terminating after ${Math.round(drainTiming.goneTimeoutMs / 1000)} s`);
    if (Date.now() - lastBeat > 5_000) {
      await ctx.heartbeat();
      lastBeat = Date.now();
    }
    ctx.signal.throwIfAborted();
    await new Promise((resolve) => setTimeout(resolve, drainTiming.pollMs));
  }
}

/** The pods this drain has met on the node so far (every attempt), from their `pod:<uid>` steps. */
async function knownPods(jobId: string): Promise<Map<string, PlannedPod>> {
  const known = new Map<string, PlannedPod>();
  for (const step of await listJobSteps(jobId, { keyPrefix: POD_STEP })) {
    const parsed = plannedPod.safeParse(step.output);
    if (step.state === 'succeeded' && parsed.success) known.set(parsed.data.uid, parsed.data);
  }
  return known;
}

async function runDrain(ctx: JobContext<DrainPayload>): Promise<DrainJobResult> {
  const client = getKubeClient();
  const { node } = ctx.payload;
  const given = acknowledgementsOf(ctx.payload);

  await ctx.step('cordon', async () => {
    const current = await kubeNodes.readNode(client, node);
    if (!current.ok) {
      if (current.error?.code === 404) throw new PermanentJobError(`There is no node called ${node} any more.`);
      throw new Error(current.reason);
    }
    if (current.value.spec?.unschedulable === true) return { alreadyCordoned: true };
    const cordoned = await kubeNodes.cordonNode(client, node);
    if (!cordoned.ok && cordoned.reason !== 'node is cordoned') throw new Error(`could not cordon ${node}: ${cordoned.reason}`);
    return { alreadyCordoned: false };
  });

  // The pods met in earlier attempts, plus whatever is on the node now. The node's pods are
  // read again each round: pods can still land on it (bound before the cordon took effect,
  // or created with spec.nodeName, which bypasses the scheduler) and pods can vanish.
  const known = await knownPods(ctx.job.id);
  const skipped = new Map<string, string>();
  const tried = new Set<string>();
  const evicted = new Set<string>();
  const goneBefore = new Set<string>();
  const blocked: EvictionBlocked[] = [];
  const failed: string[] = [];
  const progress = () =>
    ctx.setProgress(evicted.size + goneBefore.size, known.size, blocked.length > 0 ? `blocked: ${blocked.map((b) => b.pod).join(', ')}` : 'evicting');

  for (let round = 0; ; round++) {
    const listed = await kubePods.listPods(client, { fieldSelector: `spec.nodeName=${node}` });
    if (!listed.ok) throw new Error(`listing the pods of ${node} failed: ${listed.reason}`);
    for (const pod of listed.value) {
      const p = { namespace: pod.metadata?.namespace ?? 'default', name: pod.metadata?.name ?? '', uid: pod.metadata?.uid ?? '' };
      const reason = skipReason(pod);
      if (reason) skipped.set(keyOf(p), reason);
      else if (!known.has(p.uid)) known.set(p.uid, await ctx.step(`${POD_STEP}${p.uid}`, () => p));
    }
    const todo = [...known.values()].filter((p) => !tried.has(p.uid)).sort((a, b) => keyOf(a).localeCompare(keyOf(b)));
    if (todo.length === 0) break;
    if (round >= drainTiming.maxRounds) {
      throw new Error(`pods keep arriving on ${node} although it is cordoned (${todo.map(keyOf).join(', ')}); trying again later`);
    }
    // Evict every pod that may go now (a recorded step returns at once), then wait for them together.
    const toWait: PlannedPod[] = [];
    for (const pod of todo) {
      tried.add(pod.uid);
      try {
        const outcome = await ctx.step(`evict:${pod.uid}`, () => evictOne(client, pod, given));
        if (outcome.evicted) toWait.push(pod);
        else goneBefore.add(keyOf(pod));
      } catch (error) {
        if (isJobInterruption(error)) throw error;
        if (error instanceof EvictionBlocked) blocked.push(error);
        else failed.push(error instanceof Error ? error.message : String(error));
      }
    }
    await progress();
    for (const pod of toWait) {
      try {
        await ctx.step(`gone:${pod.uid}`, () => waitGone(client, pod, ctx));
        evicted.add(keyOf(pod));
        await progress();
      } catch (error) {
        if (isJobInterruption(error)) throw error;
        failed.push(error instanceof Error ? error.message : String(error));
      }
    }
    if (blocked.length > 0 || failed.length > 0) break;
  }

  if (blocked.length > 0 || failed.length > 0) {
    const lines = [
      ...blocked.map((b) => `blocked — ${b.message}`),
      ...failed.map((f) => `failed — ${f}`),
    ];
    const total = known.size;
    // Acknowledgements are fixed for the job: say how to give them.
    const missing = DRAIN_ACKNOWLEDGEMENTS.filter((a) => blocked.some((b) => b.needs.includes(a)));
    const hint = missing.length > 0 ? ` (this drain was started without ${missing.join(' and ')}: stop it and start it again with ${missing.length === 1 ? 'that acknowledgement' : 'those acknowledgements'} to evict such pods)` : '';
    // A retryable failure, as for a budget: the job comes back after its backoff and tries the
    // rest again (a blocked pod may still go by itself: finish, or be deleted by its owner).
    throw new Error(`${total - evicted.size - goneBefore.size} of ${total} pods on ${node} are not evicted yet: ${lines.join(' | ')}${hint}`);
  }

  const result: DrainJobResult = {
    node,
    evicted: [...evicted].sort(),
    gone: [...goneBefore].sort(),
    skipped: [...skipped].map(([pod, reason]) => ({ pod, reason })).sort((a, b) => a.pod.localeCompare(b.pod)),
  };
  await ctx.stepInTransaction('report', (tx) =>
    recordAudit(tx, {
      actor: { ...drainJobActor, name: `gpu drain job (asked for by ${ctx.job.createdBy.name})` },
      action: 'gpu.node.drain.complete',
      targetType: 'node',
      targetId: node,
      after: { job: ctx.job.id, evicted: result.evicted.length, gone: result.gone.length, skipped: result.skipped.length },
    }),
  );
  return result;
}

export const drainJob = defineJobType<DrainPayload, DrainJobResult>(DRAIN_JOB_TYPE, {
  payload: z.object({ node: z.string().min(1).max(253), force: z.boolean().optional(), deleteEmptyDirData: z.boolean().optional() }),
  // Blocked pods wait for their budgets: retries every few seconds, growing to a minute,
  // for about an hour in all; then the job fails with the last explanation.
  backoff: { baseMs: 2_000, maxMs: 60_000 },
  maxAttempts: 60,
  timeoutMs: 30 * 60_000,
  handler: runDrain,
});

/** A checkbox (absent, "on", "true") or a JSON boolean; absent means not acknowledged. */
const acknowledgement = z
  .union([z.boolean(), z.enum(['true', 'on', 'false', ''])], { error: gm.tickBox })
  .optional()
  .transform((v) => v === true || v === 'true' || v === 'on');

const startDrainInput = z.object({
  confirm: z.string({ error: gm.confirmRequired }).trim(),
  force: acknowledgement,
  deleteEmptyDirData: acknowledgement,
});

/**
 * Starts draining a node (audited): `confirm` must be the node's name; `force` lets it evict
 * bare pods and `deleteEmptyDirData` pods with emptyDir volumes (both stored in the payload
 * and the audit event). The job is queued in the transaction of the audit event; when one
 * already runs for the node, that one is returned (`created: false`) — unless it lacks an
 * acknowledgement this request gives (ConflictError: stop it first).
 */
export async function startDrain(actor: AuditActor, node: string, input: unknown): Promise<{ jobId: string; created: boolean }> {
  const { confirm, force, deleteEmptyDirData } = parseGpuInput(startDrainInput, input);
  if (confirm !== node) throw new InputError(gm.invalidInput, { confirm: [msg(gm.confirmDrain, { node })] });
  const objects = await getClusterObjects();
  if (!objects.nodes.some((n) => n.metadata.name === node)) throw new NotFoundError(msg(gm.noNode, { name: node }));
  return getDb().transaction(async (tx) => {
    const job = await enqueueJob(tx, { type: drainJob, payload: { node, force, deleteEmptyDirData }, owner: { type: DRAIN_OWNER, id: node }, dedupeKey: node, actor });
    if (!job.created) {
      // Joining a running drain must not drop what this request acknowledges.
      const running = acknowledgementsOf(((await getJob(job.id, tx))?.payload ?? { node }) as DrainPayload);
      const lacking = DRAIN_ACKNOWLEDGEMENTS.filter((a) => ({ force, deleteEmptyDirData })[a] && !running[a]);
      if (lacking.length > 0) {
        throw new ConflictError(msg(lacking.length === 1 ? gm.drainRunningWithoutOne : gm.drainRunningWithoutMany, { node, lacking: { list: lacking } }));
      }
      return { jobId: job.id, created: false };
    }
    await recordAudit(tx, { actor, action: 'gpu.node.drain', targetType: 'node', targetId: node, after: { job: job.id, force, deleteEmptyDirData } });
    return { jobId: job.id, created: true };
  });
}

/** Where one pod of a drain stands now. */
export type DrainPodState = 'waiting' | 'evicting' | 'blocked' | 'failed' | 'gone';

export interface DrainPodView {
  /** namespace/name */
  pod: string;
  state: DrainPodState;
  /** `blocked`: the PodDisruptionBudgets (namespace/name) that refuse the eviction now. */
  pdbs: string[];
  /** `blocked`: the acknowledgements evicting it takes that the drain was started without. */
  needs: DrainAcknowledgement[];
  /** `failed`: why the last eviction attempt failed; `blocked` for lack of an acknowledgement: why it needs one. */
  reason: string | null;
  /** `gone`: true when this drain evicted it, false when it went without (deleted by someone else, replaced). */
  evictedByDrain: boolean;
}

/** The node page's view of its latest drain. */
export interface NodeDrainStatus {
  job: Pick<JobView, 'id' | 'state' | 'attempts' | 'maxAttempts' | 'lastError' | 'createdAt' | 'finishedAt' | 'cancelRequested'> & { createdBy: string; runAt: Date };
  /** Pods evicted and gone / pods to evict (from the job's progress). */
  evicted: number;
  total: number | null;
  /** Pods on the node that still have to go, now (from the watch cache). */
  remaining: string[];
  /** Budgets that refuse evictions now, with their numbers and the pods they hold. */
  blockedBy: DrainPreview['blockedBy'];
  /** What the drain was started with (`force`, `deleteEmptyDirData`). */
  acknowledged: DrainAcknowledgements;
  /** Acknowledgements it lacks for pods on the node now (those pods are `blocked`). */
  needs: DrainAcknowledgement[];
  /**
   * Every pod of the drain as it stands now: those the job met (also the ones gone since)
   * and, while it runs, those on the node it has not reached yet; sorted by name.
   */
  pods: DrainPodView[];
  result: DrainJobResult | null;
}

const ACTIVE = new Set(['queued', 'running']);

/** Each pod's state, from the job's recorded steps and the node's pods now (watch cache). */
async function drainPods(jobId: string, node: string, active: boolean, preview: DrainPreview | null, given: DrainAcknowledgements): Promise<DrainPodView[]> {
  const steps = await listJobSteps(jobId);
  const stepOf = new Map(steps.map((s) => [s.key, s]));
  const pods = new Map<string, PlannedPod>();
  for (const step of steps) {
    const parsed = step.key.startsWith(POD_STEP) && step.state === 'succeeded' ? plannedPod.safeParse(step.output) : null;
    if (parsed?.success) pods.set(parsed.data.uid, parsed.data);
  }
  const live = new Map<string, KubeObject>();
  const objects = await getClusterObjects().catch(() => null);
  for (const pod of objects?.pods ?? []) {
    if ((pod.spec as { nodeName?: string } | undefined)?.nodeName !== node || !pod.metadata.uid) continue;
    live.set(pod.metadata.uid, pod);
    // While the job runs, pods it has not met yet are part of the drain too (it will evict them).
    if (active && !pods.has(pod.metadata.uid) && !skipReason(pod as V1Pod)) {
      pods.set(pod.metadata.uid, { namespace: pod.metadata.namespace ?? 'default', name: pod.metadata.name, uid: pod.metadata.uid });
    }
  }
  const blockedPdb = new Map((preview?.pods ?? []).flatMap((p) => (p.outcome === 'blocked' ? [[keyOf(p), p.pdb] as const] : [])));
  return [...pods.values()]
    .map((p): DrainPodView => {
      const evict = stepOf.get(`evict:${p.uid}`);
      const evictedByDrain = evict?.state === 'succeeded' && (evict.output as { evicted?: boolean } | null)?.evicted === true;
      const view = { pod: keyOf(p), pdbs: [] as string[], needs: [] as DrainAcknowledgement[], reason: null, evictedByDrain };
      const current = objects ? live.get(p.uid) : undefined;
      // Without the cache, only what the job recorded counts.
      const gone = objects ? !current : stepOf.get(`gone:${p.uid}`)?.state === 'succeeded' || (evict?.state === 'succeeded' && !evictedByDrain);
      if (gone) return { ...view, state: 'gone' };
      if (current?.metadata.deletionTimestamp || evictedByDrain) return { ...view, state: 'evicting' };
      // Live, as the job will see it: the pod as it is now against what the drain was started with.
      const unacknowledged = current ? missingAcknowledgements(evictionRisks(current), given) : null;
      const pdb = blockedPdb.get(keyOf(p));
      if (pdb || unacknowledged) {
        return { ...view, state: 'blocked', pdbs: pdb ? [pdb] : [], needs: unacknowledged?.missing ?? [], reason: unacknowledged?.reason ?? null };
      }
      if (evict?.state === 'failed') return { ...view, state: 'failed', reason: evict.error };
      return { ...view, state: 'waiting' };
    })
    .sort((a, b) => a.pod.localeCompare(b.pod));
}

/** The latest drain of a node, with live remaining and blocked pods while it is not done. */
export async function getNodeDrain(node: string): Promise<NodeDrainStatus | null> {
  const { jobs } = await listJobs({ type: DRAIN_JOB_TYPE, owner: { type: DRAIN_OWNER, id: node }, limit: 1 });
  const job = jobs[0];
  if (!job) return null;
  let remaining: string[] = [];
  let blocked: DrainPreview['blockedBy'] = [];
  let preview: DrainPreview | null = null;
  if (job.state !== 'succeeded' && job.state !== 'cancelled') {
    preview = await previewDrain(node).catch(() => null);
    if (preview) {
      remaining = preview.pods.filter((p) => p.outcome !== 'skipped').map(keyOf);
      blocked = preview.blockedBy;
    }
  }
  const result = job.state === 'succeeded' ? (job.result as DrainJobResult) : null;
  const acknowledged = acknowledgementsOf(((await getJob(job.id))?.payload ?? { node }) as DrainPayload);
  const pods = await drainPods(job.id, node, ACTIVE.has(job.state), preview, acknowledged);
  const needed = new Set(pods.flatMap((p) => (p.state === 'blocked' ? p.needs : [])));
  return {
    job: {
      id: job.id,
      state: job.state,
      attempts: job.attempts,
      maxAttempts: job.maxAttempts,
      lastError: job.lastError,
      createdAt: job.createdAt,
      finishedAt: job.finishedAt,
      cancelRequested: job.cancelRequested,
      createdBy: job.createdBy.name,
      runAt: job.runAt,
    },
    evicted: job.progress?.done ?? (result ? result.evicted.length + (result.gone?.length ?? 0) : 0),
    total: job.progress?.total ?? null,
    remaining,
    blockedBy: blocked,
    acknowledged,
    needs: DRAIN_ACKNOWLEDGEMENTS.filter((a) => needed.has(a)),
    pods,
    result: result ? { ...result, gone: result.gone ?? [] } : null,
  };
}

/** Cancels the node's running drain (audited by the jobs context as `job.cancel`). The node stays cordoned. */
export async function cancelDrain(actor: AuditActor, node: string): Promise<void> {
  const { jobs } = await listJobs({ type: DRAIN_JOB_TYPE, owner: { type: DRAIN_OWNER, id: node }, limit: 1 });
  const job = jobs[0];
  if (!job || !ACTIVE.has(job.state)) throw new ConflictError(msg(gm.noDrainRunning, { node }));
  await cancelJob(job.id, actor);
}
