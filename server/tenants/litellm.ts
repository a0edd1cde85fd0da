import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { type Tx, getDb } from '../../db/client';
import { tenants } from '../../db/schema/tenants';
import { type AuditActor, recordAudit, systemActor } from '../audit';
import { getConfig } from '../config';
import { ConflictError } from '../core/errors';
import { type JobContext, type JobState, type JobView, PermanentJobError, defineJobType, enqueueJob, listJobs } from '../jobs';
import { type LiteLlmTeam, getGatewayLimits, toLiteLlmTeams } from './gateway';
import { tenantMessages as m } from './messages';

/**
 * Pushes the published gateway limits to the LiteLLM proxy's admin API as teams (optional:
 * only with LEITSTAND_LITELLM_URL). LiteLLM keeps teams in its database, so this is a job
 * per published version: per tenant `GET /team/info?team_id=<slug>`, then `POST /team/new`
 * (404) or `POST /team/update` (only when a field we own differs); archived tenants' teams
 * get `blocked: true` (their keys stop working; spend history stays in LiteLLM).
 */

export const LITELLM_SYNC_JOB = 'tenants.litellm-sync';

interface SyncPayload {
  version: number;
}

const teamOutcomes = ['created', 'updated', 'unchanged', 'blocked', 'absent'] as const;
type TeamOutcome = (typeof teamOutcomes)[number];

export interface LiteLlmSyncResult {
  version: number;
  /** Set when a newer version was published meanwhile: its own job pushes it. */
  supersededBy?: number;
  teams: Record<string, TeamOutcome>;
}

/** A refusal of the LiteLLM admin API, with its status and message. */
class LiteLlmError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'LiteLlmError';
  }
}

function detailOf(body: unknown): string {
  if (body && typeof body === 'object') {
    const b = body as { detail?: unknown; error?: unknown };
    const inner = b.detail ?? b.error;
    if (typeof inner === 'string') return inner;
    if (inner && typeof inner === 'object') {
      const i = inner as { error?: unknown; message?: unknown };
      if (typeof i.error === 'string') return i.error;
      if (typeof i.message === 'string') return i.message;
    }
    return JSON.stringify(inner ?? body);
  }
  return String(body);
}

async function call(method: 'GET' | 'POST', path: string, body: unknown, signal: AbortSignal): Promise<{ status: number; body: unknown }> {
  const { url, apiKey } = getConfig().litellm;
  if (!url) throw new PermanentJobError('LEITSTAND_LITELLM_URL is not set: there is no LiteLLM proxy to push the teams to.');
  const response = await fetch(new URL(path, url.endsWith('/') ? url : `${url}/`), {
    method,
    headers: { accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.any([signal, AbortSignal.timeout(15_000)]),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    // not JSON: keep the text for the message
  }
  if (response.status === 401 || response.status === 403)
    throw new PermanentJobError(`LiteLLM refused ${method} ${path} (${response.status}): ${detailOf(parsed)} — check LEITSTAND_LITELLM_API_KEY (the master key).`);
  return { status: response.status, body: parsed };
}

type TeamInfo = Partial<Omit<LiteLlmTeam, 'metadata'>> & { blocked?: boolean; metadata?: Record<string, unknown> | null };

type BudgetFields = Partial<Pick<LiteLlmTeam, 'max_budget' | 'soft_budget'>>;

/**
 * The dollar budget fields Leitstand sends for a team. They are Leitstand's once a price is
 * set, or while the team in LiteLLM still carries a price Leitstand wrote (so unsetting the
 * price clears the budgets it set); otherwise they are left alone: without a price Leitstand
 * has no dollar figure, and a budget someone set in LiteLLM by hand stays. `soft_budget` is
 * sent when it has a value or LiteLLM shows the field (LiteLLM versions before team soft
 * budgets neither take nor return it).
 */
function budgetFields(team: LiteLlmTeam, current: TeamInfo | null): BudgetFields {
  const priced = team.metadata.usd_per_million_tokens !== null || (current?.metadata?.usd_per_million_tokens ?? null) !== null;
  if (!priced) return {};
  const fields: BudgetFields = { max_budget: team.max_budget };
  if (team.soft_budget !== null || (current !== null && 'soft_budget' in current)) fields.soft_budget = team.soft_budget;
  return fields;
}

/** The body of /team/new or /team/update: the team without the budget fields Leitstand does not own. */
function teamBody(team: LiteLlmTeam, current: TeamInfo | null): Omit<LiteLlmTeam, 'max_budget' | 'soft_budget'> & BudgetFields {
  const { max_budget: _max, soft_budget: _soft, ...rest } = team;
  return { ...rest, ...budgetFields(team, current) };
}

async function teamInfo(teamId: string, signal: AbortSignal): Promise<TeamInfo | null> {
  const res = await call('GET', `team/info?team_id=${encodeURIComponent(teamId)}`, undefined, signal);
  if (res.status === 404) return null;
  if (res.status !== 200) throw new LiteLlmError(res.status, `GET /team/info for ${teamId}: ${res.status} ${detailOf(res.body)}`);
  return ((res.body as { team_info?: TeamInfo }).team_info ?? {}) as TeamInfo;
}

const sameJson = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
/** Dollar amounts as LiteLLM returns them (floats; a database may hand back 12.5 as 12.500000001). */
function sameUsd(a: unknown, b: number | null | undefined): boolean {
  if (a === undefined || a === null || b === undefined || b === null) return (a ?? null) === (b ?? null);
  return typeof a === 'number' && Math.abs(a - b) < 5e-7;
}

/** True when every field Leitstand owns has our value in LiteLLM (other metadata keys are LiteLLM's or someone else's). */
function inSync(current: TeamInfo, team: LiteLlmTeam): boolean {
  const metadata: Record<string, unknown> = current.metadata ?? {};
  return (
    current.team_alias === team.team_alias &&
    sameJson([...(current.models ?? [])].sort(), [...team.models].sort()) &&
    (current.tpm_limit ?? null) === team.tpm_limit &&
    (current.rpm_limit ?? null) === team.rpm_limit &&
    (current.budget_duration ?? null) === team.budget_duration &&
    Object.entries(budgetFields(team, current)).every(([k, v]) => sameUsd(current[k as keyof BudgetFields], v)) &&
    (current.blocked ?? false) === team.blocked &&
    Object.entries(team.metadata).every(([k, v]) => sameJson(metadata[k], v))
  );
}

function refused(res: { status: number; body: unknown }, what: string): Error {
  const message = `${what}: ${res.status} ${detailOf(res.body)}`;
  // A body LiteLLM does not accept will not be accepted on a retry either.
  return res.status >= 400 && res.status < 500 && res.status !== 404 && res.status !== 408 && res.status !== 429 ? new PermanentJobError(message) : new LiteLlmError(res.status, message);
}

async function upsertTeam(team: LiteLlmTeam, signal: AbortSignal): Promise<TeamOutcome> {
  const current = await teamInfo(team.team_id, signal);
  if (!current) {
    const created = await call('POST', 'team/new', teamBody(team, null), signal);
    if (created.status === 200) return 'created';
    // Created meanwhile (another replica, or a crash after the create): update it instead.
    if (!(created.status === 400 && /already exists/i.test(detailOf(created.body)))) throw refused(created, `POST /team/new for ${team.team_id}`);
    return upsertTeam(team, signal);
  }
  if (inSync(current, team)) return 'unchanged';
  const updated = await call('POST', 'team/update', { ...teamBody(team, current), metadata: { ...(current.metadata ?? {}), ...team.metadata } }, signal);
  if (updated.status !== 200) throw refused(updated, `POST /team/update for ${team.team_id}`);
  return 'updated';
}

async function blockTeam(teamId: string, signal: AbortSignal): Promise<TeamOutcome> {
  const current = await teamInfo(teamId, signal);
  if (!current) return 'absent';
  if (current.blocked === true) return 'unchanged';
  const res = await call('POST', 'team/update', { team_id: teamId, blocked: true }, signal);
  if (res.status !== 200) throw refused(res, `POST /team/update (block) for ${teamId}`);
  return 'blocked';
}

async function runSync(ctx: JobContext<SyncPayload>): Promise<LiteLlmSyncResult> {
  const db = getDb();
  const latest = await getGatewayLimits(db);
  if (!latest) return { version: ctx.payload.version, teams: {} };
  if (latest.version > ctx.payload.version) return { version: ctx.payload.version, supersededBy: latest.version, teams: {} };
  const teams = toLiteLlmTeams(latest.content.tenants, getConfig().litellm.usdPerMillionTokens);
  const archived = (await db.select({ slug: tenants.slug }).from(tenants).where(eq(tenants.status, 'archived'))).map((t) => t.slug).sort();
  const total = teams.length + archived.length;
  const outcomes: Record<string, TeamOutcome> = {};
  let done = 0;
  await ctx.setProgress(0, total, 'pushing teams');
  for (const team of teams) {
    outcomes[team.team_id] = await ctx.step(`team:${team.team_id}`, () => upsertTeam(team, ctx.signal));
    await ctx.setProgress(++done, total, team.team_id);
  }
  for (const slug of archived) {
    outcomes[slug] = await ctx.step(`block:${slug}`, () => blockTeam(slug, ctx.signal));
    await ctx.setProgress(++done, total, slug);
  }
  const count = (o: TeamOutcome) => Object.values(outcomes).filter((x) => x === o).length;
  await ctx.stepInTransaction('report', (tx) =>
    recordAudit(tx, {
      actor: { ...systemActor, name: 'litellm sync job' },
      action: 'tenant.litellm.sync',
      targetType: 'litellm',
      targetId: getConfig().litellm.url ?? '',
      after: { version: latest.version, created: count('created'), updated: count('updated'), unchanged: count('unchanged'), blocked: count('blocked') },
    }),
  );
  return { version: latest.version, teams: outcomes };
}

export const litellmSyncJob = defineJobType<SyncPayload, LiteLlmSyncResult>(LITELLM_SYNC_JOB, {
  payload: z.object({ version: z.number().int().positive() }),
  backoff: { baseMs: 5_000, maxMs: 5 * 60_000 },
  maxAttempts: 12,
  timeoutMs: 10 * 60_000,
  handler: runSync,
});

const syncJobOf = (version: number) =>
  ({ type: litellmSyncJob, payload: { version }, dedupeKey: `v${version}`, owner: { type: 'gateway-limits', id: String(version) } }) as const;

/**
 * Queues the push of a published version to LiteLLM, in the caller's transaction (that of
 * the publication), when LEITSTAND_LITELLM_URL is set. One job per version; a job whose
 * version was superseded by the time it runs does nothing (the newer one pushes).
 */
export async function enqueueLiteLlmSync(tx: Tx, version: number): Promise<string | null> {
  if (!getConfig().litellm.url) return null;
  const job = await enqueueJob(tx, syncJobOf(version));
  return job.id;
}

/**
 * "Sync to LiteLLM now": queues the push of the current version for a person, with the
 * audit event `tenant.litellm.sync-request` in the same transaction. When a push of that
 * version is already queued or running, that job is returned (`created: false`) and its
 * `runAt` says when it next tries. Refused (409) without LEITSTAND_LITELLM_URL or before
 * the first publication.
 */
export async function requestLiteLlmSync(actor: AuditActor): Promise<{ jobId: string; version: number; created: boolean; runAt: Date | null }> {
  const url = getConfig().litellm.url;
  if (!url) throw new ConflictError(m.litellmNotConfigured);
  return getDb().transaction(async (tx) => {
    const latest = await getGatewayLimits(tx);
    if (!latest) throw new ConflictError(m.litellmNothingToPush);
    const job = await enqueueJob(tx, { ...syncJobOf(latest.version), actor });
    await recordAudit(tx, {
      actor,
      action: 'tenant.litellm.sync-request',
      targetType: 'litellm',
      targetId: url,
      after: { version: latest.version, job: job.id, queued: job.created },
    });
    const [view] = job.created ? [] : (await listJobs({ type: LITELLM_SYNC_JOB, owner: syncJobOf(latest.version).owner, state: ['queued', 'running'], limit: 1 }, tx)).jobs;
    return { jobId: job.id, version: latest.version, created: job.created, runAt: view?.state === 'queued' ? view.runAt : null };
  });
}

/** One LiteLLM sync job as the tenants page shows it. */
export interface LiteLlmSyncView {
  id: string;
  state: JobState;
  /** The gateway limits version it pushes. */
  version: number | null;
  /** Who or what queued it: a person (the button), or the system (a publication, the start-up). */
  createdBy: string;
  createdAt: Date;
  /** When a queued job runs (next attempt after a failure, with backoff). */
  runAt: Date;
  finishedAt: Date | null;
  attempts: number;
  maxAttempts: number;
  progress: { done: number; total: number } | null;
  /** Teams per outcome, once it succeeded. */
  counts: Record<TeamOutcome, number> | null;
  /** Set when a newer version was published meanwhile (that version's job pushed instead). */
  supersededBy: number | null;
  /** The last error (a failed job's, or the one a queued job is retrying after). */
  error: string | null;
}

function syncView(job: JobView): LiteLlmSyncView {
  const result = job.state === 'succeeded' ? (job.result as LiteLlmSyncResult | null) : null;
  const outcomes = Object.values(result?.teams ?? {});
  const version = job.owner?.type === 'gateway-limits' ? Number(job.owner.id) : NaN;
  return {
    id: job.id,
    state: job.state,
    version: Number.isInteger(version) ? version : null,
    createdBy: job.createdBy.name,
    createdAt: job.createdAt,
    runAt: job.runAt,
    finishedAt: job.finishedAt,
    attempts: job.attempts,
    maxAttempts: job.maxAttempts,
    progress: job.progress ? { done: job.progress.done, total: job.progress.total } : null,
    counts: result ? (Object.fromEntries(teamOutcomes.map((o) => [o, outcomes.filter((x) => x === o).length])) as Record<TeamOutcome, number>) : null,
    supersededBy: result?.supersededBy ?? null,
    error: job.lastError,
  };
}

/** What the tenants page shows about LiteLLM: whether it is configured, the price, and the last syncs. */
export interface LiteLlmStatus {
  /** Host (and port) of LEITSTAND_LITELLM_URL, never its credentials; null when unset. */
  target: string | null;
  /** LEITSTAND_LITELLM_USD_PER_MILLION_TOKENS; null: no max_budget is sent. */
  usdPerMillionTokens: number | null;
  /** The newest sync job (of any state), or null when none ran. */
  latest: LiteLlmSyncView | null;
  /** The newest finished one, when the newest is still queued or running. */
  lastFinished: LiteLlmSyncView | null;
}

/** LEITSTAND_LITELLM_USD_PER_MILLION_TOKENS, or null: the price token budgets become LiteLLM dollar budgets at. */
export function getLiteLlmPrice(): number | null {
  return getConfig().litellm.usdPerMillionTokens ?? null;
}

/** The LiteLLM side of the gateway limits, for the tenants page. */
export async function getLiteLlmStatus(): Promise<LiteLlmStatus> {
  const { url } = getConfig().litellm;
  const [latest] = (await listJobs({ type: LITELLM_SYNC_JOB, limit: 1 })).jobs;
  const [finished] =
    latest && (latest.state === 'queued' || latest.state === 'running')
      ? (await listJobs({ type: LITELLM_SYNC_JOB, state: ['succeeded', 'failed', 'cancelled'], limit: 1 })).jobs
      : [];
  return {
    target: url ? new URL(url).host : null,
    usdPerMillionTokens: getLiteLlmPrice(),
    latest: latest ? syncView(latest) : null,
    lastFinished: finished ? syncView(finished) : null,
  };
}

/**
 * Start-up: pushes the current version once more when LiteLLM is configured (teams created
 * before LEITSTAND_LITELLM_URL was set, or changed by hand in LiteLLM, are brought back;
 * teams already in sync cost one GET each).
 */
export async function enqueueLiteLlmSyncAtStart(): Promise<string | null> {
  if (!getConfig().litellm.url) return null;
  const latest = await getGatewayLimits(getDb());
  if (!latest) return null;
  return getDb().transaction((tx) => enqueueLiteLlmSync(tx, latest.version));
}
