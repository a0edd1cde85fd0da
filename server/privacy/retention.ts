import { and, asc, desc, eq, isNull, lt, or, sql } from 'drizzle-orm';
import { z } from 'zod';
import { type Executor, getDb } from '../../db/client';
import { privacyStores, retentionActions, retentionFloors, retentionPolicies, retentionRuns } from '../../db/schema/privacy';
import { type AuditActor, recordAudit } from '../audit';
import { ConflictError, InputError, NotFoundError } from '../core/errors';
import { parseInput, requireUuid } from './validation';
import { defineJobType, enqueueJob, type JobContext, PermanentJobError } from '../jobs';
import { PostgresConnector, RedisConnector, type RedisStoreConfig } from './connectors';
import { categoryName, type PgTableConfig } from './connectors/postgres';
import { signDocument } from './crypto';
import { categoryMatches } from './holds';
import { connectStore, getStore, listStores, type StoreView } from './stores';
import { msg, privacyMessages as pm } from './messages';

/**
 * Legal minimum retention that no policy may undercut, built in. Organisations add their
 * own floors (table privacy_retention_floors); the stricter (longer) one wins.
 * 184 days: six months is at most 184 days, so no six-month period is ever cut short.
 */
export const builtInFloors = [
  { category: 'audit', minDays: 184, basis: 'Audit trail: kept at least six months (accountability, GDPR Art. 5(2); EU AI Act Art. 19(1) for logs of high-risk AI systems)' },
  { category: 'ai_system.logs', minDays: 184, basis: 'EU AI Act Art. 19(1) and 26(6): automatically generated logs of high-risk AI systems kept at least six months' },
] as const;

function floorCovers(floorCategory: string, category: string): boolean {
  return category === floorCategory || category.startsWith(`${floorCategory}.`) || categoryMatches(floorCategory, category);
}

/** The binding floor of a category (longest of the built-in and configured floors covering it), or null. */
export async function floorFor(category: string, db: Executor = getDb()): Promise<{ minDays: number; basis: string; category: string } | null> {
  const configured = await db.select().from(retentionFloors);
  const all = [...builtInFloors, ...configured.map((f) => ({ category: f.category, minDays: f.minDays, basis: f.basis }))];
  const covering = all.filter((f) => floorCovers(f.category, category)).sort((a, b) => b.minDays - a.minDays);
  return covering[0] ?? null;
}

export const floorInputSchema = z.object({
  category: z.string().trim().regex(/^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$/, { error: pm.floorCategory }),
  minDays: z.coerce.number({ error: pm.days }).int({ error: pm.days }).min(1, { error: pm.days }).max(36_500),
  basis: z.string().trim().min(10, { error: pm.floorBasis }).max(1000),
});

/** Adds or changes a configured floor; refused when an existing policy would undercut it. */
export async function setFloor(input: z.input<typeof floorInputSchema>, actor: AuditActor): Promise<void> {
  const f = parseInput(floorInputSchema, input);
  await getDb().transaction(async (tx) => {
    const policies = await tx.select().from(retentionPolicies);
    const under = policies.filter((p) => floorCovers(f.category, p.category) && p.maxAgeDays < f.minDays);
    if (under.length) {
      throw new ConflictError(msg(pm.floorUndercut, { policies: under.map((p) => `${p.category} (${p.maxAgeDays})`).join(', ') }));
    }
    await tx
      .insert(retentionFloors)
      .values(f)
      .onConflictDoUpdate({ target: retentionFloors.category, set: { minDays: f.minDays, basis: f.basis } });
    await recordAudit(tx, { actor, action: 'privacy.retention.floor', targetType: 'privacy_retention_floor', targetId: f.category, after: f });
  });
}

export const policyInputSchema = z.object({
  category: categoryName,
  storeId: z.uuid({ error: pm.chooseStore }),
  tenant: z
    .string()
    .trim()
    .max(200)
    .optional()
    .transform((v) => (v ? v : undefined)),
  maxAgeDays: z.coerce.number({ error: pm.days }).int({ error: pm.days }).min(1, { error: pm.days }).max(36_500),
  action: z.enum(retentionActions),
});
export type PolicyInput = z.input<typeof policyInputSchema>;

function tablesFor(config: unknown, category: string): PgTableConfig[] {
  return ((config as { tables?: PgTableConfig[] }).tables ?? []).filter((t) => t.categories.includes(category));
}

/**
 * Creates a retention policy. Refused when it undercuts the category's legal floor, when
 * the store does not hold the category, or when a table holding it has no timestamp column
 * mapped (or, for anonymisation, no columns to overwrite; for a tenant, no tenant column).
 */
export async function createPolicy(input: PolicyInput, actor: AuditActor) {
  const p = parseInput(policyInputSchema, input);
  const store = await getStore(p.storeId);
  if (store.kind === 'redis') checkRedisPolicy(store, p);
  else if (store.kind !== 'postgres' && store.kind !== 'pgvector') {
    throw new InputError(pm.retentionKinds, { storeId: [pm.retentionKinds] });
  } else checkSqlPolicy(store, p);
  const floor = await floorFor(p.category);
  if (floor && p.maxAgeDays < floor.minDays) {
    throw new InputError(msg(pm.belowFloor, { category: p.category, days: floor.minDays }), { maxAgeDays: [msg(pm.atLeastDays, { days: floor.minDays, basis: floor.basis })] });
  }
  return getDb().transaction(async (tx) => {
    const [clash] = await tx
      .select({ id: retentionPolicies.id })
      .from(retentionPolicies)
      .where(and(eq(retentionPolicies.category, p.category), eq(retentionPolicies.storeId, p.storeId), sql`coalesce(${retentionPolicies.tenant}, '') = ${p.tenant ?? ''}`));
    if (clash) throw new InputError(pm.policyExists, { category: [pm.editExisting] });
    const [row] = await tx.insert(retentionPolicies).values({ ...p, tenant: p.tenant ?? null, createdBy: actor.name }).returning();
    await recordAudit(tx, { actor, action: 'privacy.retention.policy.create', targetType: 'privacy_retention_policy', targetId: row!.id, after: p });
    return row!;
  });
}

type ParsedPolicy = z.output<typeof policyInputSchema>;

/** Redis: key patterns only (a field in a shared hash has no age), each with its timestamp field; delete only. */
function checkRedisPolicy(store: StoreView, p: ParsedPolicy) {
  const config = store.config as RedisStoreConfig;
  const keys = config.keys.filter((k) => k.categories.includes(p.category));
  const inHashes = config.hashFields.filter((h) => h.categories.includes(p.category)).map((h) => `${h.key}#${h.field}`);
  if (!keys.length && !inHashes.length) throw new InputError(pm.categoryNotInStore, { category: [msg(pm.storeCategories, { categories: store.categories.join(', ') })] });
  if (inHashes.length) throw new InputError(pm.retentionRedisPatterns, { category: [msg(pm.redisHashFieldsAge, { fields: inHashes.join(', ') })] });
  const undated = keys.filter((k) => !k.timestampField).map((k) => k.pattern);
  if (undated.length) throw new InputError(pm.mapTimestamp, { category: [msg(pm.noTimestampField, { patterns: undated.join(', ') })] });
  if (p.action !== 'delete') throw new InputError(pm.retentionRedisPatterns, { action: [pm.redisDeleteOnly] });
  if (p.tenant) {
    const none = keys.filter((k) => !k.pattern.includes('{tenant}')).map((k) => k.pattern);
    if (none.length) throw new InputError(pm.mapTenant, { tenant: [msg(pm.noTenant, { tables: none.join(', ') })] });
  }
}

function checkSqlPolicy(store: StoreView, p: ParsedPolicy) {
  const tables = tablesFor(store.config, p.category);
  if (!tables.length) throw new InputError(pm.categoryNotInStore, { category: [msg(pm.storeCategories, { categories: store.categories.join(', ') })] });
  const missing = tables.filter((t) => !t.timestampColumn).map((t) => t.table);
  if (missing.length) throw new InputError(pm.mapTimestamp, { category: [msg(pm.noTimestamp, { tables: missing.join(', ') })] });
  if (p.action === 'anonymise') {
    const none = tables.filter((t) => !Object.keys(t.overwrite ?? {}).length).map((t) => t.table);
    if (none.length) throw new InputError(pm.mapOverwrite, { action: [msg(pm.noOverwrite, { tables: none.join(', ') })] });
  }
  if (p.tenant) {
    const none = tables.filter((t) => !t.tenantColumn).map((t) => t.table);
    if (none.length) throw new InputError(pm.mapTenant, { tenant: [msg(pm.noTenant, { tables: none.join(', ') })] });
  }
}

/** Deletes a policy (its past runs and their evidence go with it only through the audit trail). */
export async function deletePolicy(id: string, actor: AuditActor): Promise<void> {
  requireUuid(id, 'retention policy');
  await getDb().transaction(async (tx) => {
    const [row] = await tx.delete(retentionPolicies).where(eq(retentionPolicies.id, id)).returning();
    if (!row) throw new NotFoundError('No such retention policy.');
    await recordAudit(tx, { actor, action: 'privacy.retention.policy.delete', targetType: 'privacy_retention_policy', targetId: id, before: row });
  });
}

/** Policies with their store names and latest run. */
export async function listPolicies(db: Executor = getDb()) {
  const rows = await db
    .select({ policy: retentionPolicies, storeName: privacyStores.name })
    .from(retentionPolicies)
    .innerJoin(privacyStores, eq(privacyStores.id, retentionPolicies.storeId))
    .orderBy(asc(retentionPolicies.category), asc(privacyStores.name));
  return rows.map((r) => ({ ...r.policy, storeName: r.storeName }));
}

/** Runs of a policy (or all), newest first. */
export async function listRuns(options: { policyId?: string; limit?: number } = {}, db: Executor = getDb()) {
  return db
    .select()
    .from(retentionRuns)
    .where(options.policyId ? eq(retentionRuns.policyId, options.policyId) : undefined)
    .orderBy(desc(retentionRuns.startedAt))
    .limit(options.limit ?? 50);
}

interface RetentionPayload {
  runId: string;
}

/**
 * One purge run: per table holding the category, batches of deletes (or overwrites) of rows
 * older than the run's cutoff, each batch its own short statement so writers go on; then
 * signed evidence of what was purged. The cutoff is fixed when the run is enqueued, so a
 * resumed run purges against the same instant.
 */
export const retentionJob = defineJobType<RetentionPayload>('privacy.retention', {
  payload: z.object({ runId: z.uuid() }),
  maxAttempts: 5,
  handler: runRetention,
});

async function runRetention(ctx: JobContext<RetentionPayload>) {
  const db = getDb();
  const [run] = await db.select().from(retentionRuns).where(eq(retentionRuns.id, ctx.payload.runId));
  if (!run) throw new PermanentJobError('the retention run no longer exists');
  if (run.finishedAt) return { rows: run.rows };
  const [policy] = await db.select().from(retentionPolicies).where(eq(retentionPolicies.id, run.policyId));
  if (!policy) throw new PermanentJobError('the retention policy no longer exists');
  const floor = await floorFor(policy.category);
  if (floor && policy.maxAgeDays < floor.minDays) throw new PermanentJobError('the policy undercuts the legal floor');
  const { store, connector } = await connectStore(policy.storeId);
  const perTable: { table: string; rows: number; undated?: number }[] = [];
  try {
    if (connector instanceof RedisConnector) {
      // Whole keys by pattern, judged by their timestamp field (see purgeOlderThan).
      const patterns = (store.config as RedisStoreConfig).keys.filter((k) => k.categories.includes(policy.category)).map((k) => k.pattern);
      let total = run.rows;
      for (const [i, pattern] of patterns.entries()) {
        const result = await ctx.step(`purge:keys:${pattern}`, () =>
          connector.purgeOlderThan(pattern, run.cutoff, {
            tenant: policy.tenant,
            signal: ctx.signal,
            onBatch: async (n) => {
              total += n;
              // Counted per script run (each commits on its own), so a resumed run keeps them.
              await db.update(retentionRuns).set({ rows: sql`${retentionRuns.rows} + ${n}` }).where(eq(retentionRuns.id, run.id));
              await ctx.setProgress(i, patterns.length, `${pattern}: ${total} keys`);
            },
          }),
        );
        perTable.push({ table: `keys:${pattern}`, rows: result.removed, undated: result.undated });
      }
      return await finishRun(ctx, run, policy, store, floor, perTable);
    }
    if (!(connector instanceof PostgresConnector)) throw new PermanentJobError('retention runs only on SQL and Redis stores');
    // Children before parents, as for erasure.
    const order = (await connector.targets()).map((x) => x.key);
    const tables = tablesFor(store.config, policy.category).sort((a, b) => order.indexOf(a.table) - order.indexOf(b.table));
    let total = run.rows;
    for (const [i, t] of tables.entries()) {
      const rows = await ctx.step(`purge:${t.table}`, () =>
        connector.purgeOlderThan(t.table, run.cutoff, {
          action: policy.action,
          tenant: policy.tenant,
          signal: ctx.signal,
          onBatch: async (n) => {
            total += n;
            // Counted per committed batch, so a resumed run keeps what earlier attempts purged.
            await db.update(retentionRuns).set({ rows: sql`${retentionRuns.rows} + ${n}` }).where(eq(retentionRuns.id, run.id));
            await ctx.setProgress(i, tables.length, `${t.table}: ${total} rows`);
          },
        }),
      );
      perTable.push({ table: t.table, rows });
    }
  } finally {
    await connector.close();
  }
  return finishRun(ctx, run, policy, store, floor, perTable);
}

/** Signs the evidence of a finished run and closes it (one recorded step, audited). */
async function finishRun(
  ctx: JobContext<RetentionPayload>,
  run: typeof retentionRuns.$inferSelect,
  policy: typeof retentionPolicies.$inferSelect,
  store: StoreView,
  floor: Awaited<ReturnType<typeof floorFor>>,
  perTable: { table: string; rows: number; undated?: number }[],
) {
  return ctx.stepInTransaction('evidence', async (tx) => {
    const [current] = await tx.select().from(retentionRuns).where(eq(retentionRuns.id, run.id)).for('update');
    const finishedAt = new Date();
    const evidence = {
      type: 'leitstand.retention-evidence' as const,
      version: 1,
      run: run.id,
      policy: { id: policy.id, category: policy.category, store: store.name, storeId: store.id, tenant: policy.tenant, maxAgeDays: policy.maxAgeDays, action: policy.action },
      floor: floor ? { minDays: floor.minDays, basis: floor.basis } : null,
      cutoff: run.cutoff.toISOString(),
      tables: perTable,
      rows: current!.rows,
      startedAt: run.startedAt.toISOString(),
      finishedAt: finishedAt.toISOString(),
    };
    const signed = signDocument(evidence);
    await tx.update(retentionRuns).set({ finishedAt, evidence: signed, evidenceSignature: signed.signature }).where(eq(retentionRuns.id, run.id));
    await tx.update(retentionPolicies).set({ lastRunAt: finishedAt }).where(eq(retentionPolicies.id, policy.id));
    await recordAudit(tx, {
      actor: { id: null, name: 'privacy retention job', roles: [] },
      action: 'privacy.retention.run',
      targetType: 'privacy_retention_policy',
      targetId: policy.id,
      after: { run: run.id, rows: current!.rows, cutoff: evidence.cutoff, action: policy.action },
    });
    return { rows: current!.rows };
  });
}

/** Starts a purge run of a policy now (a run already under way is returned instead). */
export async function runPolicy(policyId: string, actor: AuditActor, now = new Date()) {
  requireUuid(policyId, 'retention policy');
  return getDb().transaction(async (tx) => {
    const [policy] = await tx.select().from(retentionPolicies).where(eq(retentionPolicies.id, policyId)).for('update');
    if (!policy) throw new NotFoundError('No such retention policy.');
    const [open] = await tx.select().from(retentionRuns).where(and(eq(retentionRuns.policyId, policyId), isNull(retentionRuns.finishedAt)));
    if (open) return open;
    const cutoff = new Date(now.getTime() - policy.maxAgeDays * 86_400_000);
    const [run] = await tx.insert(retentionRuns).values({ policyId, cutoff }).returning();
    const job = await enqueueJob(tx, { type: retentionJob, payload: { runId: run!.id }, owner: { type: 'retention_policy', id: policyId }, dedupeKey: policyId, actor });
    await tx.update(retentionRuns).set({ jobId: job.id }).where(eq(retentionRuns.id, run!.id));
    await recordAudit(tx, { actor, action: 'privacy.retention.start', targetType: 'privacy_retention_policy', targetId: policyId, after: { run: run!.id, cutoff: cutoff.toISOString() } });
    return { ...run!, jobId: job.id };
  });
}

/** Enqueues a run of every enabled policy not run in the last day (called by the scheduler on each replica). */
export async function scheduleDuePolicies(now = new Date()): Promise<number> {
  const due = await getDb()
    .select({ id: retentionPolicies.id })
    .from(retentionPolicies)
    .where(and(eq(retentionPolicies.enabled, 1), or(isNull(retentionPolicies.lastRunAt), lt(retentionPolicies.lastRunAt, new Date(now.getTime() - 86_400_000)))));
  let started = 0;
  for (const p of due) {
    await runPolicy(p.id, { id: null, name: 'privacy retention scheduler', roles: [] }, now);
    started++;
  }
  return started;
}

/**
 * The records of processing (GDPR Art. 30(1)(f)): per data category, where it is stored and
 * the envisaged time limit for erasure (the policy), with the legal floor that bounds it.
 */
export async function recordsOfProcessing(db: Executor = getDb()) {
  const stores = await listStores(db);
  const policies = await listPolicies(db);
  const categories = new Set<string>([...stores.flatMap((s) => s.categories), ...policies.map((p) => p.category)]);
  const rows = [];
  for (const category of [...categories].sort()) {
    const floor = await floorFor(category, db);
    const inStores = stores.filter((s) => s.categories.includes(category));
    rows.push({
      category,
      stores: inStores.map((s) => s.name),
      limits: policies
        .filter((p) => p.category === category)
        .map((p) => ({ store: p.storeName, tenant: p.tenant, maxAgeDays: p.maxAgeDays, action: p.action })),
      floorDays: floor?.minDays ?? null,
      floorBasis: floor?.basis ?? null,
      unlimitedIn: inStores.filter((s) => !policies.some((p) => p.category === category && p.storeId === s.id)).map((s) => s.name),
    });
  }
  return rows;
}

function csvCell(value: unknown): string {
  const text = value === null || value === undefined ? '' : String(value);
  // Cells starting with a formula character are prefixed so spreadsheets do not run them.
  const safe = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return /[",\n\r]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

/** The records of processing as CSV (one row per category and limit). */
export async function recordsOfProcessingCsv(db: Executor = getDb()): Promise<string> {
  const rows = await recordsOfProcessing(db);
  const lines = [['category', 'stores', 'store', 'tenant', 'max_age_days', 'action', 'legal_floor_days', 'floor_basis', 'no_limit_in'].join(',')];
  for (const r of rows) {
    const limits = r.limits.length ? r.limits : [null];
    for (const l of limits) {
      lines.push(
        [r.category, r.stores.join('; '), l?.store, l?.tenant, l?.maxAgeDays, l?.action, r.floorDays, r.floorBasis, r.unlimitedIn.join('; ')].map(csvCell).join(','),
      );
    }
  }
  return `${lines.join('\r\n')}\r\n`;
}
