/** The tenants pages' door to server/tenants (route modules import server code only through adapters). */
export {
  archiveTenant,
  budgetPeriods,
  createTenant,
  getGatewayLimits,
  getLiteLlmPrice,
  getLiteLlmStatus,
  getTenant,
  getTenantUsage,
  listTenants,
  liteLlmBudget,
  requestLiteLlmSync,
  setTenantLimits,
  setTenantQuota,
  updateTenant,
} from '../../server/tenants';
export type { LiteLlmStatus, LiteLlmSyncView, Tenant, TenantModel, TenantUsage } from '../../server/tenants';
export { getDb } from '../../db/client';
