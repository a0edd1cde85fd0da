import type { TenantLimitDefaults, TenantQuota } from '../../db/schema/tenants';
import { type KubeObject, renderLimitRange, renderNamespace, renderResourceQuota } from '../kube';

export const TENANT_LABEL = 'leitstand.io/tenant';
export const QUOTA_NAME = 'tenant-quota';
export const LIMIT_RANGE_NAME = 'tenant-defaults';

/** A tenant's namespace name: `tenant-<slug>`. */
export function namespaceOf(slug: string): string {
  return `tenant-${slug}`;
}

/** The tenant's Namespace, labelled with its slug; name and cost centre as annotations (free text). */
export function renderTenantNamespace(t: { slug: string; name: string; costCentre: string | null }): KubeObject {
  return renderNamespace({
    name: namespaceOf(t.slug),
    labels: { [TENANT_LABEL]: t.slug },
    annotations: {
      'leitstand.io/tenant-name': t.name,
      ...(t.costCentre ? { 'leitstand.io/cost-centre': t.costCentre } : {}),
    },
  });
}

/** `hard` of the tenant's ResourceQuota; empty when nothing is limited. */
export function quotaHard(quota: TenantQuota | null): Record<string, string> {
  if (!quota) return {};
  const hard: Record<string, string> = {};
  if (quota.gpus !== null) hard['requests.nvidia.com/gpu'] = String(quota.gpus);
  for (const [profile, n] of Object.entries(quota.mig)) hard[`requests.nvidia.com/mig-${profile}`] = String(n);
  if (quota.cpu !== null) hard['requests.cpu'] = quota.cpu;
  if (quota.memory !== null) hard['requests.memory'] = quota.memory;
  if (quota.pods !== null) hard.pods = String(quota.pods);
  return hard;
}

/** The tenant's ResourceQuota, or null when the quota limits nothing. */
export function renderTenantQuota(slug: string, quota: TenantQuota | null): KubeObject | null {
  const hard = quotaHard(quota);
  if (Object.keys(hard).length === 0) return null;
  return renderResourceQuota({ namespace: namespaceOf(slug), name: QUOTA_NAME, hard, labels: { [TENANT_LABEL]: slug } });
}

/** The tenant's LimitRange (container defaults), or null when no default is set. */
export function renderTenantLimitRange(slug: string, d: TenantLimitDefaults | null): KubeObject | null {
  if (!d) return null;
  const defaults: Record<string, string> = {};
  const requests: Record<string, string> = {};
  if (d.cpuLimit) defaults.cpu = d.cpuLimit;
  if (d.memoryLimit) defaults.memory = d.memoryLimit;
  if (d.cpuRequest) requests.cpu = d.cpuRequest;
  if (d.memoryRequest) requests.memory = d.memoryRequest;
  if (Object.keys(defaults).length === 0 && Object.keys(requests).length === 0) return null;
  return renderLimitRange({
    namespace: namespaceOf(slug),
    name: LIMIT_RANGE_NAME,
    labels: { [TENANT_LABEL]: slug },
    limits: [
      {
        type: 'Container',
        ...(Object.keys(defaults).length ? { default: defaults } : {}),
        ...(Object.keys(requests).length ? { defaultRequest: requests } : {}),
      },
    ],
  });
}
