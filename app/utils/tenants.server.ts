/** The tenants pages' door to server/tenants (route modules import server code only through adapters). */
export {
  archiveTenant,
  budgetPeriods,
  createTenant,
  getGatewayLimits,
  getTenant,
  getTenantUsage,
  listTenants,
  setTenantLimits,
  setTenantQuota,
  updateTenant,
} from '../../server/tenants';
export type { Tenant, TenantModel, TenantUsage } from '../../server/tenants';
export { getDb } from '../../db/client';
