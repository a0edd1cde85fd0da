import { DEDICATED_KEY } from './labels';

export interface Toleration {
  key: string;
  operator: 'Equal' | 'Exists';
  value?: string;
  effect: 'NoSchedule' | 'NoExecute' | 'PreferNoSchedule';
}

export interface NodeSelectorRequirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  values?: string[];
}

/** What a pod spec needs so it lands where Leitstand's placement rules allow. */
export interface SchedulingConstraints {
  nodeSelector: Record<string, string>;
  tolerations: Toleration[];
  /** Required node affinity, one term (requirements ANDed); empty: none. */
  requiredNodeAffinity: NodeSelectorRequirement[];
}

/**
 * The constraints for a tenant's pods: with dedicated nodes, the toleration for their taint
 * and a required affinity to them (a dedicated tenant runs on its own nodes only, so its
 * capacity is predictable); without, nothing (the dedication taints keep it off others').
 */
export function tenantConstraints(tenant: string | undefined, hasDedicatedNodes: boolean): SchedulingConstraints {
  if (!tenant || !hasDedicatedNodes) return { nodeSelector: {}, tolerations: [], requiredNodeAffinity: [] };
  return {
    nodeSelector: {},
    tolerations: [{ key: DEDICATED_KEY, operator: 'Equal', value: tenant, effect: 'NoSchedule' }],
    requiredNodeAffinity: [{ key: DEDICATED_KEY, operator: 'In', values: [tenant] }],
  };
}

/** Adds pool selector and product constraints to a tenant's constraints. */
export function withPlacement(
  base: SchedulingConstraints,
  options: { poolSelector?: Record<string, string>; products?: string[] },
): SchedulingConstraints {
  const requiredNodeAffinity = [...base.requiredNodeAffinity];
  if (options.products && options.products.length > 0) {
    requiredNodeAffinity.push({ key: 'nvidia.com/gpu.product', operator: 'In', values: [...options.products] });
  }
  return {
    nodeSelector: { ...base.nodeSelector, ...options.poolSelector },
    tolerations: [...base.tolerations],
    requiredNodeAffinity,
  };
}

/** The constraints as pod spec fields (nodeSelector, tolerations, affinity), ready to merge into a pod template. */
export function toPodSpecFields(c: SchedulingConstraints): Record<string, unknown> {
  return {
    ...(Object.keys(c.nodeSelector).length ? { nodeSelector: { ...c.nodeSelector } } : {}),
    ...(c.tolerations.length ? { tolerations: c.tolerations.map((t) => ({ ...t })) } : {}),
    ...(c.requiredNodeAffinity.length
      ? {
          affinity: {
            nodeAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: {
                nodeSelectorTerms: [{ matchExpressions: c.requiredNodeAffinity.map((r) => ({ ...r })) }],
              },
            },
          },
        }
      : {}),
  };
}
