import crypto from 'node:crypto';
import { desc, eq, asc } from 'drizzle-orm';
import type { Executor, Tx } from '../../db/client';
import { type BudgetPeriod, gatewayConfigVersions, tenantModels, tenants } from '../../db/schema/tenants';
import { type AuditActor, canonicalJson, recordAudit } from '../audit';
import { getConfig } from '../config';
import { renderConfigMap, setDesired } from '../kube';
import { enqueueLiteLlmSync } from './litellm';

export const GATEWAY_CONFIGMAP = 'leitstand-gateway-limits';
export const GATEWAY_OWNER = { context: 'tenants', id: 'gateway-limits' } as const;

/** What the gateway enforces per tenant (the `limits.json` key of the ConfigMap). */
export interface GatewayTenantLimits {
  tenant: string;
  namespace: string;
  name: string;
  budget: { tokens: number; period: BudgetPeriod; alertThresholdPercent: number } | null;
  rateLimits: { requestsPerMinute: number | null; tokensPerMinute: number | null };
  models: Array<{ model: string; requestsPerMinute: number | null; tokensPerMinute: number | null }>;
}

export interface GatewayLimits {
  schema: 'leitstand.gateway-limits/v1';
  version: number;
  publishedAt: string;
  /** Tenants not listed have no access. Models not listed for a tenant are refused. */
  tenants: GatewayTenantLimits[];
}

/**
 * The same limits as LiteLLM team objects (the body of `/team/new` or `/team/update`):
 * `team_id`, `team_alias`, `models`, `tpm_limit`, `rpm_limit`, `budget_duration` ("1d",
 * "30d"). LiteLLM budgets are in US dollars (`max_budget`), not tokens, so the token budget
 * travels in `metadata` and `max_budget` is left to the usage context once prices exist.
 */
export interface LiteLlmTeam {
  team_id: string;
  team_alias: string;
  models: string[];
  tpm_limit: number | null;
  rpm_limit: number | null;
  budget_duration: string | null;
  /**
   * True when the tenant may use no model: LiteLLM reads a team's empty `models` list as
   * "all proxy models", so "no access" is a blocked team (its keys are refused).
   */
  blocked: boolean;
  metadata: {
    leitstand_tenant: string;
    token_budget: number | null;
    alert_threshold_percent: number;
    model_rpm_limit: Record<string, number>;
    model_tpm_limit: Record<string, number>;
  };
}

/** Every active tenant's limits, in slug order (deterministic: equal state, equal hash). */
export async function buildGatewayTenants(db: Executor): Promise<GatewayTenantLimits[]> {
  const rows = await db.select().from(tenants).where(eq(tenants.status, 'active')).orderBy(asc(tenants.slug));
  const models = await db.select().from(tenantModels).orderBy(asc(tenantModels.model));
  return rows.map((t) => ({
    tenant: t.slug,
    namespace: t.namespace,
    name: t.name,
    budget: t.tokenBudget === null ? null : { tokens: t.tokenBudget, period: t.budgetPeriod, alertThresholdPercent: t.alertThresholdPercent },
    rateLimits: { requestsPerMinute: t.requestsPerMinute, tokensPerMinute: t.tokensPerMinute },
    models: models
      .filter((m) => m.tenantId === t.id)
      .map((m) => ({ model: m.model, requestsPerMinute: m.requestsPerMinute, tokensPerMinute: m.tokensPerMinute })),
  }));
}

/** LiteLLM team objects for the same tenants. */
export function toLiteLlmTeams(list: GatewayTenantLimits[]): LiteLlmTeam[] {
  return list.map((t) => ({
    team_id: t.tenant,
    team_alias: t.name,
    models: t.models.map((m) => m.model),
    tpm_limit: t.rateLimits.tokensPerMinute,
    rpm_limit: t.rateLimits.requestsPerMinute,
    budget_duration: t.budget ? (t.budget.period === 'day' ? '1d' : '30d') : null,
    blocked: t.models.length === 0,
    metadata: {
      leitstand_tenant: t.tenant,
      token_budget: t.budget?.tokens ?? null,
      alert_threshold_percent: t.budget?.alertThresholdPercent ?? 100,
      model_rpm_limit: Object.fromEntries(t.models.filter((m) => m.requestsPerMinute !== null).map((m) => [m.model, m.requestsPerMinute!])),
      model_tpm_limit: Object.fromEntries(t.models.filter((m) => m.tokensPerMinute !== null).map((m) => [m.model, m.tokensPerMinute!])),
    },
  }));
}

/**
 * Publishes the gateway limits if they changed: a new version row, the ConfigMap as desired
 * state (the controller applies it), and an audit event. Call inside the transaction of the
 * tenant change that caused it. Returns the version now current.
 */
export async function publishGatewayLimits(tx: Tx, actor: AuditActor): Promise<{ version: number; changed: boolean }> {
  const list = await buildGatewayTenants(tx);
  const hash = crypto.createHash('sha256').update(canonicalJson(list)).digest('hex');
  const [latest] = await tx.select().from(gatewayConfigVersions).orderBy(desc(gatewayConfigVersions.version)).limit(1).for('update');
  if (latest && latest.contentHash === hash) return { version: latest.version, changed: false };
  const version = (latest?.version ?? 0) + 1;
  const content: GatewayLimits = { schema: 'leitstand.gateway-limits/v1', version, publishedAt: new Date().toISOString(), tenants: list };
  await tx.insert(gatewayConfigVersions).values({ version, contentHash: hash, content, publishedBy: actor.name });
  await setDesired(tx, {
    owner: GATEWAY_OWNER,
    manifest: renderConfigMap({
      namespace: getConfig().gatewayNamespace,
      name: GATEWAY_CONFIGMAP,
      labels: { 'app.kubernetes.io/part-of': 'leitstand', 'leitstand.io/config': 'gateway-limits' },
      annotations: { 'leitstand.io/version': String(version), 'leitstand.io/content-sha256': hash },
      data: {
        'limits.json': `${JSON.stringify(content, null, 2)}\n`,
        'litellm-teams.json': `${JSON.stringify({ teams: toLiteLlmTeams(list) }, null, 2)}\n`,
        version: String(version),
      },
    }),
  });
  await recordAudit(tx, {
    actor,
    action: 'tenant.gateway-limits.publish',
    targetType: 'configmap',
    targetId: `${getConfig().gatewayNamespace}/${GATEWAY_CONFIGMAP}`,
    before: latest ? { version: latest.version, contentHash: latest.contentHash } : null,
    after: { version, contentHash: hash, tenants: list.length },
  });
  // With LEITSTAND_LITELLM_URL: the same version goes to LiteLLM's admin API, by a job that commits with it.
  await enqueueLiteLlmSync(tx, version);
  return { version, changed: true };
}

/** The newest published version (or null before the first publication). */
export async function getGatewayLimits(db: Executor): Promise<{ version: number; publishedAt: Date; publishedBy: string; content: GatewayLimits } | null> {
  const [row] = await db.select().from(gatewayConfigVersions).orderBy(desc(gatewayConfigVersions.version)).limit(1);
  return row ? { version: row.version, publishedAt: row.publishedAt, publishedBy: row.publishedBy, content: row.content as GatewayLimits } : null;
}
