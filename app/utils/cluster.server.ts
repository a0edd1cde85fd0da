import { getClusterInfo, getNode, listEvents, listGpuNodes } from '../../server/kube';

/** Runs a cluster read; a failing API server becomes a message for the page, not a 500. */
export async function readCluster<T>(work: () => Promise<T>, fallback: T): Promise<{ value: T; error: string | null }> {
  try {
    return { value: await work(), error: null };
  } catch (error) {
    return { value: fallback, error: error instanceof Error ? error.message : String(error) };
  }
}

export { getClusterInfo, getNode, listEvents, listGpuNodes };
export { getGpuInventory, inventorySortKeys, nodeStatuses } from '../../server/gpu';
export type { GpuInventory, InventorySortKey, NodeStatus } from '../../server/gpu';
