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
 * "30d"). LiteLLM budgets are in US dollars, not tokens: `max_budget` and `soft_budget` are
 * set only with a price per million tokens (LEITSTAND_LITELLM_USD_PER_MILLION_TOKENS);
 * the token budget always travels in `metadata`.
 */
export interface LiteLlmTeam {
  team_id: string;
  team_alias: string;
  models: string[];
  tpm_limit: number | null;
  rpm_limit: number | null;
  /** US dollars per budget period: tokens / 1e6 × price; null without a price or a token budget. */
  max_budget: number | null;
  /**
   * US dollars at which LiteLLM alerts (it does not block): max_budget × alert threshold %.
   * Null when max_budget is, and when it would not be below max_budget (threshold 100 %, or
   * a zero budget): an alert at the point where requests are refused says nothing new, and
   * LiteLLM refuses a soft budget that is not below the hard one where it checks them.
   */
  soft_budget: number | null;
  budget_duration: string | null;
  /**
   * True when the tenant may use no model: LiteLLM reads a team's empty `models` list as
   * "all proxy models", so "no access" is a blocked team (its keys are refused).
   */
  blocked: boolean;
  metadata: {
    leitstand_tenant: string;
    token_budget: number | null;
    /**
     * The price in force when Leitstand wrote the team (null: none). Non-null marks the
     * team's max_budget/soft_budget as Leitstand's, so a later unset price clears them.
     */
    usd_per_million_tokens: number | null;
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

/**
 * US dollars rounded to a millionth of a dollar: finer than cents, so a small budget at a
 * low price is not rounded away, and exact in binary floating point often enough that the
 * value LiteLLM stores and returns compares equal to the one we computed.
 */
export function roundUsd(usd: number): number {
  return Math.round(usd * 1e6) / 1e6;
}

/**
 * The dollar budgets LiteLLM enforces for a token budget at a price per million tokens
 * (both null without a price or without a budget). See LiteLlmTeam for soft_budget's rule.
 */
export function liteLlmBudget(
  budget: GatewayTenantLimits['budget'],
  usdPerMillionTokens: number | undefined,
): { maxBudget: number | null; softBudget: number | null } {
  if (!budget || usdPerMillionTokens === undefined) return { maxBudget: null, softBudget: null };
  const maxBudget = roundUsd((budget.tokens / 1e6) * usdPerMillionTokens);
  const soft = roundUsd((maxBudget * budget.alertThresholdPercent) / 100);
  return { maxBudget, softBudget: soft < maxBudget ? soft : null };
}

/**
 * LiteLLM team objects for the same tenants. `usdPerMillionTokens` (the configured
 * LEITSTAND_LITELLM_USD_PER_MILLION_TOKENS) turns token budgets into dollar budgets.
 */
export function toLiteLlmTeams(list: GatewayTenantLimits[], usdPerMillionTokens: number | undefined): LiteLlmTeam[] {
  return list.map((t) => {
    const { maxBudget, softBudget } = liteLlmBudget(t.budget, usdPerMillionTokens);
    return {
      team_id: t.tenant,
      team_alias: t.name,
      models: t.models.map((m) => m.model),
      tpm_limit: t.rateLimits.tokensPerMinute,
      rpm_limit: t.rateLimits.requestsPerMinute,
      max_budget: maxBudget,
      soft_budget: softBudget,
      budget_duration: t.budget ? (t.budget.period === 'day' ? '1d' : '30d') : null,
      blocked: t.models.length === 0,
      metadata: {
        leitstand_tenant: t.tenant,
        token_budget: t.budget?.tokens ?? null,
        usd_per_million_tokens: usdPerMillionTokens ?? null,
        alert_threshold_percent: t.budget?.alertThresholdPercent ?? 100,
        model_rpm_limit: Object.fromEntries(t.models.filter((m) => m.requestsPerMinute !== null).map((m) => [m.model, m.requestsPerMinute!])),
        model_tpm_limit: Object.fromEntries(t.models.filter((m) => m.tokensPerMinute !== null).map((m) => [m.model, m.tokensPerMinute!])),
      },
    };
  });
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
        // Priced at publication: a changed price shows here with the next version (LiteLLM itself gets it at the next start).
        'litellm-teams.json': `${JSON.stringify({ teams: toLiteLlmTeams(list, getConfig().litellm.usdPerMillionTokens) }, null, 2)}\n`,
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
