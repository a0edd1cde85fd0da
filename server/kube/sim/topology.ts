import fs from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../../core/paths';
import { parse as parseYaml } from 'yaml';
import { GPU_MODELS, type GpuModel, migResourceName } from './gpu-catalog';
import { canonicalQuantity, formatQuantity, parseQuantity } from './quantity';
import type { Rng } from './random';
import type { KubeObject } from './types';

export interface SimTaint {
  key: string;
  value?: string;
  effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
}

export interface SimNodeSpec {
  name: string;
  instanceType?: string;
  zone?: string;
  region?: string;
  /** e.g. "64" */
  cpu: string;
  /** e.g. "512Gi" */
  memory: string;
  pods?: number;
  ephemeralStorage?: string;
  gpu?: {
    /** a key of the GPU catalogue: NVIDIA-H100-80GB-HBM3, NVIDIA-A100-SXM4-80GB, NVIDIA-L40S */
    product: string;
    count: number;
    /** MIG strategy the device plugin runs with (none | single | mixed) */
    migStrategy?: 'none' | 'single' | 'mixed';
    /** nvidia.com/mig.config: a mig-parted config name (all-disabled, all-balanced, …) */
    migConfig?: string;
    driverVersion?: string;
    cudaVersion?: string;
    machine?: string;
  };
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  taints?: SimTaint[];
  unschedulable?: boolean;
}

export interface SimTopology {
  kubernetesVersion?: string;
  /** namespaces created at start besides default, kube-system, kube-public, kube-node-lease */
  namespaces?: string[];
  nodes: SimNodeSpec[];
}

export const DEFAULT_TOPOLOGY_PATH = path.join(projectRoot(), 'server/kube/sim/topology.default.yaml');

/** Reads a topology file (YAML). */
export function loadTopology(source: string | SimTopology | undefined): SimTopology {
  if (source && typeof source === 'object') return source;
  const file = source ?? DEFAULT_TOPOLOGY_PATH;
  const parsed = parseYaml(fs.readFileSync(file, 'utf8')) as SimTopology;
  if (!parsed || !Array.isArray(parsed.nodes)) throw new Error(`simulated cluster topology ${file}: a list of nodes is required`);
  for (const [i, n] of parsed.nodes.entries()) {
    if (!n.name || !n.cpu || !n.memory) throw new Error(`simulated cluster topology ${file}: nodes[${i}] needs name, cpu and memory`);
    if (n.gpu && !GPU_MODELS[n.gpu.product]) throw new Error(`simulated cluster topology ${file}: nodes[${i}].gpu.product ${n.gpu.product} is not one of ${Object.keys(GPU_MODELS).join(', ')}`);
  }
  return parsed;
}

/** GPU capacity and GFD labels for a node's GPUs under a MIG config (undefined config = MIG off). */
export function gpuState(model: GpuModel, count: number, strategy: string, migConfig: string | undefined):
  { resources: Record<string, number>; labels: Record<string, string> } {
  const layout = migConfig && model.migConfigs ? model.migConfigs[migConfig] ?? null : null;
  const resources: Record<string, number> = {};
  const labels: Record<string, string> = {};
  // The device plugin keeps advertising every resource it ever registered, at 0 when gone.
  for (const p of model.migProfiles ?? []) if (strategy === 'mixed') resources[migResourceName(p.name)] = 0;
  if (!layout) {
    resources['nvidia.com/gpu'] = count;
    return { resources, labels };
  }
  if (strategy === 'mixed') {
    resources['nvidia.com/gpu'] = 0;
    for (const [profile, perGpu] of Object.entries(layout)) {
      const p = model.migProfiles?.find((x) => x.name === profile);
      resources[migResourceName(profile)] = perGpu * count;
      if (!p) continue;
      const pre = `nvidia.com/mig-${profile}`;
      labels[`${pre}.count`] = String(perGpu * count);
      labels[`${pre}.memory`] = String(p.memoryMiB);
      labels[`${pre}.multiprocessors`] = String(p.multiprocessors);
      labels[`${pre}.slices.gi`] = String(p.slicesGi);
      labels[`${pre}.slices.ci`] = String(p.slicesCi);
      labels[`${pre}.engines.copy`] = String(p.enginesCopy);
      labels[`${pre}.engines.decoder`] = String(p.enginesDecoder);
      labels[`${pre}.engines.encoder`] = String(p.enginesEncoder);
      labels[`${pre}.engines.jpeg`] = String(p.enginesJpeg);
      labels[`${pre}.engines.ofa`] = String(p.enginesOfa);
    }
  } else if (strategy === 'single') {
    const [[profile, perGpu] = ['', 0]] = Object.entries(layout);
    resources['nvidia.com/gpu'] = perGpu * count;
    const p = model.migProfiles?.find((x) => x.name === profile);
    if (p) {
      labels['nvidia.com/gpu.product'] = `${model.product}-MIG-${profile}`;
      labels['nvidia.com/gpu.memory'] = String(p.memoryMiB);
      labels['nvidia.com/gpu.count'] = String(perGpu * count);
      labels['nvidia.com/gpu.multiprocessors'] = String(p.multiprocessors);
    }
  } else {
    resources['nvidia.com/gpu'] = count;
  }
  return { resources, labels };
}

/** Labels set by GPU Feature Discovery / NFD for a GPU node, MIG-dependent ones excluded. */
export function gfdBaseLabels(spec: NonNullable<SimNodeSpec['gpu']>, model: GpuModel): Record<string, string> {
  const driver = spec.driverVersion ?? '550.127.05';
  const [dMajor = '550', dMinor = '127', dRev = '05'] = driver.split('.');
  const cuda = spec.cudaVersion ?? '12.4';
  const [cMajor = '12', cMinor = '4'] = cuda.split('.');
  const labels: Record<string, string> = {
    'feature.node.kubernetes.io/pci-10de.present': 'true',
    'nvidia.com/gpu.present': 'true',
    'nvidia.com/gpu.product': model.product,
    'nvidia.com/gpu.memory': String(model.memoryMiB),
    'nvidia.com/gpu.count': String(spec.count),
    'nvidia.com/gpu.family': model.family,
    'nvidia.com/gpu.compute.major': String(model.computeMajor),
    'nvidia.com/gpu.compute.minor': String(model.computeMinor),
    'nvidia.com/gpu.replicas': '1',
    'nvidia.com/gpu.sharing-strategy': 'none',
    'nvidia.com/gpu.mode': 'compute',
    'nvidia.com/cuda.driver.major': dMajor,
    'nvidia.com/cuda.driver.minor': dMinor,
    'nvidia.com/cuda.driver.rev': dRev,
    'nvidia.com/cuda.driver-version.major': dMajor,
    'nvidia.com/cuda.driver-version.minor': dMinor,
    'nvidia.com/cuda.driver-version.revision': dRev,
    'nvidia.com/cuda.driver-version.full': driver,
    'nvidia.com/cuda.runtime.major': cMajor,
    'nvidia.com/cuda.runtime.minor': cMinor,
    'nvidia.com/cuda.runtime-version.major': cMajor,
    'nvidia.com/cuda.runtime-version.minor': cMinor,
    'nvidia.com/cuda.runtime-version.full': cuda,
    'nvidia.com/mig.capable': String(model.migCapable),
    'nvidia.com/mig.strategy': spec.migStrategy ?? (model.migCapable ? 'mixed' : 'none'),
    'nvidia.com/gfd.timestamp': String(Math.floor(Date.now() / 1000)),
  };
  if (spec.machine) labels['nvidia.com/gpu.machine'] = spec.machine;
  if (model.migCapable) {
    labels['nvidia.com/mig.config'] = spec.migConfig ?? 'all-disabled';
    labels['nvidia.com/mig.config.state'] = 'success';
  }
  return labels;
}

function minus(total: string, reserved: string): string {
  const q = parseQuantity(total);
  return formatQuantity({ nano: q.nano - parseQuantity(reserved).nano, format: q.format });
}

/** A Node object as a kubelet registers it, with GPU Feature Discovery labels and device-plugin resources. */
export function buildNode(spec: SimNodeSpec, index: number, rng: Rng, kubeletVersion: string, now: string): KubeObject {
  const zone = spec.zone ?? 'dc1-a';
  const labels: Record<string, string> = {
    'beta.kubernetes.io/arch': 'amd64',
    'beta.kubernetes.io/os': 'linux',
    'kubernetes.io/arch': 'amd64',
    'kubernetes.io/hostname': spec.name,
    'kubernetes.io/os': 'linux',
    'topology.kubernetes.io/zone': zone,
    'topology.kubernetes.io/region': spec.region ?? zone.replace(/-[a-z]$/, ''),
  };
  if (spec.instanceType) {
    labels['node.kubernetes.io/instance-type'] = spec.instanceType;
    labels['beta.kubernetes.io/instance-type'] = spec.instanceType;
  }
  const capacity: Record<string, string> = {
    cpu: canonicalQuantity(spec.cpu),
    'ephemeral-storage': canonicalQuantity(spec.ephemeralStorage ?? '1843200Mi'),
    'hugepages-1Gi': '0',
    'hugepages-2Mi': '0',
    memory: canonicalQuantity(spec.memory),
    pods: String(spec.pods ?? 110),
  };
  if (spec.gpu) {
    const model = GPU_MODELS[spec.gpu.product]!;
    Object.assign(labels, gfdBaseLabels(spec.gpu, model));
    const strategy = labels['nvidia.com/mig.strategy'] ?? 'none';
    const state = gpuState(model, spec.gpu.count, strategy, model.migCapable ? spec.gpu.migConfig : undefined);
    Object.assign(labels, state.labels);
    for (const [k, v] of Object.entries(state.resources)) capacity[k] = String(v);
  }
  Object.assign(labels, spec.labels ?? {});
  const allocatable = { ...capacity };
  allocatable.cpu = minus(capacity.cpu!, '500m');
  allocatable.memory = minus(capacity.memory!, '1124Mi');
  allocatable['ephemeral-storage'] = minus(capacity['ephemeral-storage']!, '10Gi');
  const ip = `10.0.${Math.floor(index / 200) + 1}.${(index % 200) + 10}`;
  const taints = [...(spec.taints ?? [])];
  if (spec.unschedulable) taints.push({ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' });
  const condition = (type: string, status: string, reason: string, message: string) =>
    ({ type, status, lastHeartbeatTime: now, lastTransitionTime: now, reason, message });
  const node: KubeObject = {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: spec.name,
      labels,
      annotations: {
        'node.alpha.kubernetes.io/ttl': '0',
        'volumes.kubernetes.io/controller-managed-attach-detach': 'true',
        ...(spec.annotations ?? {}),
      },
    },
    spec: {
      podCIDR: `10.244.${index}.0/24`,
      podCIDRs: [`10.244.${index}.0/24`],
      ...(taints.length ? { taints } : {}),
      ...(spec.unschedulable ? { unschedulable: true } : {}),
    },
    status: {
      capacity,
      allocatable,
      conditions: [
        condition('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'),
        condition('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
        condition('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
        condition('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status'),
      ],
      addresses: [{ type: 'InternalIP', address: ip }, { type: 'Hostname', address: spec.name }],
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
      nodeInfo: {
        machineID: rng.hex(32),
        systemUUID: rng.uuid(),
        bootID: rng.uuid(),
        kernelVersion: '6.8.0-52-generic',
        osImage: 'Ubuntu 22.04.5 LTS',
        containerRuntimeVersion: 'containerd://1.7.24',
        kubeletVersion,
        kubeProxyVersion: kubeletVersion,
        operatingSystem: 'linux',
        architecture: 'amd64',
      },
    },
  };
  return node;
}
