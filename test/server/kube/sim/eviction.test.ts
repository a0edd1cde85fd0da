import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SimHarness, apiError, deployment, eventually, startHarness } from './helpers';

let h: SimHarness;
beforeAll(async () => {
  // replacements must not be ready at once, or every eviction would be allowed
  h = await startHarness({ podTerminationDelayMs: 200, podReadyDelayMs: 400 });
  await h.core.createNamespace({ body: { metadata: { name: 'ev' } } });
  await h.apps.createNamespacedDeployment({ namespace: 'ev', body: deployment('web', { replicas: 3 }) });
});
afterAll(async () => {
  await h.sim.close();
});

const running = async () => (await h.core.listNamespacedPod({ namespace: 'ev', labelSelector: 'app=web' })).items
  .filter((p) => !p.metadata?.deletionTimestamp && p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
const pdb = () => h.policy.readNamespacedPodDisruptionBudget({ namespace: 'ev', name: 'web-pdb' });
const evict = (name: string) => h.core.createNamespacedPodEviction({ namespace: 'ev', name, body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace: 'ev' } } });

describe('PodDisruptionBudget and eviction', () => {
  it('maintains PDB status from the pods and their deployment', async () => {
    await eventually(async () => (await running()).length === 3);
    await h.policy.createNamespacedPodDisruptionBudget({ namespace: 'ev', body: { metadata: { name: 'web-pdb' }, spec: { minAvailable: '50%', selector: { matchLabels: { app: 'web' } } } } });
    const p = await eventually(async () => ((await pdb()).status?.observedGeneration === 1 ? pdb() : undefined));
    expect(p.status).toMatchObject({ expectedPods: 3, currentHealthy: 3, desiredHealthy: 2, disruptionsAllowed: 1 });
    expect(p.status!.conditions![0]).toMatchObject({ type: 'DisruptionAllowed', status: 'True', reason: 'SufficientPods' });
  });

  it('evicts while the budget allows (201) and refuses with 429 once it does not', async () => {
    const [a, b] = await running();
    const res = await h.raw('POST', `/api/v1/namespaces/ev/pods/${a!.metadata!.name}/eviction`, { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: a!.metadata!.name, namespace: 'ev' } });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 });
    expect((await h.core.readNamespacedPod({ namespace: 'ev', name: a!.metadata!.name! })).metadata?.deletionTimestamp).toBeTruthy();
    const err = await apiError(evict(b!.metadata!.name!));
    expect(err.code).toBe(429);
    expect(err.body).toEqual({
      kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', reason: 'TooManyRequests', code: 429,
      message: "Cannot evict pod as it would violate the pod's disruption budget.",
      details: { causes: [{ reason: 'DisruptionBudget', message: 'The disruption budget web-pdb needs 2 healthy pods and has 2 currently' }] },
    });
    const status = (await pdb()).status!;
    expect(status.disruptionsAllowed).toBe(0);
    expect(status.conditions![0]).toMatchObject({ status: 'False', reason: 'InsufficientPods' });
  });

  it('allows the next eviction once the replacement is ready', async () => {
    await eventually(async () => (await pdb()).status?.disruptionsAllowed === 1, 5000, 'budget to recover');
    const [c] = await running();
    await evict(c!.metadata!.name!);
    expect((await h.core.readNamespacedPod({ namespace: 'ev', name: c!.metadata!.name! })).metadata?.deletionTimestamp).toBeTruthy();
  });

  it('evicts pods without a budget, and 404s a missing pod', async () => {
    await h.core.createNamespacedPod({ namespace: 'ev', body: { metadata: { name: 'lonely' }, spec: { containers: [{ name: 'c', image: 'i:1' }] } } });
    await evict('lonely');
    await eventually(async () => (await h.raw('GET', '/api/v1/namespaces/ev/pods/lonely')).status === 404);
    expect((await apiError(evict('lonely'))).code).toBe(404);
  });

  it('honours maxUnavailable and dryRun', async () => {
    await h.policy.patchNamespacedPodDisruptionBudget({ namespace: 'ev', name: 'web-pdb', body: [{ op: 'replace', path: '/spec', value: { maxUnavailable: 0, selector: { matchLabels: { app: 'web' } } } }] },
      (await import('./helpers')).jsonPatch);
    const p = await eventually(async () => ((await pdb()).status?.observedGeneration === 2 && (await pdb()).status?.currentHealthy === 3 ? pdb() : undefined));
    expect(p.status).toMatchObject({ desiredHealthy: 3, disruptionsAllowed: 0, expectedPods: 3 });
    const [d] = await running();
    expect((await apiError(evict(d!.metadata!.name!))).code).toBe(429);
    await h.policy.patchNamespacedPodDisruptionBudget({ namespace: 'ev', name: 'web-pdb', body: [{ op: 'replace', path: '/spec/maxUnavailable', value: 1 }] },
      (await import('./helpers')).jsonPatch);
    await eventually(async () => (await pdb()).status?.disruptionsAllowed === 1);
    const dry = await h.raw('POST', `/api/v1/namespaces/ev/pods/${d!.metadata!.name}/eviction?dryRun=All`, { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: d!.metadata!.name } });
    expect(dry.status).toBe(201);
    expect((await h.core.readNamespacedPod({ namespace: 'ev', name: d!.metadata!.name! })).metadata?.deletionTimestamp).toBeUndefined();
  });

  it('refuses a PDB with both minAvailable and maxUnavailable', async () => {
    const err = await apiError(h.policy.createNamespacedPodDisruptionBudget({ namespace: 'ev', body: { metadata: { name: 'both' }, spec: { minAvailable: 1, maxUnavailable: 1, selector: { matchLabels: { app: 'x' } } } } }));
    expect(err.code).toBe(422);
    expect(err.body.details.causes[0]).toMatchObject({ field: 'spec', message: expect.stringContaining('minAvailable and maxUnavailable cannot be both set') });
  });
});
