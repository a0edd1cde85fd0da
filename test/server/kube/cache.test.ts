import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getClusterObjects, getKubeClient, quantityValue, summariseGpuNodes } from '../../../server/kube';
import { type TestDatabase, createTestDatabase } from '../../support/database';
import { startSimKube, stopKube, waitFor } from '../tenants/support';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
  await startSimKube({ instanceId: 'cache-test' });
});
afterAll(async () => {
  await stopKube();
  await database?.close();
});

describe('getClusterObjects', () => {
  it('serves nodes and pods from the watch cache and follows changes with a new generation', async () => {
    const first = await getClusterObjects();
    expect(first.fromCache).toBe(true);
    expect(first.nodes.map((n) => n.metadata.name)).toContain('gpu-h100-01');
    const requestsBefore = { ...getKubeClient().requestCounts };
    const again = await getClusterObjects();
    expect(again.generation).toBe(first.generation);
    expect(getKubeClient().requestCounts).toEqual(requestsBefore);

    await getKubeClient().request('POST', '/api/v1/namespaces/default/pods', {
      body: { metadata: { name: 'cached' }, spec: { nodeSelector: { 'kubernetes.io/hostname': 'gpu-l40s-01' }, containers: [{ name: 'c', image: 'busybox', resources: { limits: { 'nvidia.com/gpu': '3' } } }] } },
    });
    const later = await waitFor('pod bound in the cache', async () => {
      const o = await getClusterObjects();
      return o.pods.some((p) => p.metadata.name === 'cached' && (p.spec as { nodeName?: string }).nodeName) ? o : undefined;
    });
    expect(later.generation).toBeGreaterThan(first.generation);
    const l40s = summariseGpuNodes(later.nodes, later.pods).find((n) => n.name === 'gpu-l40s-01')!;
    expect(l40s.allocatedGpus).toBe(3);
  });
});

describe('quantityValue', () => {
  it('parses as the API server does', () => {
    expect(quantityValue('500m')).toBe(0.5);
    expect(quantityValue('1Gi')).toBe(1024 ** 3);
    expect(quantityValue('2k')).toBe(2000);
    expect(() => quantityValue('lots')).toThrow();
  });
});
