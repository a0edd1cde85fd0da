/**
 * The tenants context's door: tenants (namespace `tenant-<slug>`), their GPU quota and
 * LimitRange defaults (desired state), token budgets, rate limits and model access
 * (published for the gateway), and usage against quota.
 */
export {
  type Tenant,
  type TenantModel,
  type TenantUsage,
  archiveTenant,
  createTenant,
  getTenant,
  getTenantQuotaState,
  getTenantUsage,
  listTenants,
  quotaBelowUsage,
  setTenantLimits,
  setTenantQuota,
  updateTenant,
} from './service';
export {
  GATEWAY_CONFIGMAP,
  type GatewayLimits,
  type GatewayTenantLimits,
  type LiteLlmTeam,
  buildGatewayTenants,
  getGatewayLimits,
  liteLlmBudget,
  publishGatewayLimits,
  toLiteLlmTeams,
} from './gateway';
export { LIMIT_RANGE_NAME, QUOTA_NAME, TENANT_LABEL, namespaceOf, quotaHard, renderTenantLimitRange, renderTenantNamespace, renderTenantQuota } from './manifests';
export { type NamespaceUsage, type TokenUsageSource, getNamespaceUsage, periodBounds, registerTokenUsageSource, usageOfPods } from './usage';
export {
  type CreateTenantInput,
  type LimitsInput,
  type QuotaInput,
  type UpdateTenantInput,
  createTenantSchema,
  limitsSchema,
  quotaSchema,
  updateTenantSchema,
} from './validation';
export { budgetPeriods, tenantStatuses, type BudgetPeriod, type TenantStatus } from '../../db/schema/tenants';
export {
  LITELLM_SYNC_JOB,
  type LiteLlmStatus,
  type LiteLlmSyncResult,
  type LiteLlmSyncView,
  enqueueLiteLlmSync,
  getLiteLlmPrice,
  getLiteLlmStatus,
  litellmSyncJob,
  requestLiteLlmSync,
} from './litellm';
export { tenantsLifecycle } from './lifecycle';
