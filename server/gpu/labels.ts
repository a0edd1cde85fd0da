/** Labels, taints and names the gpu context puts on nodes and reads from them. */

/** Node label and taint key that dedicate a node to a tenant (value: the tenant's slug). */
export const DEDICATED_KEY = 'leitstand.io/dedicated';
/** Label that names the GPU pool a dedication came from (for display; selection is by the pool's selector). */
export const DEDICATED_POOL_KEY = 'leitstand.io/dedicated-pool';
export const GPU_RESOURCE = 'nvidia.com/gpu';
export const MIG_PREFIX = 'nvidia.com/mig-';
export const MIG_CONFIG_LABEL = 'nvidia.com/mig.config';
export const MIG_STATE_LABEL = 'nvidia.com/mig.config.state';
export const PRODUCT_LABEL = 'nvidia.com/gpu.product';
export const GPU_MEMORY_LABEL = 'nvidia.com/gpu.memory';
/** GFD label: physical GPUs on the node, whole and MIG-partitioned alike. */
export const GPU_COUNT_LABEL = 'nvidia.com/gpu.count';
/** Tenants' namespaces are `tenant-<slug>` (the tenants context creates them). */
export const TENANT_NAMESPACE_PREFIX = 'tenant-';

/** The tenant slug a namespace belongs to, or null for a namespace that is no tenant's. */
export function tenantOfNamespace(namespace: string): string | null {
  return namespace.startsWith(TENANT_NAMESPACE_PREFIX) ? namespace.slice(TENANT_NAMESPACE_PREFIX.length) : null;
}

/** The MIG resource name of a profile: `1g.10gb` → `nvidia.com/mig-1g.10gb`. */
export function migResource(profile: string): string {
  return `${MIG_PREFIX}${profile}`;
}
