import { getTenantQuotaState, listTenants } from '../../server/tenants';
import { type PlacementRequest, planOnCluster } from '../../server/gpu';
import { InputError } from '../../server/core/errors';

/** The GPU pages' door to server/gpu (route modules import server code only through adapters). */
export {
  gpuFigures,
  FRAGMENT_SIZES,
  cordonNode,
  createPool,
  dedicate,
  cancelDrain,
  deletePool,
  getAllocation,
  getNodeDrain,
  listDedications,
  listPools,
  migLayoutNames,
  previewDrain,
  previewMigLayout,
  releaseDedication,
  setMigLayout,
  startDrain,
  uncordonNode,
} from '../../server/gpu';
import { gpuMessages, msg } from '../../server/gpu/messages';
export type { AllocationView, DrainPreview, MigPreview, NodeDrainStatus, PlacementRequest, PlacementResult } from '../../server/gpu';

/** The message key saying a node does not exist (the node page's 404). */
export function gpuNodeNotFound(name: string): string {
  return msg(gpuMessages.noNode, { name });
}

/** Slugs of the active tenants (for the dedication and planner forms). */
export async function tenantSlugs(): Promise<string[]> {
  return (await listTenants()).map((t) => t.slug);
}

/** Refuses a tenant that does not exist (the gpu context keys dedications by slug and cannot check). */
export async function requireTenantSlug(slug: unknown, field = 'tenant'): Promise<void> {
  if (typeof slug !== 'string' || !(await tenantSlugs()).includes(slug))
    throw new InputError(gpuMessages.invalidInput, { [field]: [gpuMessages.chooseActiveTenant] });
}

/** Plans on the live cluster with the tenant's quota (the planner page). */
export async function planWithTenantQuota(request: PlacementRequest) {
  const quota = request.tenant ? await getTenantQuotaState(request.tenant) : null;
  return { result: await planOnCluster(request, quota), quota };
}
