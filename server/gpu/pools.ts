import { asc, eq } from 'drizzle-orm';
import { z } from 'zod';
import { type Executor, getDb } from '../../db/client';
import { dedicationTargets, gpuDedications, gpuPools } from '../../db/schema/gpu';
import { type AuditActor, recordAudit } from '../audit';
import { ConflictError, InputError, NotFoundError } from '../core/errors';
import { getClusterObjects, getKubeClient, nodes as kubeNodes } from '../kube';
import { DEDICATED_KEY, DEDICATED_POOL_KEY } from './labels';
import { parseGpuInput } from './parse';
import { type SchedulingConstraints, tenantConstraints, toPodSpecFields } from './scheduling';
import { gpuMessages as m, msg } from './messages';

export type GpuPool = typeof gpuPools.$inferSelect;
export type GpuDedication = typeof gpuDedications.$inferSelect;

const labelKey = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const labelValue = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;

function poolSchema() {
  return z.object({
    name: z.string({ error: m.poolNameRequired }).trim().regex(/^[a-z0-9]([-a-z0-9]{0,38}[a-z0-9])?$/, m.poolNameFormat),
    description: z.preprocess((v) => (v === '' ? undefined : v), z.string().trim().max(200, m.descriptionTooLong).optional()),
    /** `key=value` pairs, comma- or line-separated; every one must match. */
    selector: z.string({ error: m.selectorRequired }).transform((text, ctx) => {
      const out: Record<string, string> = {};
      for (const part of text.split(/[\n,]/)) {
        const line = part.trim();
        if (!line) continue;
        const [k = '', ...rest] = line.split('=');
        const v = rest.join('=');
        if (!labelKey.test(k.trim()) || !labelValue.test(v.trim()) || rest.length === 0) {
          ctx.addIssue({ code: 'custom', message: msg(m.selectorLine, { line }) });
          continue;
        }
        out[k.trim()] = v.trim();
      }
      if (Object.keys(out).length === 0) ctx.addIssue({ code: 'custom', message: m.selectorEmpty });
      return out;
    }),
  });
}

function dedicationSchema() {
  return z.object({
    targetKind: z.enum(dedicationTargets, { error: m.chooseTargetKind }),
    target: z.string({ error: m.chooseTarget }).trim().min(1, m.chooseTarget),
    tenant: z.string({ error: m.chooseTenant }).trim().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, m.chooseTenant),
  });
}

/** Pools by name. */
export async function listPools(db: Executor = getDb()): Promise<GpuPool[]> {
  return db.select().from(gpuPools).orderBy(asc(gpuPools.name));
}

/** Dedications by target. */
export async function listDedications(db: Executor = getDb()): Promise<GpuDedication[]> {
  return db.select().from(gpuDedications).orderBy(asc(gpuDedications.targetKind), asc(gpuDedications.target));
}

/** True when a node's labels match every label of a selector. */
export function selectorMatches(selector: Record<string, string>, labels: Record<string, string>): boolean {
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

/** Creates a pool (a named label selection of nodes). */
export async function createPool(actor: AuditActor, input: unknown): Promise<GpuPool> {
  const data = parseGpuInput(poolSchema(), input);
  return getDb().transaction(async (tx) => {
    const [taken] = await tx.select({ id: gpuPools.id }).from(gpuPools).where(eq(gpuPools.name, data.name));
    if (taken) throw new InputError(m.invalidInput, { name: [msg(m.poolExists, { name: data.name })] });
    const [row] = await tx.insert(gpuPools).values({ name: data.name, description: data.description ?? null, selector: data.selector }).returning();
    await recordAudit(tx, { actor, action: 'gpu.pool.create', targetType: 'gpu-pool', targetId: data.name, after: { selector: data.selector, description: row!.description } });
    return row!;
  });
}

/** Deletes a pool; refused while the pool is dedicated to a tenant. */
export async function deletePool(actor: AuditActor, name: string): Promise<void> {
  await getDb().transaction(async (tx) => {
    const [pool] = await tx.select().from(gpuPools).where(eq(gpuPools.name, name)).for('update');
    if (!pool) throw new NotFoundError(msg(m.noPool, { name }));
    const [dedicated] = await tx.select().from(gpuDedications).where(eq(gpuDedications.target, name));
    if (dedicated && dedicated.targetKind === 'pool') throw new ConflictError(msg(m.poolDedicated, { name, tenant: dedicated.tenant }));
    await tx.delete(gpuPools).where(eq(gpuPools.id, pool.id));
    await recordAudit(tx, { actor, action: 'gpu.pool.delete', targetType: 'gpu-pool', targetId: name, before: { selector: pool.selector } });
  });
}

/** Labels and taints a node for a tenant (and the pool it comes from). */
export async function applyDedication(node: string, tenant: string, pool: string | null): Promise<void> {
  const client = getKubeClient();
  const labels = await kubeNodes.setNodeLabels(client, node, { [DEDICATED_KEY]: tenant, [DEDICATED_POOL_KEY]: pool });
  if (!labels.ok) throw new ConflictError(msg(m.labelFailed, { node, reason: labels.reason }));
  const taints = await kubeNodes.setNodeTaints(client, node, { add: [{ key: DEDICATED_KEY, value: tenant, effect: 'NoSchedule' }] });
  if (!taints.ok) throw new ConflictError(msg(m.taintFailed, { node, reason: taints.reason }));
}

/** Removes the dedication label, pool label and taint from a node (a missing node is fine). */
export async function removeDedication(node: string): Promise<void> {
  const client = getKubeClient();
  const taints = await kubeNodes.setNodeTaints(client, node, { remove: [{ key: DEDICATED_KEY, effect: 'NoSchedule' }] });
  if (!taints.ok && taints.error?.code !== 404) throw new ConflictError(msg(m.untaintFailed, { node, reason: taints.reason }));
  const labels = await kubeNodes.setNodeLabels(client, node, { [DEDICATED_KEY]: null, [DEDICATED_POOL_KEY]: null });
  if (!labels.ok && labels.error?.code !== 404) throw new ConflictError(msg(m.unlabelFailed, { node, reason: labels.reason }));
}

/**
 * Dedicates a node, or every node a pool selects now, to a tenant: the dedication label and
 * a NoSchedule taint on each node, so only that tenant's pods (which get the toleration and
 * affinity from getSchedulingConstraints) land there. Pods already running stay (NoSchedule
 * does not evict). Refused for a node dedicated to someone else. Audited.
 */
export async function dedicate(actor: AuditActor, input: unknown): Promise<GpuDedication> {
  const data = parseGpuInput(dedicationSchema(), input);
  const { nodes } = await getClusterObjects();
  let targets: string[];
  if (data.targetKind === 'node') {
    if (!nodes.some((n) => n.metadata.name === data.target)) throw new InputError(m.invalidInput, { target: [msg(m.noNode, { name: data.target })] });
    targets = [data.target];
  } else {
    const [pool] = await getDb().select().from(gpuPools).where(eq(gpuPools.name, data.target));
    if (!pool) throw new InputError(m.invalidInput, { target: [msg(m.noPool, { name: data.target })] });
    targets = nodes.filter((n) => selectorMatches(pool.selector, n.metadata.labels ?? {})).map((n) => n.metadata.name).sort();
    if (targets.length === 0) throw new InputError(m.invalidInput, { target: [msg(m.poolSelectsNothing, { name: data.target })] });
  }
  const others = nodes.filter((n) => targets.includes(n.metadata.name) && n.metadata.labels?.[DEDICATED_KEY] && n.metadata.labels[DEDICATED_KEY] !== data.tenant);
  if (others.length > 0)
    throw new ConflictError(msg(m.alreadyDedicatedNodes, { list: { list: others.map((n) => msg(m.dedicatedTo, { node: n.metadata.name, tenant: n.metadata.labels![DEDICATED_KEY] ?? '' })) } }));
  return getDb().transaction(async (tx) => {
    const [existing] = await tx.select().from(gpuDedications).where(eq(gpuDedications.target, data.target));
    if (existing && existing.targetKind === data.targetKind) throw new ConflictError(msg(data.targetKind === 'pool' ? m.poolAlreadyDedicated : m.nodeAlreadyDedicated, { name: data.target, tenant: existing.tenant }));
    const [row] = await tx.insert(gpuDedications).values({ targetKind: data.targetKind, target: data.target, tenant: data.tenant, nodes: targets }).returning();
    await recordAudit(tx, { actor, action: 'gpu.dedicate', targetType: `gpu-${data.targetKind}`, targetId: data.target, after: { tenant: data.tenant, nodes: targets } });
    // Inside the transaction: a node that cannot be labelled rolls the record back.
    for (const node of targets) await applyDedication(node, data.tenant, data.targetKind === 'pool' ? data.target : null);
    return row!;
  });
}

/** Releases a dedication back to the shared pool: label and taint removed from its nodes. Audited. */
export async function releaseDedication(actor: AuditActor, id: string): Promise<void> {
  await getDb().transaction(async (tx) => {
    const [row] = await tx.select().from(gpuDedications).where(eq(gpuDedications.id, id)).for('update');
    if (!row) throw new NotFoundError(m.noDedication);
    await tx.delete(gpuDedications).where(eq(gpuDedications.id, id));
    await recordAudit(tx, { actor, action: 'gpu.release', targetType: `gpu-${row.targetKind}`, targetId: row.target, before: { tenant: row.tenant, nodes: row.nodes } });
    const stillDedicated = new Set((await tx.select().from(gpuDedications)).flatMap((d) => d.nodes));
    for (const node of row.nodes) if (!stillDedicated.has(node)) await removeDedication(node);
  });
}

/**
 * The scheduling constraints for a tenant's pods (for the models context's deployments):
 * with dedicated nodes, a toleration of their taint and a required affinity to them.
 * `podSpec` holds the same as pod spec fields to merge into a template.
 */
export async function getSchedulingConstraints(tenant: string, db: Executor = getDb()): Promise<SchedulingConstraints & { podSpec: Record<string, unknown> }> {
  const rows = await db.select({ id: gpuDedications.id }).from(gpuDedications).where(eq(gpuDedications.tenant, tenant)).limit(1);
  const constraints = tenantConstraints(tenant, rows.length > 0);
  return { ...constraints, podSpec: toPodSpecFields(constraints) };
}
