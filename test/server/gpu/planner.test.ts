import { describe, expect, it } from 'vitest';
import { translateServerMessage } from '../../../app/i18n/use-t';
import { type ClusterSnapshot, type SnapshotNode, DEDICATED_KEY, buildAllocation, planPlacement } from '../../../server/gpu';

/** The planner's messages in English, as the API sends them. */
const en = (messages: string[]) => messages.map((message) => translateServerMessage('en', message));

function node(name: string, gpus: number, used = 0, extra: Partial<SnapshotNode> = {}, product = 'NVIDIA-H100-80GB-HBM3', memMiB = 81559): SnapshotNode {
  return {
    name,
    labels: { 'nvidia.com/gpu.product': product, 'nvidia.com/gpu.memory': String(memMiB), pool: 'a', ...extra.labels },
    taints: extra.taints ?? [],
    unschedulable: extra.unschedulable ?? false,
    ready: true,
    allocatable: { 'nvidia.com/gpu': gpus, cpu: 64, memory: 512 * 1024 ** 3, pods: 110, ...extra.allocatable },
    used: { 'nvidia.com/gpu': used, pods: used > 0 ? 1 : 0, ...extra.used },
  };
}

describe('planPlacement', () => {
  it('packs best-fit: fills partly used nodes first and keeps whole nodes free', () => {
    const snapshot: ClusterSnapshot = { nodes: [node('empty-1', 8), node('half', 8, 4), node('empty-2', 8), node('six', 8, 6)] };
    const result = planPlacement({ replicas: 2, gpusPerReplica: 2 }, snapshot);
    expect(result.fits).toBe(true);
    if (result.fits) {
      expect(result.assignments.map((a) => a.node)).toEqual(['six', 'half']);
      expect(en(result.notes).join(' ')).toMatch(/2 eligible nodes with all devices free stay untouched/);
    }
  });

  it('explains fragmentation with numbers and offers fewer replicas', () => {
    const snapshot: ClusterSnapshot = { nodes: [node('a', 8, 5), node('b', 8, 5), node('c', 8, 6)] };
    const result = planPlacement({ replicas: 2, gpusPerReplica: 4 }, snapshot);
    expect(result.fits).toBe(false);
    if (!result.fits) {
      expect(en(result.reasons)[0]).toBe('Only 0 of 2 replicas fit: 3 eligible nodes of 3 have 8 free GPUs in total; a replica needs 4 GPUs on one node.');
      expect(en(result.reasons)[1]).toMatch(/^Fragmentation: .*largest free block on one node: 3/);
    }
  });

  it('refuses over quota with the numbers and offers what the quota allows', () => {
    const snapshot: ClusterSnapshot = { nodes: [node('a', 8), node('b', 8)] };
    const result = planPlacement({ replicas: 3, gpusPerReplica: 2, tenant: 't' }, snapshot, { hard: { 'requests.nvidia.com/gpu': 8 }, used: { 'requests.nvidia.com/gpu': 4 } });
    expect(result.fits).toBe(false);
    if (!result.fits) {
      expect(en(result.reasons)).toEqual([
        "Tenant t's quota allows 8 GPUs and 4 are in use, so 4 are left; 3 replicas × 2 need 6 (2 short).",
      ]);
      expect(en(result.alternatives.map((a) => a.description))).toEqual([
        '2 replicas fit as asked',
        'Fits the cluster if the quota is raised to at least 10 GPUs (and the other quota lines allow it)',
      ]);
    }
  });

  it('keeps a tenant on its dedicated nodes and others off them', () => {
    const dedicated = { labels: { [DEDICATED_KEY]: 'red' }, taints: [{ key: DEDICATED_KEY, value: 'red', effect: 'NoSchedule' }] };
    const snapshot: ClusterSnapshot = { nodes: [node('shared', 8), node('red-1', 8, 0, dedicated)] };
    const red = planPlacement({ replicas: 1, gpusPerReplica: 8, tenant: 'red' }, snapshot);
    expect(red.fits && red.assignments[0]!.node).toBe('red-1');
    const blue = planPlacement({ replicas: 2, gpusPerReplica: 8, tenant: 'blue' }, snapshot);
    expect(blue.fits).toBe(false);
    if (!blue.fits) expect(en(blue.reasons).join(' ')).toMatch(/Not eligible: 1 dedicated to another tenant/);
  });

  it('checks GPU memory per replica and product constraints, and suggests other products', () => {
    const snapshot: ClusterSnapshot = { nodes: [node('l40s', 4, 0, {}, 'NVIDIA-L40S', 46068), node('h100', 8)] };
    const result = planPlacement({ replicas: 1, gpusPerReplica: 1, gpuMemoryGiBPerReplica: 70, products: ['NVIDIA-L40S'] }, snapshot);
    expect(result.fits).toBe(false);
    if (!result.fits) {
      expect(en(result.reasons)[0]).toBe('None of the 2 nodes can run a replica needing 1 GPU: 1 too little GPU memory (1 × 45 GiB), 1 other GPU product (NVIDIA-H100-80GB-HBM3).');
      expect(result.alternatives).toEqual([{ description: 'gpu.plan.altAnyProduct', change: { products: undefined }, assignments: [{ replica: 0, node: 'h100', gpus: 1, resource: 'nvidia.com/gpu' }] }]);
    }
  });

  it('refuses bad input and unknown pools plainly, per field', () => {
    const result = planPlacement({ replicas: 0, gpusPerReplica: 1.5, pool: 'nope', cpu: 'lots' }, { nodes: [] });
    expect(result.fits).toBe(false);
    if (!result.fits) {
      expect(en(result.reasons)).toEqual([
        'replicas must be a whole number of at least 1',
        'GPUs per replica must be a whole number of at least 1',
        'there is no GPU pool called nope',
        'CPU "lots" is not a Kubernetes quantity (e.g. 8, 500m, 64Gi)',
      ]);
      // Each field its own message, so the page shows them apart, next to their fields.
      expect(Object.keys(result.fieldErrors ?? {})).toEqual(['replicas', 'gpusPerReplica', 'pool', 'cpu']);
      expect(translateServerMessage('de', result.fieldErrors!.cpu![0]!)).toBe('CPU „lots“ ist keine Kubernetes-Menge (z. B. 8, 500m, 64Gi).');
    }
  });

  it('says "1 eligible node … stays" and "quota allows 4 GPUs" in good English and in German', () => {
    const one = planPlacement({ replicas: 1, gpusPerReplica: 2 }, { nodes: [node('a', 8, 2), node('b', 8)] });
    expect(one.fits).toBe(true);
    if (one.fits) {
      expect(en(one.notes)).toEqual(['1 replica on 1 node: a.', 'Best fit: 1 eligible node with all devices free stays untouched.']);
      expect(one.notes.map((n) => translateServerMessage('de', n))).toEqual(['1 Replikat auf 1 Knoten: a.', 'Best Fit: 1 geeigneter Knoten, dessen Geräte alle frei sind, bleibt unberührt.']);
    }
    const over = planPlacement({ replicas: 1, gpusPerReplica: 1, tenant: 't' }, { nodes: [node('a', 8)] }, { hard: { 'requests.nvidia.com/gpu': 4 }, used: { 'requests.nvidia.com/gpu': 4 } });
    if (over.fits) throw new Error('expected a refusal');
    expect(en(over.reasons)[0]).toMatch(/^Tenant t's quota allows 4 GPUs and 4 are in use/);
    expect(translateServerMessage('de', over.reasons[0]!)).toBe('Das Kontingent von Mandant t erlaubt 4 GPUs, 4 sind belegt, also bleiben 0; benötigt: 1 Replikat × 1 = 1 (1 zu wenig).');
    const none = planPlacement({ replicas: 1, gpusPerReplica: 1 }, { nodes: [node('a', 8, 0, { unschedulable: true }), node('b', 8, 0, { unschedulable: true })] });
    if (none.fits) throw new Error('expected a refusal');
    expect(translateServerMessage('de', none.reasons[0]!)).toBe('Keiner der 2 Knoten kann ein Replikat mit 1 GPU ausführen: 2 gesperrt.');
  });
});

describe('buildAllocation', () => {
  it('counts stranded GPUs per replica size', () => {
    const view = buildAllocation({ nodes: [node('a', 8, 7), node('b', 8, 5), node('c', 8, 0, { unschedulable: true })], pods: [] });
    expect(view.pools[0]!.fragmentation).toEqual([
      { size: 1, usable: 4, stranded: 8, replicas: 4 },
      { size: 2, usable: 2, stranded: 10, replicas: 1 },
      { size: 4, usable: 0, stranded: 12, replicas: 0 },
      { size: 8, usable: 0, stranded: 12, replicas: 0 },
    ]);
  });
});
