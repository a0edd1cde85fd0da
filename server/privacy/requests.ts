import crypto from 'node:crypto';
import { and, asc, desc, eq, inArray, sql } from 'drizzle-orm';
import { z } from 'zod';
import { type Executor, type Tx, getDb } from '../../db/client';
import {
  erasureRequests,
  erasureTasks,
  intakeChannels,
  openRequestStates,
  type RequestState,
  requestStates,
  webhookCallbacks,
} from '../../db/schema/privacy';
import { type AuditActor, recordAudit } from '../audit';
import { ConflictError, ForbiddenError, InputError, NotFoundError } from '../core/errors';
import { parseInput } from './validation';
import { enqueueJob, getJob, type JobView, retryJob } from '../jobs';
import { connectorMessage, type Target } from './connectors';
import { identifierKinds, openJson, sealJson, type SubjectIdentifier, subjectHash } from './crypto';
import { checkExtension, daysBetween, erasureDeadline, isCalendarDate, todayUtc } from './deadline';
import { activeHolds, holdsFor } from './holds';
import { erasureJob } from './job';
import { flagAffectedModels, listModelFlags, type ModelDecisionInput, type ModelFlag, recordModelDecision } from './lineage';
import { connectStore, listStores } from './stores';
import { finalizeRequest } from './evidence';
import { privacyMessages as pm, msg } from './messages';

export type ErasureRequestRow = typeof erasureRequests.$inferSelect;

/** What the sealed `subject` column holds. */
export interface SealedSubject {
  identifiers: SubjectIdentifier[];
  requester: { name: string; contact: string };
}

const identifierSchema = z
  .object({
    kind: z.enum(identifierKinds),
    value: z.string().trim().min(1, { error: pm.identifierRequired }).max(500),
    tenant: z.string().trim().max(200).optional(),
  })
  .refine((i) => i.kind !== 'email' || /^[^\s@]+@[^\s@]+$/.test(i.value), { path: ['value'], error: pm.emailInvalid })
  .refine((i) => i.kind !== 'tenant_user_id' || (i.tenant ?? '').length > 0, { path: ['tenant'], error: pm.tenantRequired });

export const requestInputSchema = z.object({
  identifiers: z.array(identifierSchema).min(1, { error: pm.identifiersRequired }).max(20),
  requesterName: z.string().trim().min(1, { error: pm.requesterNameRequired }).max(200),
  requesterContact: z.string().trim().min(3, { error: pm.requesterContactRequired }).max(500),
  channel: z.enum(intakeChannels, { error: pm.channelRequired }),
  receivedOn: z
    .string()
    .trim()
    .refine(isCalendarDate, { error: pm.dateFormat })
    .refine((d) => !isCalendarDate(d) || daysBetween(todayUtc(), d) <= 0, { error: pm.receivedInFuture }),
});
export type RequestInput = z.input<typeof requestInputSchema>;

function reference(receivedOn: string): string {
  return `ER-${receivedOn.replaceAll('-', '')}-${crypto.randomBytes(3).toString('hex').toUpperCase()}`;
}

function subjectOf(row: ErasureRequestRow): SealedSubject {
  if (!row.subject) throw new ConflictError(pm.subjectWiped);
  return openJson<SealedSubject>(row.subject, `erasure:${row.id}`);
}

/** Earlier requests for any of these identifiers (by keyed hash), newest first. */
export async function findPastErasures(identifiers: SubjectIdentifier[], db: Executor = getDb()) {
  const hashes = identifiers.map((i) => subjectHash(i));
  if (!hashes.length) return [];
  return db
    .select({ id: erasureRequests.id, reference: erasureRequests.reference, state: erasureRequests.state, completedAt: erasureRequests.completedAt })
    .from(erasureRequests)
    .where(sql`${erasureRequests.subjectHashes} && ${sql.raw(`array[${hashes.map((h) => `'${h}'`).join(',')}]::text[]`)}`)
    .orderBy(desc(erasureRequests.createdAt));
}

/**
 * Records an erasure request at intake. The identifiers and the requester's contact are
 * sealed (AES-256-GCM); the deadline is computed from the date of receipt. A subject seen
 * before (same keyed hash) is linked as a re-run of the latest completed request.
 */
export async function createRequest(input: RequestInput, actor: AuditActor): Promise<ErasureRequestRow> {
  const r = parseInput(requestInputSchema, input);
  const identifiers: SubjectIdentifier[] = r.identifiers.map((i) => (i.kind === 'tenant_user_id' ? { kind: i.kind, value: i.value, tenant: i.tenant } : { kind: i.kind, value: i.value }));
  const hashes = [...new Set(identifiers.map((i) => subjectHash(i)))];
  const past = await findPastErasures(identifiers);
  const rerunOf = past.find((p) => p.state === 'completed' || p.state === 'partially_refused')?.id ?? null;
  const id = crypto.randomUUID();
  return getDb().transaction(async (tx) => {
    const [row] = await tx
      .insert(erasureRequests)
      .values({
        id,
        reference: reference(r.receivedOn),
        subject: sealJson({ identifiers, requester: { name: r.requesterName, contact: r.requesterContact } } satisfies SealedSubject, `erasure:${id}`),
        subjectHashes: hashes,
        identifierKinds: [...new Set(identifiers.map((i) => i.kind))],
        channel: r.channel,
        receivedOn: r.receivedOn,
        dueOn: erasureDeadline(r.receivedOn),
        rerunOf,
        createdById: actor.id,
        createdBy: actor.name,
      })
      .returning();
    await recordAudit(tx, {
      actor,
      action: 'privacy.erasure.create',
      targetType: 'privacy_erasure_request',
      targetId: id,
      // Never the identifiers: which kinds, and the keyed hashes.
      after: { reference: row!.reference, channel: r.channel, receivedOn: r.receivedOn, dueOn: row!.dueOn, identifierKinds: row!.identifierKinds, rerunOf },
    });
    return row!;
  });
}

async function lockRequest(tx: Tx, id: string): Promise<ErasureRequestRow> {
  if (!z.uuid().safeParse(id).success) throw new NotFoundError('No such erasure request.');
  const [row] = await tx.select().from(erasureRequests).where(eq(erasureRequests.id, id)).for('update');
  if (!row) throw new NotFoundError('No such erasure request.');
  return row;
}

function expectState(row: ErasureRequestRow, allowed: readonly RequestState[], doing: 'verify' | 'extend' | 'discover' | 'submit' | 'approve' | 'reject' | 'retry') {
  if (!allowed.includes(row.state)) throw new ConflictError(msg(pm.wrongState, { doing: `privacy.doing.${doing}`, state: `privacy.state.${row.state}` }));
}

async function transition(tx: Tx, row: ErasureRequestRow, set: Partial<typeof erasureRequests.$inferInsert>, actor: AuditActor, action: string, detail: Record<string, unknown> = {}) {
  const [updated] = await tx.update(erasureRequests).set({ ...set, updatedAt: new Date() }).where(eq(erasureRequests.id, row.id)).returning();
  await recordAudit(tx, {
    actor,
    action,
    targetType: 'privacy_erasure_request',
    targetId: row.id,
    before: { state: row.state },
    after: { state: updated!.state, reference: row.reference, ...detail },
  });
  return updated!;
}

export const verificationSchema = z.object({
  method: z.string().trim().min(5, { error: pm.verificationMethod }).max(1000),
});

/** Records how the requester's identity was verified: received → verified. */
export async function recordVerification(id: string, input: z.input<typeof verificationSchema>, actor: AuditActor) {
  const v = parseInput(verificationSchema, input);
  return getDb().transaction(async (tx) => {
    const row = await lockRequest(tx, id);
    expectState(row, ['received'], 'verify');
    return transition(tx, row, { state: 'verified', verificationMethod: v.method, verifiedAt: new Date(), verifiedBy: actor.name }, actor, 'privacy.erasure.verify-identity', { method: v.method });
  });
}

export const extensionSchema = z.object({ reason: z.string().default(''), noticeOn: z.string().trim().default('') });

/** Extends the deadline by two months (reason + notice to the requester within the first month). */
export async function extendDeadline(id: string, input: z.input<typeof extensionSchema>, actor: AuditActor) {
  const e = parseInput(extensionSchema, input);
  return getDb().transaction(async (tx) => {
    const row = await lockRequest(tx, id);
    expectState(row, openRequestStates, 'extend');
    if (row.extendedDueOn) throw new ConflictError(pm.alreadyExtended);
    const check = checkExtension({ receivedOn: row.receivedOn, reason: e.reason, noticeOn: e.noticeOn });
    if (!check.ok) throw new InputError(check.message, { [check.field]: [check.message] });
    return transition(
      tx,
      row,
      { extendedDueOn: check.extendedDueOn, extensionReason: e.reason.trim(), extensionNoticeOn: e.noticeOn },
      actor,
      'privacy.erasure.extend',
      { extendedDueOn: check.extendedDueOn, reason: e.reason.trim(), noticeOn: e.noticeOn },
    );
  });
}

/** One target of the dry run. */
export interface DiscoveryTarget {
  key: string;
  categories: string[];
  method: Target['method'];
  count: number;
  holds: { id: string; kind: string; ground: string; description: string; expiresOn: string | null }[];
}
export type DiscoveryStore =
  | { storeId: string; name: string; kind: string; ok: true; targets: DiscoveryTarget[] }
  | { storeId: string; name: string; kind: string; ok: false; error: string };
export interface DiscoveryResult {
  at: string;
  stores: DiscoveryStore[];
  total: number;
  byCategory: Record<string, number>;
}

/**
 * The dry run: counts of the subject's records per store, target and category, with the
 * holds that would stop erasure at each target, and the model versions trained on the
 * subject's data. Changes no store. verified | discovery → discovery.
 */
export async function runDiscovery(id: string, actor: AuditActor): Promise<DiscoveryResult> {
  const db = getDb();
  const [row] = await db.select().from(erasureRequests).where(eq(erasureRequests.id, id));
  if (!row) throw new NotFoundError('No such erasure request.');
  expectState(row, ['verified', 'discovery'], 'discover');
  const { identifiers } = subjectOf(row);
  const holds = await activeHolds();
  const stores = await listStores();
  const results = await Promise.all(
    stores.map(async (s): Promise<DiscoveryStore> => {
      let connection: Awaited<ReturnType<typeof connectStore>> | undefined;
      try {
        connection = await connectStore(s.id);
        const targets: DiscoveryTarget[] = [];
        for (const t of await connection.connector.targets()) {
          targets.push({
            key: t.key,
            categories: t.categories,
            method: t.method,
            count: await connection.connector.count(t, identifiers),
            holds: holdsFor(holds, s.id, t.categories).map((h) => ({ id: h.id, kind: h.kind, ground: h.ground, description: h.description, expiresOn: h.expiresOn })),
          });
        }
        return { storeId: s.id, name: s.name, kind: s.kind, ok: true, targets };
      } catch (error) {
        return { storeId: s.id, name: s.name, kind: s.kind, ok: false, error: connectorMessage(error) };
      } finally {
        await connection?.connector.close();
      }
    }),
  );
  const byCategory: Record<string, number> = {};
  let total = 0;
  for (const s of results) {
    if (!s.ok) continue;
    for (const t of s.targets) {
      total += t.count;
      for (const c of t.categories) byCategory[c] = (byCategory[c] ?? 0) + t.count;
    }
  }
  const result: DiscoveryResult = { at: new Date().toISOString(), stores: results, total, byCategory };
  await db.transaction(async (tx) => {
    const locked = await lockRequest(tx, id);
    expectState(locked, ['verified', 'discovery'], 'discover');
    const flagged = await flagAffectedModels(tx, id, locked.subjectHashes);
    await transition(tx, locked, { state: 'discovery', discovery: result, discoveredAt: new Date(), discoveredById: actor.id }, actor, 'privacy.erasure.discover', {
      total,
      byCategory,
      failedStores: results.filter((s) => !s.ok).map((s) => s.name),
      flaggedModels: flagged,
    });
  });
  return result;
}

/** discovery → awaiting approval; needs a discovery in which every store answered. */
export async function submitForApproval(id: string, actor: AuditActor) {
  return getDb().transaction(async (tx) => {
    const row = await lockRequest(tx, id);
    expectState(row, ['discovery'], 'submit');
    const discovery = row.discovery as DiscoveryResult | null;
    const failed = discovery?.stores.filter((s) => !s.ok).map((s) => s.name) ?? [];
    if (!discovery) throw new ConflictError(pm.discoveryFirst);
    if (failed.length) throw new ConflictError(msg(pm.discoveryUnreachable, { stores: failed.join(', ') }));
    return transition(tx, row, { state: 'awaiting_approval', approvalRequestedById: actor.id }, actor, 'privacy.erasure.submit');
  });
}

/** What approval records as refused: targets stopped by a hold or exemption. */
export interface Refusal {
  storeId: string;
  storeName: string;
  target: string;
  categories: string[];
  records: number;
  holds: DiscoveryTarget['holds'];
}

/**
 * Approval by a second person (four eyes: not who submitted it, not who ran discovery):
 * records the refusals the holds cause, creates one task per store and enqueues the
 * erasure job — all in one transaction. awaiting approval → executing.
 */
export async function approveRequest(id: string, actor: AuditActor) {
  return getDb().transaction(async (tx) => {
    const row = await lockRequest(tx, id);
    expectState(row, ['awaiting_approval'], 'approve');
    if (actor.id && (actor.id === row.approvalRequestedById || actor.id === row.discoveredById)) {
      throw new ForbiddenError('A second person must approve: you ran discovery or submitted this request.', 'privacy:approve');
    }
    const discovery = row.discovery as DiscoveryResult;
    const refusals: Refusal[] = [];
    const tasks: (typeof erasureTasks.$inferInsert)[] = [];
    for (const s of discovery.stores) {
      if (!s.ok) throw new ConflictError(pm.discoveryIncomplete);
      const held = s.targets.filter((t) => t.holds.length > 0);
      for (const t of held) refusals.push({ storeId: s.storeId, storeName: s.name, target: t.key, categories: t.categories, records: t.count, holds: t.holds });
      tasks.push({
        requestId: id,
        storeId: s.storeId,
        storeName: s.name,
        storeKind: s.kind as (typeof erasureTasks.$inferInsert)['storeKind'],
        state: held.length === s.targets.length && s.targets.length > 0 ? 'refused' : 'pending',
      });
    }
    await tx.delete(erasureTasks).where(eq(erasureTasks.requestId, id));
    if (tasks.length) await tx.insert(erasureTasks).values(tasks);
    const job = await enqueueJob(tx, {
      type: erasureJob,
      payload: { requestId: id },
      owner: { type: 'erasure_request', id },
      dedupeKey: id,
      actor,
    });
    return transition(
      tx,
      row,
      { state: 'executing', approvedAt: new Date(), approvedBy: actor.name, approvedById: actor.id, refusals, jobId: job.id },
      actor,
      'privacy.erasure.approve',
      { refusals: refusals.map((r) => ({ store: r.storeName, target: r.target, grounds: r.holds.map((h) => h.ground) })), jobId: job.id },
    );
  });
}

export const rejectionSchema = z.object({
  reason: z.string().trim().min(10, { error: pm.rejectionReason }).max(2000),
});

/** Rejects a request (e.g. identity not verifiable, Art. 12(5)); its identifiers are wiped at once. */
export async function rejectRequest(id: string, input: z.input<typeof rejectionSchema>, actor: AuditActor) {
  const r = parseInput(rejectionSchema, input);
  return getDb().transaction(async (tx) => {
    const row = await lockRequest(tx, id);
    expectState(row, ['received', 'verified', 'discovery', 'awaiting_approval'], 'reject');
    return transition(tx, row, { state: 'rejected', rejectedReason: r.reason, subject: null, identifiersWipedAt: new Date() }, actor, 'privacy.erasure.reject', { reason: r.reason });
  });
}

/**
 * Whether a request can be retried: it failed (a store failed on the last attempt), or it is
 * still executing/verifying while its job already ended failed — the last attempt lost its
 * lease (the worker died or hung), timed out, or failed outside any one store, so the job's
 * own failure handling never ran.
 */
export function isRetryable(state: RequestState, jobState: string | null | undefined): boolean {
  return state === 'failed' || ((state === 'executing' || state === 'verifying') && jobState === 'failed');
}

/**
 * failed (or stalled with a failed job) → executing: failed and interrupted tasks go back to
 * pending and the same job resumes (its finished steps are kept); audited with the job's
 * retry in one transaction.
 */
export async function retryRequest(id: string, actor: AuditActor) {
  return getDb().transaction(async (tx) => {
    const row = await lockRequest(tx, id);
    const job = row.jobId ? await getJob(row.jobId, tx) : null;
    if (!isRetryable(row.state, job?.state)) {
      throw new ConflictError(msg(pm.wrongState, { doing: 'privacy.doing.retry', state: `privacy.state.${row.state}` }));
    }
    if (!row.jobId || !job) throw new ConflictError(pm.noJob);
    const again = and(eq(erasureTasks.requestId, id), inArray(erasureTasks.state, ['failed', 'running']));
    const tasks = await tx.select().from(erasureTasks).where(again);
    await tx.update(erasureTasks).set({ state: 'pending', error: null, updatedAt: new Date() }).where(again);
    // A processor that reported failure is asked again.
    await tx.delete(webhookCallbacks).where(and(eq(webhookCallbacks.requestId, id), eq(webhookCallbacks.status, 'failed')));
    await retryJob(row.jobId, actor, tx);
    return transition(tx, row, { state: 'executing' }, actor, 'privacy.erasure.retry', {
      stores: tasks.map((t) => t.storeName),
      jobEnded: { state: job.state, attempts: job.attempts },
    });
  });
}

/** Records a decision on a flagged model version; the last one outstanding completes a verified request. */
export async function decideModel(id: string, input: ModelDecisionInput, actor: AuditActor) {
  return getDb().transaction(async (tx) => {
    const row = await lockRequest(tx, id);
    if (['completed', 'partially_refused', 'rejected'].includes(row.state)) throw new ConflictError(pm.requestClosed);
    await recordModelDecision(tx, id, input, actor);
    // Verification is recorded on the tasks (remaining 0, succeeded); the job closes the request
    // itself when no decision is outstanding, and finalizeRequest is idempotent, so either may win.
    const tasks = await tx.select().from(erasureTasks).where(eq(erasureTasks.requestId, id));
    const verified = row.state === 'verifying' && tasks.every((t) => t.state === 'refused' || (t.state === 'succeeded' && t.remaining === 0));
    const outstanding = (await listModelFlags(id, tx)).some((f) => !f.decision);
    if (verified && !outstanding) await finalizeRequest(tx, id, actor);
  });
}

export interface RequestDetail {
  request: Omit<ErasureRequestRow, 'subject'> & { hasIdentifiers: boolean };
  subject: SealedSubject | null;
  tasks: (typeof erasureTasks.$inferSelect)[];
  job: JobView | null;
  flags: ModelFlag[];
  effectiveDueOn: string;
  daysLeft: number | null;
  /** The page offers "retry" (see isRetryable). */
  retryable: boolean;
  /** Still executing/verifying, but the job ended failed: the request is stuck until retried. */
  stalled: boolean;
}

/** A request with its tasks, job progress and flagged models; the identifiers only when `reveal`. */
export async function getRequest(id: string, options: { reveal?: boolean } = {}, db: Executor = getDb()): Promise<RequestDetail> {
  if (!z.uuid().safeParse(id).success) throw new NotFoundError('No such erasure request.');
  const [row] = await db.select().from(erasureRequests).where(eq(erasureRequests.id, id));
  if (!row) throw new NotFoundError('No such erasure request.');
  const tasks = await db.select().from(erasureTasks).where(eq(erasureTasks.requestId, id)).orderBy(asc(erasureTasks.storeName));
  const job = row.jobId ? await getJob(row.jobId) : null;
  const { subject: sealed, ...rest } = row;
  const effectiveDueOn = row.extendedDueOn ?? row.dueOn;
  const open = (openRequestStates as readonly string[]).includes(row.state);
  return {
    request: { ...rest, hasIdentifiers: sealed !== null },
    subject: options.reveal && sealed ? subjectOf(row) : null,
    tasks,
    job,
    flags: await listModelFlags(id, db),
    effectiveDueOn,
    daysLeft: open ? daysBetween(todayUtc(), effectiveDueOn) : null,
    retryable: isRetryable(row.state, job?.state),
    stalled: row.state !== 'failed' && isRetryable(row.state, job?.state),
  };
}

export const requestSortKeys = ['receivedOn', 'dueOn', 'state', 'reference'] as const;

export interface ListRequestsInput {
  state?: RequestState | undefined;
  q?: string | undefined;
  sort?: (typeof requestSortKeys)[number];
  dir?: 'asc' | 'desc';
  page?: number;
  pageSize?: number;
}

/** Requests for the list view: filter by state and reference, sort, page. */
export async function listRequests(input: ListRequestsInput = {}, db: Executor = getDb()) {
  const pageSize = input.pageSize ?? 25;
  const page = Math.max(1, input.page ?? 1);
  const where = and(
    input.state ? eq(erasureRequests.state, input.state) : undefined,
    input.q ? sql`${erasureRequests.reference} ilike ${`%${input.q.replace(/[%_\\]/g, (c) => `\\${c}`)}%`}` : undefined,
  );
  const column = {
    receivedOn: erasureRequests.receivedOn,
    dueOn: sql`coalesce(${erasureRequests.extendedDueOn}, ${erasureRequests.dueOn})`,
    state: erasureRequests.state,
    reference: erasureRequests.reference,
  }[input.sort ?? 'dueOn'];
  const order = input.dir === 'desc' ? desc(column) : asc(column);
  const rows = await db
    .select({
      id: erasureRequests.id,
      reference: erasureRequests.reference,
      state: erasureRequests.state,
      channel: erasureRequests.channel,
      identifierKinds: erasureRequests.identifierKinds,
      receivedOn: erasureRequests.receivedOn,
      dueOn: erasureRequests.dueOn,
      extendedDueOn: erasureRequests.extendedDueOn,
      createdBy: erasureRequests.createdBy,
    })
    .from(erasureRequests)
    .where(where)
    .orderBy(order, asc(erasureRequests.id))
    .limit(pageSize)
    .offset((page - 1) * pageSize);
  const [count] = await db.select({ n: sql<number>`count(*)::int` }).from(erasureRequests).where(where);
  const today = todayUtc();
  return {
    rows: rows.map((r) => {
      const due = r.extendedDueOn ?? r.dueOn;
      const open = (openRequestStates as readonly string[]).includes(r.state);
      return { ...r, effectiveDueOn: due, daysLeft: open ? daysBetween(today, due) : null };
    }),
    total: Number(count?.n ?? 0),
    page,
    pageSize,
  };
}

/** Buckets of the deadline dashboard (days left until the effective deadline). */
export const deadlineBuckets = [
  { key: 'overdue', min: -Infinity, max: -1 },
  { key: 'd0_7', min: 0, max: 7 },
  { key: 'd8_14', min: 8, max: 14 },
  { key: 'd15_30', min: 15, max: 30 },
  { key: 'd31_plus', min: 31, max: Infinity },
] as const;

/** Requests count as at risk with this many days left or fewer; overdue ones are counted on their own, not as at risk. */
export const AT_RISK_DAYS = 7;

/** Open requests by days left; overdue ones first. */
export async function deadlineDashboard(db: Executor = getDb(), today = todayUtc()) {
  const rows = await db
    .select({ id: erasureRequests.id, reference: erasureRequests.reference, state: erasureRequests.state, dueOn: erasureRequests.dueOn, extendedDueOn: erasureRequests.extendedDueOn })
    .from(erasureRequests)
    .where(inArray(erasureRequests.state, [...openRequestStates]));
  const open = rows
    .map((r) => ({ ...r, effectiveDueOn: r.extendedDueOn ?? r.dueOn, daysLeft: daysBetween(today, r.extendedDueOn ?? r.dueOn) }))
    .sort((a, b) => a.daysLeft - b.daysLeft);
  return {
    open,
    buckets: deadlineBuckets.map((b) => ({ key: b.key, count: open.filter((r) => r.daysLeft >= b.min && r.daysLeft <= b.max).length })),
    atRisk: open.filter((r) => r.daysLeft >= 0 && r.daysLeft <= AT_RISK_DAYS).length,
    overdue: open.filter((r) => r.daysLeft < 0).length,
  };
}

/** The states, for filters. */
export const erasureStates = requestStates;
