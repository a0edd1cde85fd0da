import type { V1Node, V1Pod, V1Taint } from '@kubernetes/client-node';
import type { KubeClient } from '../client';
import { Reflector, type ReflectorEvent } from '../controller/reflector';
import { type KubeObject, resourceFor } from '../resources';
import { type Result, type WriteOptions, attempt, mergePatchOptions, retryOnConflict } from './common';
import { evictPod, isDaemonSetPod, isMirrorPod, listPods } from './pods';

/** All nodes (optionally by label selector). */
export function listNodes(client: KubeClient, options: { labelSelector?: string } = {}): Promise<Result<V1Node[]>> {
  return attempt(async () => (await client.core.listNode({ labelSelector: options.labelSelector })).items);
}

/** One node; a missing node is `{ ok: false, reason: 'node … not found' }`. */
export function readNode(client: KubeClient, name: string): Promise<Result<V1Node>> {
  return attempt(
    () => client.core.readNode({ name }),
    (e) => (e.code === 404 ? `node ${name} not found` : e.message),
  );
}

/**
 * Watches nodes: `onEvent` gets every add/change/delete (after an initial list); the returned
 * function stops the watch. Drops resume from the last resourceVersion; 410 relists.
 */
export function watchNodes(
  client: KubeClient,
  onEvent: (type: ReflectorEvent, node: KubeObject) => void,
): { stop: () => Promise<void>; ready: Promise<void>; cache: ReadonlyMap<string, KubeObject> } {
  const reflector = new Reflector(client, resourceFor('v1', 'Node')!, { onEvent });
  reflector.start();
  return { stop: () => reflector.stop(), ready: reflector.waitForSync(), cache: reflector.cache };
}

/** Sets (string) or removes (null) node labels with a merge patch; other labels are untouched. */
export function setNodeLabels(
  client: KubeClient,
  name: string,
  labels: Record<string, string | null>,
  options: WriteOptions = {},
): Promise<Result<V1Node>> {
  return attempt(
    () =>
      client.core.patchNode(
        { name, body: { metadata: { labels } }, fieldManager: 'leitstand', ...(options.dryRun ? { dryRun: 'All' } : {}) },
        mergePatchOptions(),
      ),
    (e) => (e.code === 404 ? `node ${name} not found` : e.message),
  );
}

function sameTaint(a: V1Taint, b: V1Taint): boolean {
  return a.key === b.key && a.effect === b.effect;
}

/**
 * Adds or replaces taints (matched by key and effect) and removes the listed ones, keeping
 * every other taint. Read-modify-write with the resourceVersion; a 409 re-reads and retries.
 */
export function setNodeTaints(
  client: KubeClient,
  name: string,
  change: { add?: V1Taint[]; remove?: Array<Pick<V1Taint, 'key' | 'effect'>> },
  options: WriteOptions = {},
): Promise<Result<V1Node>> {
  return retryOnConflict(async () => {
    const current = await readNode(client, name);
    if (!current.ok) return current;
    const node = current.value;
    let taints = (node.spec?.taints ?? []).filter((t) => !(change.remove ?? []).some((r) => sameTaint(t, r as V1Taint)));
    for (const taint of change.add ?? []) taints = [...taints.filter((t) => !sameTaint(t, taint)), taint];
    return attempt(() =>
      client.core.replaceNode({
        name,
        body: { ...node, spec: { ...node.spec, taints } },
        fieldManager: 'leitstand',
        ...(options.dryRun ? { dryRun: 'All' } : {}),
      }),
    );
  });
}

async function setUnschedulable(
  client: KubeClient,
  name: string,
  value: boolean,
  options: WriteOptions,
): Promise<Result<V1Node>> {
  const current = await readNode(client, name);
  if (!current.ok) return current;
  const cordoned = current.value.spec?.unschedulable === true;
  if (value && cordoned) return { ok: false, reason: 'node is cordoned' };
  if (!value && !cordoned) return { ok: false, reason: 'node is not cordoned' };
  // The resourceVersion in the patch makes it conditional: a concurrent change is a 409.
  return retryOnConflict(async () => {
    const fresh = await readNode(client, name);
    if (!fresh.ok) return fresh;
    return attempt(() =>
      client.core.patchNode(
        {
          name,
          body: { metadata: { resourceVersion: fresh.value.metadata?.resourceVersion }, spec: { unschedulable: value ? true : null } },
          fieldManager: 'leitstand',
          ...(options.dryRun ? { dryRun: 'All' } : {}),
        },
        mergePatchOptions(),
      ),
    );
  });
}

/** Marks a node unschedulable; `{ ok: false, reason: 'node is cordoned' }` when it already is. */
export function cordonNode(client: KubeClient, name: string, options: WriteOptions = {}): Promise<Result<V1Node>> {
  return setUnschedulable(client, name, true, options);
}

/** Makes a node schedulable again; `{ ok: false, reason: 'node is not cordoned' }` when it is. */
export function uncordonNode(client: KubeClient, name: string, options: WriteOptions = {}): Promise<Result<V1Node>> {
  return setUnschedulable(client, name, false, options);
}

/** What happened to one pod during a drain. */
export type DrainPodOutcome =
  | { namespace: string; name: string; result: 'evicted' }
  | { namespace: string; name: string; result: 'skipped'; reason: string }
  | { namespace: string; name: string; result: 'blocked-by-pdb'; reason: string }
  | { namespace: string; name: string; result: 'failed'; reason: string };

export interface DrainReport {
  node: string;
  cordoned: boolean;
  pods: DrainPodOutcome[];
  /** True when every pod that should go was evicted. */
  complete: boolean;
}

/**
 * Cordons the node and evicts its pods through the Eviction API, so PodDisruptionBudgets are
 * honoured: a pod whose eviction the API refuses with 429 is reported as blocked-by-pdb with
 * the server's reason. DaemonSet and mirror pods are skipped (as kubectl drain does). One pass;
 * call again to retry the blocked ones once the budget allows.
 */
export async function drainNode(client: KubeClient, name: string, options: WriteOptions = {}): Promise<Result<DrainReport>> {
  const node = await readNode(client, name);
  if (!node.ok) return node;
  let cordoned = node.value.spec?.unschedulable === true;
  if (!cordoned) {
    const c = await cordonNode(client, name, options);
    if (!c.ok) return { ok: false, reason: `could not cordon node ${name}: ${c.reason}`, error: c.error };
    cordoned = true;
  }
  const pods = await listPods(client, { fieldSelector: `spec.nodeName=${name}` });
  if (!pods.ok) return pods;
  const outcomes: DrainPodOutcome[] = [];
  for (const pod of pods.value) {
    const ns = pod.metadata?.namespace ?? 'default';
    const podName = pod.metadata?.name ?? '';
    const phase = pod.status?.phase;
    if (isMirrorPod(pod)) {
      outcomes.push({ namespace: ns, name: podName, result: 'skipped', reason: 'mirror (static) pod' });
      continue;
    }
    if (isDaemonSetPod(pod)) {
      outcomes.push({ namespace: ns, name: podName, result: 'skipped', reason: 'managed by a DaemonSet' });
      continue;
    }
    if (phase === 'Succeeded' || phase === 'Failed') {
      outcomes.push({ namespace: ns, name: podName, result: 'skipped', reason: `pod already ${phase.toLowerCase()}` });
      continue;
    }
    outcomes.push(await evictForDrain(client, pod, options));
  }
  return {
    ok: true,
    value: {
      node: name,
      cordoned,
      pods: outcomes,
      complete: outcomes.every((o) => o.result === 'evicted' || o.result === 'skipped'),
    },
  };
}

async function evictForDrain(client: KubeClient, pod: V1Pod, options: WriteOptions): Promise<DrainPodOutcome> {
  const ns = pod.metadata?.namespace ?? 'default';
  const name = pod.metadata?.name ?? '';
  const result = await evictPod(client, ns, name, options);
  if (result.ok) return { namespace: ns, name, result: 'evicted' };
  if (result.error?.code === 429) return { namespace: ns, name, result: 'blocked-by-pdb', reason: result.reason };
  if (result.error?.code === 404) return { namespace: ns, name, result: 'evicted' };
  return { namespace: ns, name, result: 'failed', reason: result.reason };
}
