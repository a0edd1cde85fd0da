/**
 * Placement planner benchmark (`node --import tsx test/bench/gpu-planner.ts`).
 *
 * Builds a cluster snapshot in memory — 500 nodes with 4,000 GPUs (8 per node; H100, A100
 * and L40S), 300 tenants, 20 of them with a dedicated node, 6 pools, ~60 % of GPUs already
 * allocated by tenants' pods (so the planner works on a fragmented cluster) — and times
 * `planPlacement` for 2,000 random requests (seeded): replicas 1–8, 1–8 GPUs, optional
 * tenant (with its quota), pool, products, GPU memory, cpu/memory; each timed with
 * performance.now(), after 200 warm-up calls. Requests that do not fit include the
 * alternatives search (the expensive path). Target: p95 < 20 ms.
 * Prints a summary and `RESULT <json>`.
 */
import { type ClusterSnapshot, type QuotaState, type SnapshotNode, DEDICATED_KEY, planPlacement } from '../../server/gpu';
import { summarise } from './support/stats';

function mulberry32(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rand = mulberry32(42);
const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;
const PRODUCTS = [
  ['NVIDIA-H100-80GB-HBM3', 81559],
  ['NVIDIA-A100-SXM4-80GB', 81920],
  ['NVIDIA-L40S', 46068],
] as const;
const tenants = Array.from({ length: 300 }, (_, i) => `t${i}`);

const nodes: SnapshotNode[] = [];
for (let i = 0; i < 500; i++) {
  const [product, mem] = PRODUCTS[i % 3]!;
  const labels: Record<string, string> = {
    'nvidia.com/gpu.product': product,
    'nvidia.com/gpu.memory': String(mem),
    'kubernetes.io/hostname': `gpu-${i}`,
    'leitstand.io/rack': `r${i % 6}`,
  };
  const taints: SnapshotNode['taints'] = [];
  if (i < 20) {
    labels[DEDICATED_KEY] = tenants[i]!;
    taints.push({ key: DEDICATED_KEY, value: tenants[i]!, effect: 'NoSchedule' });
  }
  const used = Math.floor(rand() * 9 * 1.2) > 8 ? 8 : Math.floor(rand() * 9);
  nodes.push({
    name: `gpu-${String(i).padStart(3, '0')}`,
    labels,
    taints,
    unschedulable: rand() < 0.02,
    ready: true,
    allocatable: { 'nvidia.com/gpu': 8, cpu: 224, memory: 2000 * 1024 ** 3, pods: 110 },
    used: { 'nvidia.com/gpu': used, cpu: used * 8, memory: used * 64 * 1024 ** 3, pods: used },
  });
}
const snapshot: ClusterSnapshot = {
  nodes,
  pools: Array.from({ length: 6 }, (_, r) => ({ name: `rack-${r}`, selector: { 'leitstand.io/rack': `r${r}` } })),
};
const gpus = nodes.reduce((s, n) => s + n.allocatable['nvidia.com/gpu']!, 0);
const allocated = nodes.reduce((s, n) => s + n.used['nvidia.com/gpu']!, 0);
const quotas = new Map<string, QuotaState>(
  tenants.map((t) => [t, { hard: { 'requests.nvidia.com/gpu': pick([8, 16, 32, 64]), pods: 100 }, used: { 'requests.nvidia.com/gpu': Math.floor(rand() * 16), pods: 5 } }]),
);

function request() {
  const tenant = rand() < 0.7 ? pick(tenants) : undefined;
  return {
    request: {
      replicas: 1 + Math.floor(rand() * 8),
      gpusPerReplica: pick([1, 1, 2, 4, 8]),
      ...(tenant ? { tenant } : {}),
      ...(rand() < 0.3 ? { pool: `rack-${Math.floor(rand() * 6)}` } : {}),
      ...(rand() < 0.3 ? { products: [pick(PRODUCTS)[0]] } : {}),
      ...(rand() < 0.3 ? { gpuMemoryGiBPerReplica: pick([40, 80, 160, 320]) } : {}),
      ...(rand() < 0.5 ? { cpu: '8', memory: '64Gi' } : {}),
    },
    quota: tenant ? quotas.get(tenant)! : null,
  };
}

for (let i = 0; i < 200; i++) {
  const { request: r, quota } = request();
  planPlacement(r, snapshot, quota);
}
const samples: number[] = [];
let fits = 0;
for (let i = 0; i < 2000; i++) {
  const { request: r, quota } = request();
  const start = performance.now();
  const result = planPlacement(r, snapshot, quota);
  samples.push(performance.now() - start);
  if (result.fits) fits++;
}
const s = summarise(samples, 3);
console.log(`planner: ${nodes.length} nodes, ${gpus} GPUs (${allocated} allocated), ${tenants.length} tenants, ${snapshot.pools!.length} pools`);
console.log(`2000 requests (${fits} fit, ${2000 - fits} refused with reasons + alternatives): median ${s.median} ms, p95 ${s.p95} ms, max ${s.max} ms (target p95 < 20 ms)`);
console.log(`RESULT ${JSON.stringify({ bench: 'gpu-planner', nodes: nodes.length, gpus, tenants: tenants.length, requests: 2000, fits, medianMs: s.median, p95Ms: s.p95, maxMs: s.max, targetP95Ms: 20, pass: s.p95 < 20 })}`);
