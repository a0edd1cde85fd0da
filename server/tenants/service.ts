import { and, asc, eq, ne } from 'drizzle-orm';
import { type Executor, type Tx, getDb } from '../../db/client';
import { type TenantLimitDefaults, type TenantQuota, tenantModels, tenants } from '../../db/schema/tenants';
import { type AuditActor, recordAudit } from '../audit';
import { ConflictError, InputError, NotFoundError } from '../core/errors';
import { type DesiredObjectRow, deleteDesired, getClusterObjects, listDesired, quantityValue, setDesired } from '../kube';
import { publishGatewayLimits } from './gateway';
import { msg, tenantMessages as m } from './messages';
import { LIMIT_RANGE_NAME, QUOTA_NAME, namespaceOf, quotaHard, renderTenantLimitRange, renderTenantNamespace, renderTenantQuota } from './manifests';
import { type NamespaceUsage, getNamespaceUsage, periodBounds, tokenUsage, usageOfPods } from './usage';
import {
  archiveConfirmationSchema,
  createTenantSchema,
  limitsSchema,
  parseTenantInput,
  quotaSchema,
  updateTenantSchema,
} from './validation';

export type Tenant = typeof tenants.$inferSelect;
export type TenantModel = typeof tenantModels.$inferSelect;

const ownerOf = (t: Pick<Tenant, 'id'>) => ({ context: 'tenants', id: t.id });

function publicView(t: Tenant) {
  return {
    slug: t.slug,
    name: t.name,
    namespace: t.namespace,
    costCentre: t.costCentre,
    contacts: t.contacts,
    status: t.status,
    quota: t.quota,
    limitDefaults: t.limitDefaults,
    tokenBudget: t.tokenBudget,
    budgetPeriod: t.budgetPeriod,
    alertThresholdPercent: t.alertThresholdPercent,
    requestsPerMinute: t.requestsPerMinute,
    tokensPerMinute: t.tokensPerMinute,
  };
}

async function loadForUpdate(tx: Tx, slug: string): Promise<Tenant> {
  const [row] = await tx.select().from(tenants).where(eq(tenants.slug, slug)).for('update');
  if (!row) throw new NotFoundError(msg(m.noTenant, { slug }));
  return row;
}

function requireActive(t: Tenant): void {
  if (t.status !== 'active') throw new ConflictError(msg(m.archived, { slug: t.slug }));
}

/** Writes the namespace, quota and limit range of a tenant as desired state (removing what is no longer wanted). */
async function writeDesired(tx: Tx, t: Tenant): Promise<void> {
  await setDesired(tx, { owner: ownerOf(t), manifest: renderTenantNamespace(t) });
  const quota = renderTenantQuota(t.slug, t.quota);
  const ref = (kind: string, name: string) => ({ apiVersion: 'v1', kind, namespace: t.namespace, name });
  if (quota) await setDesired(tx, { owner: ownerOf(t), manifest: quota });
  else await deleteDesired(tx, { owner: ownerOf(t), ref: ref('ResourceQuota', QUOTA_NAME) });
  const limits = renderTenantLimitRange(t.slug, t.limitDefaults);
  if (limits) await setDesired(tx, { owner: ownerOf(t), manifest: limits });
  else await deleteDesired(tx, { owner: ownerOf(t), ref: ref('LimitRange', LIMIT_RANGE_NAME) });
}

/** Tenants by name; archived ones only when asked. */
export async function listTenants(options: { includeArchived?: boolean } = {}, db: Executor = getDb()): Promise<Tenant[]> {
  return db
    .select()
    .from(tenants)
    .where(options.includeArchived ? undefined : eq(tenants.status, 'active'))
    .orderBy(asc(tenants.status), asc(tenants.name));
}

/** One tenant with its models and the state of its Kubernetes objects; NotFoundError when missing. */
export async function getTenant(slug: string, db: Executor = getDb()): Promise<{ tenant: Tenant; models: TenantModel[]; objects: DesiredObjectRow[] }> {
  const [tenant] = await db.select().from(tenants).where(eq(tenants.slug, slug));
  if (!tenant) throw new NotFoundError(msg(m.noTenant, { slug }));
  const models = await db.select().from(tenantModels).where(eq(tenantModels.tenantId, tenant.id)).orderBy(asc(tenantModels.model));
  const objects = await listDesired(db, { owner: ownerOf(tenant) });
  return { tenant, models, objects };
}

/** Creates a tenant: the row, its namespace as desired state, the gateway entry, the audit event. */
export async function createTenant(actor: AuditActor, input: unknown): Promise<Tenant> {
  const data = parseTenantInput(createTenantSchema(), input);
  return getDb().transaction(async (tx) => {
    const [existing] = await tx.select({ id: tenants.id }).from(tenants).where(eq(tenants.slug, data.slug));
    if (existing) throw new InputError(m.invalidInput, { slug: [msg(m.slugTaken, { slug: data.slug })] });
    const [row] = await tx
      .insert(tenants)
      .values({
        slug: data.slug,
        name: data.name,
        namespace: namespaceOf(data.slug),
        costCentre: data.costCentre ?? null,
        contacts: data.contacts,
      })
      .returning();
    const tenant = row!;
    await writeDesired(tx, tenant);
    await recordAudit(tx, { actor, action: 'tenant.create', targetType: 'tenant', targetId: tenant.slug, after: publicView(tenant) });
    await publishGatewayLimits(tx, actor);
    return tenant;
  });
}

/** Renames a tenant and changes its cost centre and contacts (the slug and namespace stay). */
export async function updateTenant(actor: AuditActor, slug: string, input: unknown): Promise<Tenant> {
  const data = parseTenantInput(updateTenantSchema(), input);
  return getDb().transaction(async (tx) => {
    const before = await loadForUpdate(tx, slug);
    requireActive(before);
    const [row] = await tx
      .update(tenants)
      .set({ name: data.name, costCentre: data.costCentre ?? null, contacts: data.contacts, revision: before.revision + 1, updatedAt: new Date() })
      .where(eq(tenants.id, before.id))
      .returning();
    await writeDesired(tx, row!);
    await recordAudit(tx, { actor, action: 'tenant.update', targetType: 'tenant', targetId: slug, before: publicView(before), after: publicView(row!) });
    await publishGatewayLimits(tx, actor);
    return row!;
  });
}

/** The resource's name in a message (a key; a MIG profile is named as it is). */
const quotaLabels: Record<string, string> = {
  'requests.nvidia.com/gpu': m.quotaGpus,
  'requests.cpu': m.quotaCpu,
  'requests.memory': m.quotaMemory,
  pods: m.quotaPods,
};
const fieldOfQuota = (resource: string) =>
  resource === 'requests.nvidia.com/gpu' ? 'gpus' : resource.startsWith('requests.nvidia.com/mig-') ? 'mig' : resource === 'requests.cpu' ? 'cpu' : resource === 'requests.memory' ? 'memory' : 'pods';
const show = (resource: string, v: number) =>
  resource === 'requests.memory' ? `${Math.round((v / 1024 ** 3) * 100) / 100} GiB` : String(Math.round(v * 1000) / 1000);

/**
 * The hard limits below current usage, as field errors a person can act on ("GPUs: 2 is
 * below the 4 the tenant's pods already request …"); empty when the quota is fine.
 */
export function quotaBelowUsage(hard: Record<string, string>, used: NamespaceUsage, namespace: string): Record<string, string[]> {
  const errors: Record<string, string[]> = {};
  for (const [resource, text] of Object.entries(hard)) {
    const limit = quantityValue(text);
    const inUse = used[resource] ?? 0;
    if (limit + 1e-9 < inUse) {
      const label = quotaLabels[resource] ?? resource.replace('requests.nvidia.com/', '');
      (errors[fieldOfQuota(resource)] ??= []).push(
        msg(m.belowUsage, { what: label, limit: show(resource, limit), used: show(resource, inUse), namespace }),
      );
    }
  }
  return errors;
}

/**
 * Sets a tenant's ResourceQuota and LimitRange defaults (desired state). A quota below what
 * the tenant's pods already request is refused with the numbers, field by field.
 */
export async function setTenantQuota(actor: AuditActor, slug: string, input: unknown): Promise<Tenant> {
  const data = parseTenantInput(quotaSchema(), input);
  const quota: TenantQuota = {
    gpus: data.gpus ?? null,
    mig: data.mig,
    cpu: data.cpu ?? null,
    memory: data.memory ?? null,
    pods: data.pods ?? null,
  };
  const limitDefaults: TenantLimitDefaults = {
    cpuRequest: data.cpuRequest ?? null,
    cpuLimit: data.cpuLimit ?? null,
    memoryRequest: data.memoryRequest ?? null,
    memoryLimit: data.memoryLimit ?? null,
  };
  const pairs: Array<[string, string | null, string | null]> = [
    ['cpuRequest', limitDefaults.cpuRequest, limitDefaults.cpuLimit],
    ['memoryRequest', limitDefaults.memoryRequest, limitDefaults.memoryLimit],
  ];
  for (const [field, request, limit] of pairs) {
    if (request && limit && quantityValue(request) > quantityValue(limit))
      throw new InputError(m.invalidInput, { [field]: [m.requestAboveLimit] });
  }
  const namespace = namespaceOf(slug);
  const used = await getNamespaceUsage(namespace);
  const below = quotaBelowUsage(quotaHard(quota), used, namespace);
  if (Object.keys(below).length > 0) throw new InputError(m.quotaBelowUsage, below);
  return getDb().transaction(async (tx) => {
    const before = await loadForUpdate(tx, slug);
    requireActive(before);
    const [row] = await tx
      .update(tenants)
      .set({ quota, limitDefaults, revision: before.revision + 1, updatedAt: new Date() })
      .where(eq(tenants.id, before.id))
      .returning();
    await writeDesired(tx, row!);
    await recordAudit(tx, {
      actor,
      action: 'tenant.quota.set',
      targetType: 'tenant',
      targetId: slug,
      before: { quota: before.quota, limitDefaults: before.limitDefaults },
      after: { quota, limitDefaults, usedAtChange: used },
    });
    return row!;
  });
}

/** Sets the token budget, alert threshold, rate limits and allowed models; republishes the gateway limits. */
export async function setTenantLimits(actor: AuditActor, slug: string, input: unknown): Promise<{ tenant: Tenant; gatewayVersion: number }> {
  const data = parseTenantInput(limitsSchema(), input);
  return getDb().transaction(async (tx) => {
    const before = await loadForUpdate(tx, slug);
    requireActive(before);
    const beforeModels = await tx.select().from(tenantModels).where(eq(tenantModels.tenantId, before.id)).orderBy(asc(tenantModels.model));
    const [row] = await tx
      .update(tenants)
      .set({
        tokenBudget: data.tokenBudget ?? null,
        budgetPeriod: data.budgetPeriod,
        alertThresholdPercent: data.alertThresholdPercent,
        requestsPerMinute: data.requestsPerMinute ?? null,
        tokensPerMinute: data.tokensPerMinute ?? null,
        revision: before.revision + 1,
        updatedAt: new Date(),
      })
      .where(eq(tenants.id, before.id))
      .returning();
    await tx.delete(tenantModels).where(eq(tenantModels.tenantId, before.id));
    if (data.models.length > 0) await tx.insert(tenantModels).values(data.models.map((m) => ({ tenantId: before.id, ...m })));
    const strip = (ms: TenantModel[]) => ms.map(({ tenantId: _t, ...m }) => m);
    await recordAudit(tx, {
      actor,
      action: 'tenant.limits.set',
      targetType: 'tenant',
      targetId: slug,
      before: { ...publicView(before), models: strip(beforeModels) },
      after: { ...publicView(row!), models: data.models },
    });
    const published = await publishGatewayLimits(tx, actor);
    return { tenant: row!, gatewayVersion: published.version };
  });
}

/**
 * Archives a tenant: it leaves the gateway limits (no more access) and its namespace is
 * deleted by the controller. Refused while its pods still run, so nothing is removed
 * silently: scale the tenant's deployments down first. `input.confirmSlug` must be the
 * tenant's slug, typed by the person archiving.
 */
export async function archiveTenant(actor: AuditActor, slug: string, input: unknown): Promise<Tenant> {
  parseTenantInput(archiveConfirmationSchema(slug), input);
  const { pods } = await getClusterObjects();
  const used = usageOfPods(pods, namespaceOf(slug));
  if ((used.pods ?? 0) > 0)
    throw new ConflictError(
      msg(used.pods === 1 ? m.stillRunsOne : m.stillRunsMany, { slug, pods: String(used.pods), gpus: String(used['requests.nvidia.com/gpu'] ?? 0), namespace: namespaceOf(slug) }),
    );
  return getDb().transaction(async (tx) => {
    const before = await loadForUpdate(tx, slug);
    requireActive(before);
    const [row] = await tx
      .update(tenants)
      .set({ status: 'archived', archivedAt: new Date(), revision: before.revision + 1, updatedAt: new Date() })
      .where(eq(tenants.id, before.id))
      .returning();
    const removed = await deleteDesired(tx, { owner: ownerOf(before) });
    await recordAudit(tx, {
      actor,
      action: 'tenant.archive',
      targetType: 'tenant',
      targetId: slug,
      before: publicView(before),
      after: { ...publicView(row!), kubernetesObjectsRemoved: removed },
    });
    await publishGatewayLimits(tx, actor);
    return row!;
  });
}

export interface TenantUsage {
  slug: string;
  /** Requested now / quota (null: no limit), by quota resource name. */
  resources: Array<{ resource: string; used: number; hard: number | null }>;
  gpus: { used: number; quota: number | null };
  tokens: { used: number | null; budget: number | null; period: 'day' | 'month'; start: string; end: string; alert: boolean };
}

/** Usage against quota and budget for tenants (all active ones when no slugs are given). */
export async function getTenantUsage(slugs?: string[], db: Executor = getDb()): Promise<TenantUsage[]> {
  const rows = (await listTenants({}, db)).filter((t) => !slugs || slugs.includes(t.slug));
  const { pods } = await getClusterObjects();
  const now = new Date();
  const byPeriod = new Map<string, Map<string, number> | null>();
  for (const period of ['day', 'month'] as const) {
    const { start, end } = periodBounds(period, now);
    const of = rows.filter((t) => t.budgetPeriod === period).map((t) => t.slug);
    byPeriod.set(period, of.length ? await tokenUsage(of, start, end) : new Map());
  }
  return rows.map((t) => {
    const used = usageOfPods(pods, t.namespace);
    const hard = quotaHard(t.quota);
    const keys = [...new Set([...Object.keys(hard), 'requests.nvidia.com/gpu', 'pods'])];
    const { start, end } = periodBounds(t.budgetPeriod, now);
    const tokens = byPeriod.get(t.budgetPeriod);
    const usedTokens = tokens === null || tokens === undefined ? null : (tokens.get(t.slug) ?? 0);
    return {
      slug: t.slug,
      resources: keys.map((resource) => ({ resource, used: used[resource] ?? 0, hard: hard[resource] !== undefined ? quantityValue(hard[resource]!) : null })),
      gpus: { used: used['requests.nvidia.com/gpu'] ?? 0, quota: t.quota?.gpus ?? null },
      tokens: {
        used: usedTokens,
        budget: t.tokenBudget,
        period: t.budgetPeriod,
        start: start.toISOString(),
        end: end.toISOString(),
        alert: usedTokens !== null && t.tokenBudget !== null && t.tokenBudget > 0 && (usedTokens / t.tokenBudget) * 100 >= t.alertThresholdPercent,
      },
    };
  });
}

/** The quota state the GPU planner takes for a tenant: hard limits and current use, by quota resource name. */
export async function getTenantQuotaState(slug: string, db: Executor = getDb()): Promise<{ hard: Record<string, number>; used: Record<string, number> } | null> {
  const [t] = await db.select().from(tenants).where(and(eq(tenants.slug, slug), ne(tenants.status, 'archived')));
  if (!t) return null;
  const hard = Object.fromEntries(Object.entries(quotaHard(t.quota)).map(([k, v]) => [k, quantityValue(v)]));
  return { hard, used: await getNamespaceUsage(t.namespace) };
}
