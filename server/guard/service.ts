import { and, asc, desc, eq, inArray, sql } from 'drizzle-orm';
import { type Executor, type Tx, getDb } from '../../db/client';
import { guardAssignments, guardPolicies, guardPolicyVersions } from '../../db/schema/guard';
import { type AuditActor, recordAudit } from '../audit';
import { ConflictError, InputError, NotFoundError } from '../core/errors';
import { type DesiredObjectRow, listDesired, renderConfigMap, setDesired } from '../kube';
import { type ArtifactFormat, compileAll, type CompiledArtifact } from './compile';
import { type CheckDiff, diffDefinitions } from './diff';
import { evaluatePolicy } from './engine';
import { type PolicyDefinition, defaultInputPolicy, defaultOutputPolicy } from './schema';
import { type SafetyEndpoint } from './scanners/safety';
import { parsePolicyDefinition } from './parse';

export type GuardPolicy = typeof guardPolicies.$inferSelect;
type VersionRow = typeof guardPolicyVersions.$inferSelect;
export type GuardPolicyVersion = Omit<VersionRow, 'definition'> & { definition: PolicyDefinition };
export type GuardAssignment = typeof guardAssignments.$inferSelect;

/** Where publication puts ConfigMaps and which Llama Guard endpoint NeMo is told about. */
export interface PublishOptions {
  namespace: string;
  safetyEndpoint?: Pick<SafetyEndpoint, 'baseUrl' | 'model'>;
}

export const GUARD_LABEL_PREFIX = 'guard.leitstand.io';
const policyNamePattern = /^[a-z0-9]([-a-z0-9]{0,38}[a-z0-9])?$/;
const ownerOf = (policyId: string) => ({ context: 'guard', id: policyId });

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

// An id from a URL that is not a UUID would make PostgreSQL refuse the query (a 500); it names no policy.
function requirePolicyId(id: string): string {
  if (!uuidPattern.test(id)) throw new NotFoundError('There is no such guard policy.');
  return id;
}

const asVersion = (row: VersionRow): GuardPolicyVersion => ({ ...row, definition: row.definition as PolicyDefinition });

/** Both default policies in one definition: what a new policy starts from. */
export function defaultDefinition(): PolicyDefinition {
  return { checks: [...defaultInputPolicy.checks, ...defaultOutputPolicy.checks] };
}

function checkName(name: unknown): string {
  if (typeof name !== 'string' || !policyNamePattern.test(name)) {
    throw new InputError('The policy name is not valid.', {
      name: ['1–40 lowercase letters, digits and hyphens, starting and ending with a letter or digit (it names ConfigMaps).'],
    });
  }
  return name;
}

function checkDescription(description: unknown): string {
  if (description === undefined || description === null) return '';
  if (typeof description !== 'string' || description.length > 500) {
    throw new InputError('The description is not valid.', { description: ['At most 500 characters.'] });
  }
  return description.trim();
}

async function policyForUpdate(tx: Tx, policyId: string): Promise<GuardPolicy> {
  const [row] = await tx.select().from(guardPolicies).where(eq(guardPolicies.id, requirePolicyId(policyId))).for('update');
  if (!row) throw new NotFoundError('There is no such guard policy.');
  return row;
}

async function versionRow(db: Executor, policyId: string, version: number): Promise<VersionRow> {
  if (!Number.isInteger(version) || version < 1 || version > 2_147_483_647) throw new NotFoundError(`Version ${version} of this policy does not exist.`);
  const [row] = await db
    .select()
    .from(guardPolicyVersions)
    .where(and(eq(guardPolicyVersions.policyId, requirePolicyId(policyId)), eq(guardPolicyVersions.version, version)));
  if (!row) throw new NotFoundError(`Version ${version} of this policy does not exist.`);
  return row;
}

/** Policies with their newest and published version numbers, by name. */
export async function listPolicies(db: Executor = getDb()) {
  return db
    .select({
      id: guardPolicies.id,
      name: guardPolicies.name,
      description: guardPolicies.description,
      updatedAt: guardPolicies.updatedAt,
      latestVersion: sql<number>`max(${guardPolicyVersions.version})`.mapWith(Number),
      publishedVersion: sql<number | null>`max(${guardPolicyVersions.version}) filter (where ${guardPolicyVersions.status} = 'published')`.mapWith(
        (v: unknown) => (v === null ? null : Number(v)),
      ),
    })
    .from(guardPolicies)
    .leftJoin(guardPolicyVersions, eq(guardPolicyVersions.policyId, guardPolicies.id))
    .groupBy(guardPolicies.id)
    .orderBy(asc(guardPolicies.name));
}

/** A policy and all its versions, newest first. */
export async function getPolicy(policyId: string, db: Executor = getDb()): Promise<{ policy: GuardPolicy; versions: GuardPolicyVersion[] }> {
  const [policy] = await db.select().from(guardPolicies).where(eq(guardPolicies.id, requirePolicyId(policyId)));
  if (!policy) throw new NotFoundError('There is no such guard policy.');
  const versions = await db
    .select()
    .from(guardPolicyVersions)
    .where(eq(guardPolicyVersions.policyId, policyId))
    .orderBy(desc(guardPolicyVersions.version));
  return { policy, versions: versions.map(asVersion) };
}

/** One version of a policy. */
export async function getPolicyVersion(policyId: string, version: number, db: Executor = getDb()): Promise<GuardPolicyVersion> {
  return asVersion(await versionRow(db, policyId, version));
}

/** Creates a policy with version 1 as a draft (the default definition unless one is given). */
export async function createPolicy(
  input: { name: unknown; description?: unknown; definition?: unknown },
  actor: AuditActor,
  db = getDb(),
): Promise<GuardPolicy> {
  const name = checkName(input.name);
  const description = checkDescription(input.description);
  const definition = input.definition === undefined ? defaultDefinition() : parsePolicyDefinition(input.definition);
  return db.transaction(async (tx) => {
    const [taken] = await tx.select({ id: guardPolicies.id }).from(guardPolicies).where(eq(guardPolicies.name, name));
    if (taken) throw new InputError('The policy name is taken.', { name: [`A policy called ${name} exists already.`] });
    const [policy] = await tx.insert(guardPolicies).values({ name, description }).returning();
    await tx.insert(guardPolicyVersions).values({ policyId: policy!.id, version: 1, definition });
    await recordAudit(tx, {
      actor,
      action: 'guard.policy.create',
      targetType: 'guard-policy',
      targetId: policy!.id,
      after: { name, description, version: 1, definition },
    });
    return policy!;
  });
}

/** Changes a policy's description (the name is fixed: it names the published ConfigMaps). */
export async function updatePolicy(input: { policyId: string; description: unknown }, actor: AuditActor, db = getDb()): Promise<void> {
  const description = checkDescription(input.description);
  await db.transaction(async (tx) => {
    const policy = await policyForUpdate(tx, input.policyId);
    await tx.update(guardPolicies).set({ description, updatedAt: sql`now()` }).where(eq(guardPolicies.id, policy.id));
    await recordAudit(tx, {
      actor,
      action: 'guard.policy.update',
      targetType: 'guard-policy',
      targetId: policy.id,
      before: { description: policy.description },
      after: { description },
    });
  });
}

/** Starts a new draft version copying `fromVersion` (default: the newest version). */
export async function createDraft(
  input: { policyId: string; fromVersion?: number },
  actor: AuditActor,
  db = getDb(),
): Promise<GuardPolicyVersion> {
  return db.transaction(async (tx) => {
    const policy = await policyForUpdate(tx, input.policyId);
    const versions = await tx
      .select()
      .from(guardPolicyVersions)
      .where(eq(guardPolicyVersions.policyId, policy.id))
      .orderBy(desc(guardPolicyVersions.version));
    const source = input.fromVersion === undefined ? versions[0] : versions.find((v) => v.version === input.fromVersion);
    if (!source) throw new NotFoundError(`Version ${input.fromVersion} of this policy does not exist.`);
    const next = (versions[0]?.version ?? 0) + 1;
    const [row] = await tx.insert(guardPolicyVersions).values({ policyId: policy.id, version: next, definition: source.definition }).returning();
    await tx.update(guardPolicies).set({ updatedAt: sql`now()` }).where(eq(guardPolicies.id, policy.id));
    await recordAudit(tx, {
      actor,
      action: 'guard.version.create',
      targetType: 'guard-policy',
      targetId: policy.id,
      after: { version: next, from: source.version },
    });
    return asVersion(row!);
  });
}

/** Replaces a draft's definition. Published and archived versions are refused. */
export async function updateDraft(
  input: { policyId: string; version: number; definition: unknown },
  actor: AuditActor,
  db = getDb(),
): Promise<GuardPolicyVersion> {
  const definition = parsePolicyDefinition(input.definition);
  return db.transaction(async (tx) => {
    const policy = await policyForUpdate(tx, input.policyId);
    const row = await versionRow(tx, policy.id, input.version);
    if (row.status !== 'draft') {
      throw new ConflictError(
        `Version ${row.version} is ${row.status} and cannot be changed; create a new draft from it and edit that.`,
      );
    }
    const [updated] = await tx
      .update(guardPolicyVersions)
      .set({ definition, updatedAt: sql`now()` })
      .where(eq(guardPolicyVersions.id, row.id))
      .returning();
    await tx.update(guardPolicies).set({ updatedAt: sql`now()` }).where(eq(guardPolicies.id, policy.id));
    await recordAudit(tx, {
      actor,
      action: 'guard.version.update',
      targetType: 'guard-policy',
      targetId: policy.id,
      before: { version: row.version, definition: row.definition },
      after: { version: row.version, definition },
    });
    return asVersion(updated!);
  });
}

/** The ConfigMap name of one publication format. */
export function configMapName(policyName: string, format: ArtifactFormat): string {
  return `guard-${policyName}-${format}`;
}

/** ConfigMaps for a version's artifacts, labelled with policy, version, format and checksum. */
export function renderPublication(policy: Pick<GuardPolicy, 'name'>, artifacts: CompiledArtifact[], namespace: string) {
  return artifacts.map((artifact) =>
    renderConfigMap({
      namespace,
      name: configMapName(policy.name, artifact.format),
      data: artifact.files,
      labels: {
        [`${GUARD_LABEL_PREFIX}/policy`]: policy.name,
        [`${GUARD_LABEL_PREFIX}/version`]: String(artifact.version),
        [`${GUARD_LABEL_PREFIX}/format`]: artifact.format,
        // A label value holds at most 63 characters of [A-Za-z0-9._-]: the first 16 hex digits
        // select by checksum; the annotation carries the whole one.
        [`${GUARD_LABEL_PREFIX}/checksum`]: artifact.checksum.replace('sha256:', '').slice(0, 16),
      },
      annotations: { [`${GUARD_LABEL_PREFIX}/checksum`]: artifact.checksum },
    }),
  );
}

/**
 * Publishes a draft: the previously published version is archived, the artifacts are
 * compiled and written as desired ConfigMaps, all in one transaction with the audit event.
 */
export async function publishVersion(
  input: { policyId: string; version: number },
  actor: AuditActor,
  options: PublishOptions,
  db = getDb(),
): Promise<{ version: GuardPolicyVersion; artifacts: CompiledArtifact[] }> {
  return db.transaction(async (tx) => {
    const policy = await policyForUpdate(tx, input.policyId);
    const row = await versionRow(tx, policy.id, input.version);
    if (row.status !== 'draft') {
      throw new ConflictError(`Version ${row.version} is ${row.status}; only a draft can be published.`);
    }
    const definition = row.definition as PolicyDefinition;
    const artifacts = compileAll(
      { policy: { id: policy.id, name: policy.name }, version: row.version, definition },
      options.safetyEndpoint ? { safetyEndpoint: options.safetyEndpoint } : {},
    );
    const [previous] = await tx
      .update(guardPolicyVersions)
      .set({ status: 'archived', archivedAt: sql`now()`, updatedAt: sql`now()` })
      .where(and(eq(guardPolicyVersions.policyId, policy.id), eq(guardPolicyVersions.status, 'published')))
      .returning({ version: guardPolicyVersions.version });
    const checksums = Object.fromEntries(artifacts.map((a) => [a.format, a.checksum]));
    const [published] = await tx
      .update(guardPolicyVersions)
      .set({ status: 'published', publishedAt: sql`now()`, updatedAt: sql`now()`, checksums })
      .where(eq(guardPolicyVersions.id, row.id))
      .returning();
    for (const manifest of renderPublication(policy, artifacts, options.namespace)) {
      await setDesired(tx, { owner: ownerOf(policy.id), manifest });
    }
    await tx.update(guardPolicies).set({ updatedAt: sql`now()` }).where(eq(guardPolicies.id, policy.id));
    await recordAudit(tx, {
      actor,
      action: 'guard.version.publish',
      targetType: 'guard-policy',
      targetId: policy.id,
      before: previous ? { publishedVersion: previous.version } : null,
      after: { publishedVersion: row.version, checksums, namespace: options.namespace },
    });
    return { version: asVersion(published!), artifacts };
  });
}

/** Archives a draft or the published version (the ConfigMaps stay: the gateway keeps its last policy). */
export async function archiveVersion(input: { policyId: string; version: number }, actor: AuditActor, db = getDb()): Promise<void> {
  await db.transaction(async (tx) => {
    const policy = await policyForUpdate(tx, input.policyId);
    const row = await versionRow(tx, policy.id, input.version);
    if (row.status === 'archived') throw new ConflictError(`Version ${row.version} is archived already.`);
    await tx
      .update(guardPolicyVersions)
      .set({ status: 'archived', archivedAt: sql`now()`, updatedAt: sql`now()` })
      .where(eq(guardPolicyVersions.id, row.id));
    await recordAudit(tx, {
      actor,
      action: 'guard.version.archive',
      targetType: 'guard-policy',
      targetId: policy.id,
      before: { version: row.version, status: row.status },
      after: { version: row.version, status: 'archived' },
    });
  });
}

/** Per-check differences between two versions of a policy. */
export async function diffVersions(
  input: { policyId: string; from: number; to: number },
  db: Executor = getDb(),
): Promise<{ from: GuardPolicyVersion; to: GuardPolicyVersion; changes: CheckDiff[] }> {
  const from = await getPolicyVersion(input.policyId, input.from, db);
  const to = await getPolicyVersion(input.policyId, input.to, db);
  return { from, to, changes: diffDefinitions(from.definition, to.definition) };
}

/** The ConfigMaps publication wants for a policy, with what the controller observed. */
export async function publicationStatus(policyId: string, db: Executor = getDb()): Promise<DesiredObjectRow[]> {
  return listDesired(db, { owner: ownerOf(policyId) });
}

// ---- assignments ----

const slugPattern = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

function checkTarget(input: { tenantSlug?: unknown; model?: unknown }): { tenantSlug: string; model: string } {
  const tenantSlug = typeof input.tenantSlug === 'string' ? input.tenantSlug.trim() : '';
  const model = typeof input.model === 'string' ? input.model.trim() : '';
  if (tenantSlug !== '' && !slugPattern.test(tenantSlug)) {
    throw new InputError('The tenant is not valid.', { tenantSlug: ['A tenant slug: lowercase letters, digits and hyphens.'] });
  }
  if (model.length > 200) throw new InputError('The model is not valid.', { model: ['At most 200 characters.'] });
  return { tenantSlug, model };
}

/** All assignments, with their policy's name; the default (no tenant, no model) first. */
export async function listAssignments(db: Executor = getDb()) {
  return db
    .select({
      id: guardAssignments.id,
      tenantSlug: guardAssignments.tenantSlug,
      model: guardAssignments.model,
      policyId: guardAssignments.policyId,
      policyName: guardPolicies.name,
    })
    .from(guardAssignments)
    .innerJoin(guardPolicies, eq(guardPolicies.id, guardAssignments.policyId))
    .orderBy(asc(guardAssignments.tenantSlug), asc(guardAssignments.model));
}

/** Assigns a policy to a tenant × model pair (empty = any); replaces an existing assignment. */
export async function assignPolicy(
  input: { tenantSlug?: unknown; model?: unknown; policyId: string },
  actor: AuditActor,
  db = getDb(),
): Promise<void> {
  const target = checkTarget(input);
  await db.transaction(async (tx) => {
    const policy = await policyForUpdate(tx, input.policyId);
    const [existing] = await tx
      .select()
      .from(guardAssignments)
      .where(and(eq(guardAssignments.tenantSlug, target.tenantSlug), eq(guardAssignments.model, target.model)))
      .for('update');
    if (existing) await tx.update(guardAssignments).set({ policyId: policy.id }).where(eq(guardAssignments.id, existing.id));
    else await tx.insert(guardAssignments).values({ ...target, policyId: policy.id });
    await recordAudit(tx, {
      actor,
      action: 'guard.assignment.set',
      targetType: 'guard-assignment',
      targetId: `${target.tenantSlug || '*'}/${target.model || '*'}`,
      before: existing ? { policyId: existing.policyId } : null,
      after: { ...target, policyId: policy.id, policyName: policy.name },
    });
  });
}

/** Removes the assignment of a tenant × model pair. */
export async function removeAssignment(input: { tenantSlug?: unknown; model?: unknown }, actor: AuditActor, db = getDb()): Promise<void> {
  const target = checkTarget(input);
  await db.transaction(async (tx) => {
    const [removed] = await tx
      .delete(guardAssignments)
      .where(and(eq(guardAssignments.tenantSlug, target.tenantSlug), eq(guardAssignments.model, target.model)))
      .returning();
    if (!removed) throw new NotFoundError('There is no such assignment.');
    await recordAudit(tx, {
      actor,
      action: 'guard.assignment.remove',
      targetType: 'guard-assignment',
      targetId: `${target.tenantSlug || '*'}/${target.model || '*'}`,
      before: { ...target, policyId: removed.policyId },
    });
  });
}

export type EffectiveMatch = 'tenant-and-model' | 'tenant' | 'model' | 'default';

/**
 * The policy that applies to a tenant × model pair: the most specific assignment
 * (tenant and model, then tenant, then model, then the default) and its published version.
 */
export async function effectivePolicy(
  input: { tenantSlug: string; model: string },
  db: Executor = getDb(),
): Promise<{ match: EffectiveMatch; policy: GuardPolicy; publishedVersion: number | null } | null> {
  const target = checkTarget(input);
  const candidates: [EffectiveMatch, string, string][] = [
    ['tenant-and-model', target.tenantSlug, target.model],
    ['tenant', target.tenantSlug, ''],
    ['model', '', target.model],
    ['default', '', ''],
  ];
  const rows = await db
    .select()
    .from(guardAssignments)
    .where(and(inArray(guardAssignments.tenantSlug, [target.tenantSlug, '']), inArray(guardAssignments.model, [target.model, ''])));
  for (const [match, tenantSlug, model] of candidates) {
    if ((match === 'tenant-and-model' || match === 'tenant') && tenantSlug === '') continue;
    if ((match === 'tenant-and-model' || match === 'model') && model === '') continue;
    const hit = rows.find((r) => r.tenantSlug === tenantSlug && r.model === model);
    if (!hit) continue;
    const [policy] = await db.select().from(guardPolicies).where(eq(guardPolicies.id, hit.policyId));
    const [published] = await db
      .select({ version: guardPolicyVersions.version })
      .from(guardPolicyVersions)
      .where(and(eq(guardPolicyVersions.policyId, hit.policyId), eq(guardPolicyVersions.status, 'published')));
    return { match, policy: policy!, publishedVersion: published?.version ?? null };
  }
  return null;
}

/**
 * Runs a stored version (or the default definition when none is picked) over a text, for
 * the playground. Nothing is stored or logged: the text may hold personal data.
 */
export async function playground(
  input: { text: string; direction: 'input' | 'output'; policyId?: string; version?: number; safetyEndpoint?: SafetyEndpoint },
  db: Executor = getDb(),
) {
  const definition =
    input.policyId && input.version ? (await getPolicyVersion(input.policyId, input.version, db)).definition : defaultDefinition();
  return evaluatePolicy({
    text: input.text,
    direction: input.direction,
    policy: definition,
    ...(input.safetyEndpoint ? { safetyEndpoint: input.safetyEndpoint } : {}),
  });
}
