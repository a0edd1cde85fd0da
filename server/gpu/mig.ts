import { GPU_RESOURCE, MIG_PREFIX, migResource } from './labels';

/**
 * MIG layouts of nvidia-mig-parted's default configuration (config-default.yaml) for the
 * 80 GB A100 and H100: per-GPU device counts by profile; null = MIG disabled. The MIG
 * manager applies one of these names when a node's `nvidia.com/mig.config` label changes.
 */
export const MIG_LAYOUTS: Record<string, Record<string, number> | null> = {
  'all-disabled': null,
  'all-enabled': {},
  'all-1g.10gb': { '1g.10gb': 7 },
  'all-1g.20gb': { '1g.20gb': 4 },
  'all-2g.20gb': { '2g.20gb': 3 },
  'all-3g.40gb': { '3g.40gb': 2 },
  'all-4g.40gb': { '4g.40gb': 1 },
  'all-7g.80gb': { '7g.80gb': 1 },
  'all-balanced': { '1g.10gb': 2, '2g.20gb': 1, '3g.40gb': 1 },
};

export const migLayoutNames = Object.keys(MIG_LAYOUTS);

/**
 * The device-plugin resources a node advertises under a layout with the mixed strategy:
 * whole GPUs when MIG is off, else one resource per profile (GPUs × per-GPU count).
 */
export function resourcesForLayout(layout: string, gpuCount: number): Record<string, number> | undefined {
  if (!(layout in MIG_LAYOUTS)) return undefined;
  const perGpu = MIG_LAYOUTS[layout];
  if (!perGpu) return { [GPU_RESOURCE]: gpuCount };
  const out: Record<string, number> = { [GPU_RESOURCE]: 0 };
  for (const [profile, n] of Object.entries(perGpu)) out[migResource(profile)] = n * gpuCount;
  return out;
}

/** The device resources of a node's allocatable (nvidia.com/gpu and MIG resources). */
export function deviceResources(allocatable: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(allocatable).filter(([r]) => r === GPU_RESOURCE || r.startsWith(MIG_PREFIX)));
}
