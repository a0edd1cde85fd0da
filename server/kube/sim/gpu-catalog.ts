/**
 * What NVIDIA GPU Feature Discovery and the device plugin report for the GPU models the
 * default topology uses, and the MIG layouts of nvidia-mig-parted's default config
 * (deployments/systemd/config-default.yaml) for the 80 GB A100/H100.
 */
export interface MigProfile {
  /** e.g. "1g.10gb" */
  name: string;
  memoryMiB: number;
  multiprocessors: number;
  slicesGi: number;
  slicesCi: number;
  enginesCopy: number;
  enginesDecoder: number;
  enginesEncoder: number;
  enginesJpeg: number;
  enginesOfa: number;
}

export interface GpuModel {
  product: string;
  memoryMiB: number;
  family: string;
  computeMajor: number;
  computeMinor: number;
  /** PCI device id as mig-parted's device-filter spells it */
  deviceId: string;
  migCapable: boolean;
  migProfiles?: MigProfile[];
  /** per-GPU MIG layouts by mig-parted config name */
  migConfigs?: Record<string, Record<string, number> | null>;
}

const mig = (name: string, memoryMiB: number, multiprocessors: number, slices: number, copy: number, dec: number, jpeg: number, ofa: number): MigProfile =>
  ({ name, memoryMiB, multiprocessors, slicesGi: slices, slicesCi: slices, enginesCopy: copy, enginesDecoder: dec, enginesEncoder: 0, enginesJpeg: jpeg, enginesOfa: ofa });

/** mig-parted defaults for H100-80GB, H800-80GB, A100-80GB, A800-80GB (null = MIG disabled). */
const MIG_CONFIGS_80GB: Record<string, Record<string, number> | null> = {
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

export const GPU_MODELS: Record<string, GpuModel> = {
  'NVIDIA-H100-80GB-HBM3': {
    product: 'NVIDIA-H100-80GB-HBM3', memoryMiB: 81559, family: 'hopper', computeMajor: 9, computeMinor: 0,
    deviceId: '0x233010DE', migCapable: true,
    migProfiles: [
      mig('1g.10gb', 9984, 16, 1, 1, 1, 1, 0), mig('1g.20gb', 20096, 26, 1, 1, 1, 1, 0), mig('2g.20gb', 20096, 32, 2, 2, 2, 2, 0),
      mig('3g.40gb', 40320, 60, 3, 3, 3, 3, 0), mig('4g.40gb', 40320, 64, 4, 4, 4, 4, 0), mig('7g.80gb', 80768, 132, 7, 8, 7, 7, 1),
    ],
    migConfigs: MIG_CONFIGS_80GB,
  },
  'NVIDIA-A100-SXM4-80GB': {
    product: 'NVIDIA-A100-SXM4-80GB', memoryMiB: 81920, family: 'ampere', computeMajor: 8, computeMinor: 0,
    deviceId: '0x20B210DE', migCapable: true,
    migProfiles: [
      mig('1g.10gb', 9728, 14, 1, 1, 0, 0, 0), mig('1g.20gb', 19968, 14, 1, 1, 1, 0, 0), mig('2g.20gb', 19968, 28, 2, 2, 1, 0, 0),
      mig('3g.40gb', 40192, 42, 3, 3, 2, 0, 0), mig('4g.40gb', 40192, 56, 4, 4, 2, 0, 0), mig('7g.80gb', 80384, 98, 7, 7, 5, 1, 1),
    ],
    migConfigs: MIG_CONFIGS_80GB,
  },
  'NVIDIA-L40S': {
    product: 'NVIDIA-L40S', memoryMiB: 46068, family: 'ada-lovelace', computeMajor: 8, computeMinor: 9,
    deviceId: '0x26B910DE', migCapable: false,
  },
};

/** The MIG resource name the device plugin's mixed strategy advertises: nvidia.com/mig-1g.10gb. */
export function migResourceName(profile: string): string {
  return `nvidia.com/mig-${profile}`;
}

/** nvidia.com/gpu or a MIG slice resource. */
export function isGpuResource(name: string): boolean {
  return name === 'nvidia.com/gpu' || name.startsWith('nvidia.com/mig-');
}
