import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemActor } from '../../../server/audit';
import { cancelDrain, drainTiming, getNodeDrain, startDrain, uncordonNode } from '../../../server/gpu';
import { getJob, startWorkers, stopWorkers } from '../../../server/jobs';
import { type KubeObject, getKubeClient } from '../../../server/kube';
import { auditEventsOf } from '../../support/auth';
import { type TestDatabase, createTestDatabase } from '../../support/database';
import { gpuDeployment, kubeCreate, kubeGet, startSimKube, stopKube, waitFor } from '../tenants/support';
import { translateServerMessage } from '../../../app/i18n/use-t';

/** A refusal's message and field errors in English, as the API answers them. */
async function english(work: Promise<unknown>): Promise<{ message: string; fieldErrors: Record<string, string[]> }> {
  try {
    await work;
  } catch (error) {
    const e = error as { message: string; fieldErrors?: Record<string, string[]> };
    const fieldErrors = Object.fromEntries(Object.entries(e.fieldErrors ?? {}).map(([k, v]) => [k, v.map((x) => translateServerMessage('en', x))]));
    return { message: translateServerMessage('en', e.message), fieldErrors };
  }
  throw new Error('expected a refusal');
}


let database: TestDatabase;
const actor = { ...systemActor, name: 'drain-test' };
const workerOptions = { pollIntervalMs: 20, leaseMs: 3_000, progressIntervalMs: 0, shutdownTimeoutMs: 2_000 };

beforeAll(async () => {
  database = await createTestDatabase();
  await startSimKube({ instanceId: 'drain-test' });
  drainTiming.pollMs = 20;
  await kubeCreate('/api/v1/namespaces', { metadata: { name: 'shop' } });
  await startWorkers(workerOptions);
});
afterAll(async () => {
  await stopWorkers();
  await stopKube();
  await database?.close();
});

type Pod = KubeObject & { spec: { nodeName?: string } };
const podsOn = async (node: string) =>
  ((await kubeGet<{ items: Pod[] }>(`/api/v1/namespaces/shop/pods?fieldSelector=spec.nodeName%3D${node}`))?.items ?? []);

async function pinnedWithBudget(name: string, node: string, replicas: number, gpus: number) {
  await kubeCreate('/apis/apps/v1/namespaces/shop/deployments', gpuDeployment(name, replicas, gpus, { nodeSelector: { 'kubernetes.io/hostname': node } }));
  await kubeCreate('/apis/policy/v1/namespaces/shop/poddisruptionbudgets', {
    metadata: { name },
    spec: { minAvailable: replicas, selector: { matchLabels: { app: name } } },
  });
  await waitFor(`PDB ${name} counts its healthy pods`, async () => {
    const pdb = await kubeGet<KubeObject & { status?: { currentHealthy?: number } }>(`/apis/policy/v1/namespaces/shop/poddisruptionbudgets/${name}`);
    return pdb?.status?.currentHealthy === replicas;
  });
}

describe('drain as a job', () => {
  it('evicts pod by pod, explains the PodDisruptionBudget that blocks, and resumes after a restart', async () => {
    const node = 'gpu-h100-01';
    // Two free pods and one a budget protects, all pinned to the node (replacements stay Pending).
    await kubeCreate('/apis/apps/v1/namespaces/shop/deployments', gpuDeployment('embedder', 2, 1, { nodeSelector: { 'kubernetes.io/hostname': node } }));
    await pinnedWithBudget('ranker', node, 1, 4);
    await waitFor('three pods on the node', async () => (await podsOn(node)).length === 3);
    const rankerUid = (await podsOn(node)).find((p) => p.metadata.name.startsWith('ranker-'))!.metadata.uid!;

    await expect(english(startDrain(actor, node, { confirm: 'wrong' }))).resolves.toMatchObject({ fieldErrors: { confirm: [`Type ${node} to confirm the drain.`] } });
    expect((await english(startDrain(actor, 'gpu-nowhere', { confirm: 'gpu-nowhere' }))).message).toMatch(/no node called gpu-nowhere/);
    const { jobId, created } = await startDrain(actor, node, { confirm: node });
    expect(created).toBe(true);
    // A second request while it runs joins the running drain.
    expect(await startDrain(actor, node, { confirm: node })).toEqual({ jobId, created: false });
    expect((await auditEventsOf({ action: 'gpu.node.drain', targetId: node })).map((e) => e.after)).toEqual([{ job: jobId, force: false, deleteEmptyDirData: false }]);

    // The first attempt evicts the embedders and stops at the budget, saying which and why.
    const blocked = await waitFor('attempt blocked by the budget', async () => {
      const job = await getJob(jobId);
      return job?.lastError && job.state !== 'running' ? job : undefined;
    });
    expect(blocked.state).toBe('queued');
    expect(blocked.lastError).toMatch(/1 of 3 pods on gpu-h100-01 are not evicted yet: blocked — shop\/ranker-\S+: PodDisruptionBudget shop\/ranker allows 0 disruptions now \(1 healthy, 1 required\)/);
    expect(blocked.steps.find((s) => s.key === `evict:${rankerUid}`)).toMatchObject({ state: 'failed', error: expect.stringMatching(/shop\/ranker/) });
    expect((await kubeGet<KubeObject & { spec: { unschedulable?: boolean } }>(`/api/v1/nodes/${node}`))!.spec.unschedulable).toBe(true);
    expect((await podsOn(node)).map((p) => p.metadata.name)).toEqual([expect.stringMatching(/^ranker-/)]);

    const status = await waitFor('the node page sees the blocked pod', async () => {
      const s = await getNodeDrain(node);
      return s && s.remaining.length === 1 ? s : undefined;
    });
    expect(status).toMatchObject({ evicted: 2, total: 3, remaining: [expect.stringMatching(/^shop\/ranker-/)], result: null });
    expect(status.blockedBy).toEqual([{ pdb: 'shop/ranker', disruptionsAllowed: 0, currentHealthy: 1, desiredHealthy: 1, pods: [expect.stringMatching(/^ranker-/)] }]);
    expect(status.pods.map((p) => [p.pod.replace(/-[^-]+-[^-]+$/, ''), p.state, p.pdbs])).toEqual([
      ['shop/embedder', 'gone', []],
      ['shop/embedder', 'gone', []],
      ['shop/ranker', 'blocked', ['shop/ranker']],
    ]);

    // "Restart": the workers stop; meanwhile the budget goes; new workers resume the same job.
    await stopWorkers();
    const evictSteps = (await getJob(jobId))!.steps.filter((s) => s.key.startsWith('evict:') && s.key !== `evict:${rankerUid}`);
    expect(evictSteps.map((s) => [s.state, s.attempts])).toEqual([
      ['succeeded', 1],
      ['succeeded', 1],
    ]);
    const gone = await getKubeClient().request('DELETE', '/apis/policy/v1/namespaces/shop/poddisruptionbudgets/ranker');
    expect(gone.status).toBeLessThan(300);
    await startWorkers(workerOptions);

    const done = await waitFor('drain finished', async () => {
      const job = await getJob(jobId);
      return job?.state === 'succeeded' ? job : undefined;
    }, 30_000);
    // The pods evicted before the restart were not evicted again.
    for (const s of evictSteps) expect(done.steps.find((x) => x.key === s.key)).toMatchObject({ state: 'succeeded', attempts: 1 });
    expect(done.steps.find((s) => s.key === `evict:${rankerUid}`)).toMatchObject({ state: 'succeeded' });
    expect(done.steps.find((s) => s.key === `evict:${rankerUid}`)!.attempts).toBeGreaterThanOrEqual(2);
    expect(done.steps.find((s) => s.key === 'cordon')).toMatchObject({ attempts: 1 });
    expect(done.result).toMatchObject({ node, evicted: [expect.stringMatching(/^shop\/embedder-/), expect.stringMatching(/^shop\/embedder-/), expect.stringMatching(/^shop\/ranker-/)] });
    expect(await podsOn(node)).toEqual([]);
    const final = await getNodeDrain(node);
    expect(final).toMatchObject({ evicted: 3, total: 3, remaining: [], blockedBy: [] });
    expect(final!.job.state).toBe('succeeded');
    const complete = await auditEventsOf({ action: 'gpu.node.drain.complete', targetId: node });
    expect(complete.map((e) => e.after)).toEqual([{ job: jobId, evicted: 3, gone: 0, skipped: 0 }]);
    await uncordonNode(actor, node);
  });

  it('cancels a blocked drain; the node stays cordoned', async () => {
    const node = 'gpu-h100-02';
    await pinnedWithBudget('search', node, 1, 2);
    await waitFor('pod on the node', async () => (await podsOn(node)).length === 1);
    const { jobId } = await startDrain(actor, node, { confirm: node });
    await waitFor('attempt blocked', async () => (await getJob(jobId))?.lastError);
    await cancelDrain(actor, node);
    const job = await waitFor('cancelled', async () => {
      const j = await getJob(jobId);
      return j?.state === 'cancelled' ? j : undefined;
    });
    expect(job.state).toBe('cancelled');
    expect((await english(cancelDrain(actor, node))).message).toMatch(/No drain of gpu-h100-02 is running/);
    expect((await podsOn(node)).length).toBe(1);
    expect((await kubeGet<KubeObject & { spec: { unschedulable?: boolean } }>(`/api/v1/nodes/${node}`))!.spec.unschedulable).toBe(true);
    expect((await auditEventsOf({ action: 'job.cancel' })).length).toBe(1);
  });

  it('reads the node again: a pod that lands after the start is evicted too, one deleted by someone else is gone, not failed', async () => {
    const node = 'gpu-l40s-01';
    await kubeCreate('/apis/apps/v1/namespaces/shop/deployments', gpuDeployment('cache', 1, 1, { nodeSelector: { 'kubernetes.io/hostname': node } }));
    await pinnedWithBudget('trainer', node, 1, 1);
    await waitFor('two pods on the node', async () => (await podsOn(node)).length === 2);
    const trainer = (await podsOn(node)).find((p) => p.metadata.name.startsWith('trainer-'))!;

    // `late` below is a bare pod: this drain may evict it (the acknowledgements have their own tests).
    const { jobId } = await startDrain(actor, node, { confirm: node, force: true });
    await waitFor('attempt blocked by the budget', async () => {
      const job = await getJob(jobId);
      return job?.lastError && job.state !== 'running' ? job : undefined;
    });
    const before = await waitFor('the node page sees the first attempt', async () => {
      const s = await getNodeDrain(node);
      return s?.pods.some((p) => p.state === 'gone') ? s : undefined;
    });
    expect(before.pods.map((p) => [p.pod, p.state, p.pdbs, p.evictedByDrain])).toEqual([
      [expect.stringMatching(/^shop\/cache-/), 'gone', [], true],
      [`shop/${trainer.metadata.name}`, 'blocked', ['shop/trainer'], false],
    ]);

    // The node is cordoned, but a pod bound by name bypasses the scheduler (as one bound just
    // before the cordon would); a static pod's mirror arrives too, and must stay.
    const pod = (name: string, annotations: Record<string, string> = {}) => ({
      metadata: { name, annotations },
      spec: { nodeName: node, containers: [{ name: 'c', image: 'busybox', resources: { requests: { cpu: '100m', memory: '64Mi' } } }] },
    });
    await kubeCreate('/api/v1/namespaces/shop/pods', pod('late'));
    await kubeCreate('/api/v1/namespaces/shop/pods', pod('static-agent', { 'kubernetes.io/config.mirror': 'abc' }));
    // The page lists the newcomer at once (from the watch cache), before the job has met it.
    await waitFor('the node page lists the new pod', async () => (await getNodeDrain(node))?.pods.some((p) => p.pod === 'shop/late'));
    // Someone else deletes the blocked pod; its Deployment's replacement cannot come to the cordoned node.
    const deleted = await getKubeClient().request('DELETE', `/api/v1/namespaces/shop/pods/${trainer.metadata.name}`);
    expect(deleted.status).toBeLessThan(300);

    const done = await waitFor('drain finished', async () => {
      const job = await getJob(jobId);
      return job?.state === 'succeeded' ? job : undefined;
    }, 30_000);
    expect(done.result).toEqual({
      node,
      evicted: [expect.stringMatching(/^shop\/cache-/), 'shop/late'],
      gone: [`shop/${trainer.metadata.name}`],
      skipped: [{ pod: 'shop/static-agent', reason: 'mirror (static) pod' }],
    });
    // The pod that went on its own is not a failed eviction: its step ended well.
    expect(done.steps.find((s) => s.key === `evict:${trainer.metadata.uid}`)).toMatchObject({ state: 'succeeded' });
    expect((await podsOn(node)).map((p) => p.metadata.name)).toEqual(['static-agent']);
    const final = await getNodeDrain(node);
    expect(final!.pods.map((p) => [p.pod, p.state, p.evictedByDrain])).toEqual([
      [expect.stringMatching(/^shop\/cache-/), 'gone', true],
      ['shop/late', 'gone', true],
      [`shop/${trainer.metadata.name}`, 'gone', false],
    ]);
    expect(final).toMatchObject({ evicted: 3, total: 3 });
    const complete = await auditEventsOf({ action: 'gpu.node.drain.complete', targetId: node });
    expect(complete.map((e) => e.after)).toEqual([{ job: jobId, evicted: 2, gone: 1, skipped: 1 }]);
  });
});

const container = { name: 'c', image: 'busybox', resources: { requests: { cpu: '100m', memory: '64Mi' } } };
/** A pod bound by name, owned by nothing: nothing re-creates it once it is evicted. */
const barePod = (name: string, node: string, spec: Record<string, unknown> = {}) => ({ metadata: { name }, spec: { nodeName: node, containers: [container], ...spec } });

async function attemptFailedWith(jobId: string, pattern: RegExp) {
  return waitFor(`an attempt that stopped with ${pattern}`, async () => {
    const job = await getJob(jobId);
    return job?.lastError && pattern.test(job.lastError) && job.state !== 'running' ? job : undefined;
  }, 20_000);
}

async function finished(jobId: string, state: 'succeeded' | 'cancelled') {
  return waitFor(`drain ${state}`, async () => {
    const job = await getJob(jobId);
    return job?.state === state ? job : undefined;
  }, 30_000);
}

describe('acknowledgements, as kubectl drain --force and --delete-emptydir-data', () => {
  it('does not evict a bare pod without force, shows it blocked, and evicts it with force', async () => {
    const node = 'gpu-l40s-02';
    await kubeCreate('/api/v1/namespaces/shop/pods', barePod('notebook', node));
    await waitFor('pod on the node', async () => (await podsOn(node)).length === 1);

    const { jobId } = await startDrain(actor, node, { confirm: node });
    const blocked = await attemptFailedWith(jobId, /notebook/);
    // Retried like a pod a budget protects: the pod may still go by itself.
    expect(blocked.state).toBe('queued');
    expect(blocked.lastError).toBe(
      '1 of 1 pods on gpu-l40s-02 are not evicted yet: blocked — shop/notebook: not evicted without acknowledgement: nothing re-creates it — evicting deletes it for good (needs force)' +
        ' (this drain was started without force: stop it and start it again with that acknowledgement to evict such pods)',
    );
    expect((await podsOn(node)).map((p) => p.metadata.name)).toEqual(['notebook']);
    const status = await getNodeDrain(node);
    expect(status).toMatchObject({ acknowledged: { force: false, deleteEmptyDirData: false }, needs: ['force'], blockedBy: [], remaining: ['shop/notebook'] });
    expect(status!.pods).toEqual([
      { pod: 'shop/notebook', state: 'blocked', pdbs: [], needs: ['force'], reason: 'not evicted without acknowledgement: nothing re-creates it — evicting deletes it for good (needs force)', evictedByDrain: false },
    ]);

    // Asking again with force does not quietly join the drain that lacks it.
    expect((await english(startDrain(actor, node, { confirm: node, force: 'on' }))).message).toBe('A drain of gpu-l40s-02 is already running without force. Stop it, then start the drain again with that acknowledgement.');
    // Without force it joins, as before.
    expect(await startDrain(actor, node, { confirm: node })).toEqual({ jobId, created: false });
    await cancelDrain(actor, node);
    await finished(jobId, 'cancelled');
    expect((await podsOn(node)).map((p) => p.metadata.name)).toEqual(['notebook']);

    // The node page's checkbox sends "on".
    const second = await startDrain(actor, node, { confirm: node, force: 'on' });
    expect(second.created).toBe(true);
    expect((await getJob(second.jobId))!.payload).toEqual({ node, force: true, deleteEmptyDirData: false });
    const done = await finished(second.jobId, 'succeeded');
    expect(done.result).toEqual({ node, evicted: ['shop/notebook'], gone: [], skipped: [] });
    expect(await podsOn(node)).toEqual([]);
    expect((await auditEventsOf({ action: 'gpu.node.drain', targetId: node })).map((e) => e.after)).toEqual([
      { job: second.jobId, force: true, deleteEmptyDirData: false },
      { job: jobId, force: false, deleteEmptyDirData: false },
    ]);
    await uncordonNode(actor, node);
  });

  it('does not evict pods with emptyDir volumes without deleteEmptyDirData (force is not enough), a pod arriving mid-drain neither, and evicts them with it', async () => {
    const node = 'cpu-01';
    await kubeCreate(
      '/apis/apps/v1/namespaces/shop/deployments',
      gpuDeployment('scratch', 1, 0, { nodeSelector: { 'kubernetes.io/hostname': node }, volumes: [{ name: 'cache', emptyDir: {} }, { name: 'shm', emptyDir: { medium: 'Memory' } }] }),
    );
    await waitFor('pod on the node', async () => (await podsOn(node)).length === 1);
    const scratch = (await podsOn(node))[0]!.metadata.name;

    await expect(english(startDrain(actor, node, { confirm: node, deleteEmptyDirData: 'maybe' }))).resolves.toMatchObject({ fieldErrors: { deleteEmptyDirData: ['Tick the box, or send true or false.'] } });
    const { jobId } = await startDrain(actor, node, { confirm: node, force: true });
    const first = await attemptFailedWith(jobId, /scratch/);
    expect(first.lastError).toBe(
      `1 of 1 pods on cpu-01 are not evicted yet: blocked — shop/${scratch}: not evicted without acknowledgement: its emptyDir data (cache, shm) would be lost (needs deleteEmptyDirData)` +
        ' (this drain was started without deleteEmptyDirData: stop it and start it again with that acknowledgement to evict such pods)',
    );

    // A pod that lands on the node while the drain runs is held to the same rule.
    await kubeCreate('/api/v1/namespaces/shop/pods', barePod('tmp', node, { volumes: [{ name: 'work', emptyDir: {} }] }));
    const second = await attemptFailedWith(jobId, /shop\/tmp/);
    expect(second.lastError).toMatch(/^2 of 2 pods on cpu-01 are not evicted yet: blocked — shop\/scratch-\S+: .* \| blocked — shop\/tmp: not evicted without acknowledgement: its emptyDir data \(work\) would be lost \(needs deleteEmptyDirData\) \(this drain/);
    const status = await getNodeDrain(node);
    expect(status!.needs).toEqual(['deleteEmptyDirData']);
    expect(status!.pods.map((p) => [p.pod, p.state, p.needs])).toEqual([
      [`shop/${scratch}`, 'blocked', ['deleteEmptyDirData']],
      ['shop/tmp', 'blocked', ['deleteEmptyDirData']],
    ]);
    expect((await podsOn(node)).map((p) => p.metadata.name).sort()).toEqual([scratch, 'tmp']);

    await cancelDrain(actor, node);
    await finished(jobId, 'cancelled');
    const again = await startDrain(actor, node, { confirm: node, force: true, deleteEmptyDirData: true });
    const done = await finished(again.jobId, 'succeeded');
    expect(done.result).toMatchObject({ evicted: [`shop/${scratch}`, 'shop/tmp'] });
    // The Deployment's replacement cannot come back to the cordoned node.
    expect((await podsOn(node)).filter((p) => p.metadata.name === scratch || p.metadata.name === 'tmp')).toEqual([]);
    expect((await auditEventsOf({ action: 'gpu.node.drain', targetId: node }))[0]!.after).toEqual({ job: again.jobId, force: true, deleteEmptyDirData: true });
  });
});
