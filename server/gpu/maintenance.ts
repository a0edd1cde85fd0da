import { z } from 'zod';
import { getDb } from '../../db/client';
import { type AuditActor, recordAudit } from '../audit';
import { ConflictError, InputError, NotFoundError } from '../core/errors';
import { type KubeClient, type KubeObject, getClusterObjects, getKubeClient, nodes as kubeNodes } from '../kube';
import { GPU_RESOURCE, MIG_CONFIG_LABEL, MIG_PREFIX } from './labels';
import { MIG_LAYOUTS, deviceResources, resourcesForLayout } from './mig';
import { parseGpuInput } from './parse';
import { type ClusterSnapshot, type SnapshotNode, type SnapshotPod, snapshotFromObjects } from './snapshot';
import { gpuMessages as gm, msg } from './messages';

async function audited<T>(actor: AuditActor, action: string, node: string, work: () => Promise<T>, describe: (r: T) => unknown, before?: unknown): Promise<T> {
  return getDb().transaction(async (tx) => {
    const result = await work();
    await recordAudit(tx, { actor, action, targetType: 'node', targetId: node, before, after: describe(result) });
    return result;
  });
}

function ensure<T>(result: { ok: true; value: T } | { ok: false; reason: string; error?: { code: number } }, node: string): T {
  if (result.ok) return result.value;
  if (result.error?.code === 404) throw new NotFoundError(msg(gm.noNode, { name: node }));
  throw new ConflictError(result.reason);
}

/** Marks a node unschedulable (audited); ConflictError when it already is. */
export async function cordonNode(actor: AuditActor, node: string): Promise<void> {
  await audited(actor, 'gpu.node.cordon', node, async () => ensure(await kubeNodes.cordonNode(getKubeClient(), node), node), () => ({ unschedulable: true }), { unschedulable: false });
}

/** Makes a node schedulable again (audited); ConflictError when it is not cordoned. */
export async function uncordonNode(actor: AuditActor, node: string): Promise<void> {
  await audited(actor, 'gpu.node.uncordon', node, async () => ensure(await kubeNodes.uncordonNode(getKubeClient(), node), node), () => ({ unschedulable: false }), { unschedulable: true });
}

export interface Pdb {
  namespace: string;
  name: string;
  matchLabels: Record<string, string>;
  matchExpressions: Array<{ key: string; operator: string; values?: string[] }>;
  disruptionsAllowed: number;
  currentHealthy: number;
  desiredHealthy: number;
  expectedPods: number;
}

/** True when the budget's selector selects a pod with these labels. */
export function pdbSelects(pdb: Pdb, labels: Record<string, string>): boolean {
  if (!Object.entries(pdb.matchLabels).every(([k, v]) => labels[k] === v)) return false;
  return pdb.matchExpressions.every((e) => {
    const v = labels[e.key];
    if (e.operator === 'In') return v !== undefined && (e.values ?? []).includes(v);
    if (e.operator === 'NotIn') return v === undefined || !(e.values ?? []).includes(v);
    if (e.operator === 'Exists') return v !== undefined;
    return v === undefined;
  });
}

/** Every PodDisruptionBudget with its status numbers. */
export async function listPdbs(client: KubeClient = getKubeClient()): Promise<Pdb[]> {
  const list = await client.policy.listPodDisruptionBudgetForAllNamespaces();
  return list.items.map((p) => ({
    namespace: p.metadata?.namespace ?? '',
    name: p.metadata?.name ?? '',
    matchLabels: p.spec?.selector?.matchLabels ?? {},
    matchExpressions: (p.spec?.selector?.matchExpressions ?? []).map((e) => ({ key: e.key, operator: e.operator, values: e.values })),
    disruptionsAllowed: p.status?.disruptionsAllowed ?? 0,
    currentHealthy: p.status?.currentHealthy ?? 0,
    desiredHealthy: p.status?.desiredHealthy ?? 0,
    expectedPods: p.status?.expectedPods ?? 0,
  }));
}

/**
 * What a drain must be told before it evicts pods whose eviction destroys something, as
 * kubectl drain asks for `--force` and `--delete-emptydir-data`.
 */
export const DRAIN_ACKNOWLEDGEMENTS = ['force', 'deleteEmptyDirData'] as const;
export type DrainAcknowledgement = (typeof DRAIN_ACKNOWLEDGEMENTS)[number];
export type DrainAcknowledgements = Record<DrainAcknowledgement, boolean>;

/** What evicting a pod destroys beyond the pod itself. */
export interface EvictionRisks {
  /** No controller owns it (kubectl's "unmanaged"): nothing re-creates it. */
  bare: boolean;
  /** Its emptyDir volumes: their data is lost with the pod. */
  emptyDirVolumes: string[];
  /** The acknowledgements evicting it takes. */
  needs: DrainAcknowledgement[];
}

/** A pod's eviction risks, from its owner references and volumes (as kubectl drain's filters see them). */
export function evictionRisks(pod: { metadata?: object; spec?: unknown }): EvictionRisks {
  const refs = (pod.metadata as { ownerReferences?: unknown } | undefined)?.ownerReferences;
  const owners = (Array.isArray(refs) ? refs : []) as Array<{ controller?: boolean }>;
  const bare = !owners.some((o) => o.controller === true);
  const volumes = ((pod.spec as { volumes?: Array<{ name?: string; emptyDir?: unknown }> } | undefined)?.volumes ?? []);
  const emptyDirVolumes = volumes.filter((v) => v.emptyDir !== undefined && v.emptyDir !== null).map((v) => v.name ?? '');
  const needs: DrainAcknowledgement[] = [];
  if (bare) needs.push('force');
  if (emptyDirVolumes.length > 0) needs.push('deleteEmptyDirData');
  return { bare, emptyDirVolumes, needs };
}

/** The risks in words, one line each (preview notes, job messages). */
export function describeRisks(risks: EvictionRisks): string[] {
  const lines: string[] = [];
  if (risks.bare) lines.push('nothing re-creates it — evicting deletes it for good');
  if (risks.emptyDirVolumes.length > 0) lines.push(`its emptyDir data (${risks.emptyDirVolumes.join(', ')}) is lost`);
  return lines;
}

/** Why a pod waits for acknowledgements the drain was started without, or null when it has them all. */
export function missingAcknowledgements(risks: EvictionRisks, given: DrainAcknowledgements): { missing: DrainAcknowledgement[]; reason: string } | null {
  const missing = risks.needs.filter((a) => !given[a]);
  if (missing.length === 0) return null;
  const parts: string[] = [];
  if (missing.includes('force')) parts.push('nothing re-creates it — evicting deletes it for good (needs force)');
  if (missing.includes('deleteEmptyDirData')) parts.push(`its emptyDir data (${risks.emptyDirVolumes.join(', ')}) would be lost (needs deleteEmptyDirData)`);
  return { missing, reason: `not evicted without acknowledgement: ${parts.join('; ')}` };
}

type PreviewPodBase = { namespace: string; name: string; workload: string | null; gpus: number };
/** Pods a drain would evict (or a budget blocks) carry what evicting them destroys, and the acknowledgements that takes. */
type PreviewRisks = { bare: boolean; emptyDirVolumes: string[]; needs: DrainAcknowledgement[]; notes: string[] };

export type DrainPreviewPod =
  | (PreviewPodBase & { outcome: 'skipped'; reason: string })
  | (PreviewPodBase & PreviewRisks & { outcome: 'blocked'; reason: string; pdb: string })
  | (PreviewPodBase & PreviewRisks & { outcome: 'evicted'; reschedule: string | null; rescheduleReason: string });

export interface DrainPreview {
  node: string;
  cordoned: boolean;
  pods: DrainPreviewPod[];
  blockedBy: Array<{ pdb: string; disruptionsAllowed: number; currentHealthy: number; desiredHealthy: number; pods: string[] }>;
  /**
   * The acknowledgements starting the drain takes (in DRAIN_ACKNOWLEDGEMENTS order): `force`
   * when a pod is bare, `deleteEmptyDirData` when one has emptyDir volumes. Without one, such
   * pods are not evicted; the drain reports them as blocked.
   */
  needs: DrainAcknowledgement[];
  /** True when no PodDisruptionBudget blocks: every pod that must go can go now (given the acknowledgements in `needs`). */
  complete: boolean;
}

function tolerated(pod: SnapshotPod, taint: { key: string; value?: string; effect: string }): boolean {
  return pod.tolerations.some(
    (t) => (!t.key || t.key === taint.key) && (!t.effect || t.effect === taint.effect) && (t.operator === 'Exists' || (t.value ?? '') === (taint.value ?? '')),
  );
}

/** Where a replacement for `pod` could go (best fit on GPUs), tracking what earlier replacements took. */
function rescheduleTarget(pod: SnapshotPod, spec: Record<string, unknown>, snapshot: ClusterSnapshot, drained: string, taken: Map<string, Record<string, number>>): { node: string | null; reason: string } {
  const selector = (spec.nodeSelector ?? {}) as Record<string, string>;
  const terms = ((spec.affinity as { nodeAffinity?: { requiredDuringSchedulingIgnoredDuringExecution?: { nodeSelectorTerms?: Array<{ matchExpressions?: Array<{ key: string; operator: string; values?: string[] }> }> } } } | undefined)
    ?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? []);
  const matchTerm = (node: SnapshotNode) =>
    terms.length === 0 ||
    terms.some((t) =>
      (t.matchExpressions ?? []).every((e) => {
        const v = node.labels[e.key];
        if (e.operator === 'In') return v !== undefined && (e.values ?? []).includes(v);
        if (e.operator === 'NotIn') return v === undefined || !(e.values ?? []).includes(v);
        if (e.operator === 'Exists') return v !== undefined;
        if (e.operator === 'DoesNotExist') return v === undefined;
        return false;
      }),
    );
  let best: SnapshotNode | null = null;
  let bestLeft = Number.POSITIVE_INFINITY;
  let lacking = 0;
  for (const node of snapshot.nodes) {
    if (node.name === drained || node.unschedulable) continue;
    if (node.taints.some((t) => t.effect !== 'PreferNoSchedule' && !tolerated(pod, t))) continue;
    if (!Object.entries(selector).every(([k, v]) => node.labels[k] === v) || !matchTerm(node)) continue;
    const t = taken.get(node.name) ?? {};
    const fits = Object.entries(pod.requests).every(([r, v]) => v <= (node.allocatable[r] ?? 0) - (node.used[r] ?? 0) - (t[r] ?? 0) + 1e-9) &&
      (node.allocatable.pods === undefined || (node.used.pods ?? 0) + (t.pods ?? 0) + 1 <= node.allocatable.pods);
    if (!fits) {
      lacking++;
      continue;
    }
    const left = (node.allocatable[GPU_RESOURCE] ?? 0) - (node.used[GPU_RESOURCE] ?? 0) - (t[GPU_RESOURCE] ?? 0);
    if (left < bestLeft) {
      best = node;
      bestLeft = left;
    }
  }
  if (!best) return { node: null, reason: lacking > 0 ? `no other node has room (${lacking} match but lack resources)` : 'no other node matches its selector, affinity and tolerations' };
  const t = taken.get(best.name) ?? { pods: 0 };
  for (const [r, v] of Object.entries(pod.requests)) t[r] = (t[r] ?? 0) + v;
  t.pods = (t.pods ?? 0) + 1;
  taken.set(best.name, t);
  return { node: best.name, reason: 'fits there now' };
}

/**
 * What a drain would do, without doing it: which pods would be evicted, which
 * PodDisruptionBudgets would refuse (with their numbers), where replacements would go.
 */
export async function previewDrain(node: string): Promise<DrainPreview> {
  const objects = await getClusterObjects();
  const target = objects.nodes.find((n) => n.metadata.name === node);
  if (!target) throw new NotFoundError(msg(gm.noNode, { name: node }));
  const snapshot = snapshotFromObjects(objects.nodes, objects.pods);
  const specs = new Map<string, KubeObject>(objects.pods.map((p) => [`${p.metadata.namespace}/${p.metadata.name}`, p]));
  const pdbs = await listPdbs();
  const allowance = new Map(pdbs.map((p) => [`${p.namespace}/${p.name}`, p.disruptionsAllowed]));
  const taken = new Map<string, Record<string, number>>();
  const blocked = new Map<string, DrainPreview['blockedBy'][number]>();
  const pods: DrainPreviewPod[] = [];
  for (const pod of (snapshot.pods ?? []).filter((p) => p.node === node).sort((a, b) => `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`))) {
    const raw = specs.get(`${pod.namespace}/${pod.name}`)!;
    const base = { namespace: pod.namespace, name: pod.name, workload: pod.workload, gpus: pod.requests[GPU_RESOURCE] ?? 0 };
    const owners = (raw.metadata.ownerReferences ?? []) as Array<{ kind?: string; controller?: boolean }>;
    if (raw.metadata.annotations?.['kubernetes.io/config.mirror']) {
      pods.push({ ...base, outcome: 'skipped', reason: 'mirror (static) pod' });
      continue;
    }
    if (owners.some((o) => o.kind === 'DaemonSet' && o.controller)) {
      pods.push({ ...base, outcome: 'skipped', reason: 'managed by a DaemonSet' });
      continue;
    }
    const risks = evictionRisks(raw);
    const marks: PreviewRisks = { bare: risks.bare, emptyDirVolumes: risks.emptyDirVolumes, needs: risks.needs, notes: describeRisks(risks) };
    const guarding = pdbs.filter((p) => p.namespace === pod.namespace && pdbSelects(p, pod.labels));
    const exhausted = guarding.find((p) => (allowance.get(`${p.namespace}/${p.name}`) ?? 0) <= 0);
    if (exhausted) {
      const key = `${exhausted.namespace}/${exhausted.name}`;
      const entry = blocked.get(key) ?? {
        pdb: key,
        disruptionsAllowed: exhausted.disruptionsAllowed,
        currentHealthy: exhausted.currentHealthy,
        desiredHealthy: exhausted.desiredHealthy,
        pods: [],
      };
      entry.pods.push(pod.name);
      blocked.set(key, entry);
      pods.push({
        ...base,
        ...marks,
        outcome: 'blocked',
        pdb: key,
        reason: `PodDisruptionBudget ${key} allows ${exhausted.disruptionsAllowed} disruption${exhausted.disruptionsAllowed === 1 ? '' : 's'} now (${exhausted.currentHealthy} healthy, ${exhausted.desiredHealthy} required${exhausted.disruptionsAllowed > 0 ? '; used up by pods listed before this one' : ''})`,
      });
      continue;
    }
    for (const p of guarding) allowance.set(`${p.namespace}/${p.name}`, (allowance.get(`${p.namespace}/${p.name}`) ?? 0) - 1);
    if (risks.bare) {
      pods.push({ ...base, ...marks, outcome: 'evicted', reschedule: null, rescheduleReason: 'a bare pod: nothing re-creates it' });
      continue;
    }
    const where = rescheduleTarget(pod, (raw.spec ?? {}) as Record<string, unknown>, snapshot, node, taken);
    pods.push({ ...base, ...marks, outcome: 'evicted', reschedule: where.node, rescheduleReason: where.reason });
  }
  const needed = new Set(pods.flatMap((p) => (p.outcome === 'skipped' ? [] : p.needs)));
  return {
    node,
    cordoned: (target.spec as { unschedulable?: boolean } | undefined)?.unschedulable === true,
    pods,
    blockedBy: [...blocked.values()],
    needs: DRAIN_ACKNOWLEDGEMENTS.filter((a) => needed.has(a)),
    complete: pods.every((p) => p.outcome !== 'blocked'),
  };
}

export interface MigPreview {
  node: string;
  product: string | null;
  gpus: number;
  current: { layout: string | null; state: string | null; resources: Record<string, number> };
  next: { layout: string; resources: Record<string, number> };
  /** Pods that use the node's GPUs now: the MIG manager refuses to reconfigure while they run. */
  podsUsingGpus: string[];
  problems: string[];
}

/** The resources a node would advertise under another MIG layout, and what stands in the way. */
export async function previewMigLayout(node: string, layout: string): Promise<MigPreview> {
  const objects = await getClusterObjects();
  const raw = objects.nodes.find((n) => n.metadata.name === node);
  if (!raw) throw new NotFoundError(msg(gm.noNode, { name: node }));
  const snapshot = snapshotFromObjects([raw], objects.pods.filter((p) => (p.spec as { nodeName?: string } | undefined)?.nodeName === node));
  const n = snapshot.nodes[0]!;
  const gpus = Number(n.labels['nvidia.com/gpu.count'] ?? 0);
  const problems: string[] = [];
  if (!(layout in MIG_LAYOUTS)) problems.push(msg(gm.migUnknownLayout, { layout, layouts: Object.keys(MIG_LAYOUTS).join(', ') }));
  if (n.labels['nvidia.com/mig.capable'] !== 'true') problems.push(n.labels['nvidia.com/gpu.product'] ? msg(gm.migUnsupported, { product: n.labels['nvidia.com/gpu.product'] }) : gm.migUnsupportedNode);
  if (n.labels['nvidia.com/mig.strategy'] && n.labels['nvidia.com/mig.strategy'] !== 'mixed')
    problems.push(msg(gm.migStrategy, { strategy: n.labels['nvidia.com/mig.strategy'] }));
  if (n.labels[MIG_CONFIG_LABEL] === layout) problems.push(msg(gm.migSameLayout, { layout }));
  const podsUsingGpus = (snapshot.pods ?? [])
    .filter((p) => Object.entries(p.requests).some(([r, v]) => v > 0 && (r === GPU_RESOURCE || r.startsWith(MIG_PREFIX))))
    .map((p) => `${p.namespace}/${p.name}`);
  if (podsUsingGpus.length > 0)
    problems.push(msg(podsUsingGpus.length === 1 ? gm.migPodBusy : gm.migPodsBusy, { n: podsUsingGpus.length }));
  const current = deviceResources(n.allocatable);
  const next = resourcesForLayout(layout, gpus) ?? {};
  // The device plugin keeps advertising resources it once registered, at 0.
  for (const r of Object.keys(current)) next[r] ??= 0;
  return {
    node,
    product: n.labels['nvidia.com/gpu.product'] ?? null,
    gpus,
    current: { layout: n.labels[MIG_CONFIG_LABEL] ?? null, state: n.labels['nvidia.com/mig.config.state'] ?? null, resources: current },
    next: { layout, resources: next },
    podsUsingGpus,
    problems,
  };
}

/**
 * Changes a node's MIG layout by setting `nvidia.com/mig.config` (the MIG manager does the
 * rest and reports in `nvidia.com/mig.config.state`). Refused, with the reasons, when the
 * preview finds problems. Audited.
 */
export async function setMigLayout(actor: AuditActor, node: string, input: unknown): Promise<MigPreview> {
  const { layout } = parseGpuInput(z.object({ layout: z.string({ error: gm.chooseMigLayout }).trim().min(1, gm.chooseMigLayout) }), input);
  const preview = await previewMigLayout(node, layout);
  if (preview.problems.length > 0) throw new InputError(gm.migCannotChange, { layout: preview.problems });
  await audited(
    actor,
    'gpu.node.mig-layout',
    node,
    async () => ensure(await kubeNodes.setNodeLabels(getKubeClient(), node, { [MIG_CONFIG_LABEL]: layout }), node),
    () => ({ layout, resources: preview.next.resources }),
    { layout: preview.current.layout, resources: preview.current.resources },
  );
  return preview;
}
