import { eq } from 'drizzle-orm';
import { getDb } from '../../db/client';
import { gpuDedications, gpuPools } from '../../db/schema/gpu';
import { recordAudit, systemActor } from '../audit';
import { log } from '../core/log';
import { type ControllerDefinition, type KubeObject, type ReconcileResult, nodes as kubeNodes, registerLeaderController } from '../kube';
import { DEDICATED_KEY, DEDICATED_POOL_KEY } from './labels';
import { applyDedication, removeDedication, selectorMatches } from './pools';

/** The name of the leader-only controller that keeps pool dedications on the pool's nodes. */
export const POOL_DEDICATION_CONTROLLER = 'gpu-pool-dedications';

const actor = { ...systemActor, name: 'gpu pool dedication controller' };

type Node = KubeObject & { spec?: { taints?: Array<{ key: string; value?: string; effect: string }> } };

function isDedicatedTo(node: Node, tenant: string, pool: string): boolean {
  const labels = node.metadata.labels ?? {};
  return (
    labels[DEDICATED_KEY] === tenant &&
    labels[DEDICATED_POOL_KEY] === pool &&
    (node.spec?.taints ?? []).some((t) => t.key === DEDICATED_KEY && t.value === tenant && t.effect === 'NoSchedule')
  );
}

type Row = typeof gpuDedications.$inferSelect;
type Pool = typeof gpuPools.$inferSelect;

/** What to do with one node: the pool dedications it leaves, and the one it (still) belongs to. */
interface NodePlan {
  leave: Array<{ row: Row; unlabel: boolean }>;
  join: { row: Row; label: boolean; list: boolean } | null;
  /** A dedicated pool matches but the node is dedicated to another tenant outside Leitstand's rows. */
  conflict: string | null;
}

function planNode(name: string, node: Node | undefined, rows: Row[], pools: Map<string, Pool>): NodePlan | null {
  if (rows.some((r) => r.targetKind === 'node' && r.target === name)) return null;
  const labels = node?.metadata.labels ?? {};
  const poolRows = rows.filter((r) => r.targetKind === 'pool').sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
  const member = (r: Row) => r.nodes.includes(name) || labels[DEDICATED_POOL_KEY] === r.target;
  const matching = node ? poolRows.filter((r) => pools.has(r.target) && selectorMatches(pools.get(r.target)!.selector, labels)) : [];
  // A node stays in the dedication it belongs to while that pool still selects it; else the oldest wins.
  const want = matching.find(member) ?? matching[0];
  const leave = poolRows.filter((r) => r !== want && member(r)).map((row) => ({ row, unlabel: Boolean(node) && labels[DEDICATED_POOL_KEY] === row.target }));
  const unlabelled = leave.some((l) => l.unlabel);
  let join: NodePlan['join'] = null;
  let conflict: string | null = null;
  if (want && node) {
    const current = unlabelled ? undefined : labels[DEDICATED_KEY];
    if (current && current !== want.tenant && !member(want)) conflict = current;
    else {
      const label = unlabelled || !isDedicatedTo(node, want.tenant, want.target);
      const list = !want.nodes.includes(name);
      if (label || list) join = { row: want, label, list };
    }
  }
  if (leave.length === 0 && !join && !conflict) return null;
  return { leave, join, conflict };
}

/**
 * Reconciles one node against the pool dedications: a node whose labels now match a
 * dedicated pool's selector gets the dedication's label and taint and joins the row's node
 * list; a node that carried a pool's dedication and no longer matches it (or is gone) loses
 * them and leaves the list. Nodes dedicated one by one are left alone, and so is a node
 * dedicated to another tenant by hand (it is not taken over). A change is made in a
 * transaction that locks the dedication rows, so it never races dedicate or release; node
 * writes happen inside it, each change audited (`gpu.dedication.node-joined`, `.node-left`).
 */
export async function reconcileNodeDedication(name: string, node: Node | undefined): Promise<ReconcileResult> {
  const db = getDb();
  const poolsOf = async (executor: Pick<typeof db, 'select'>) => new Map((await executor.select().from(gpuPools)).map((p) => [p.name, p]));
  // Cheap look first (most node events change nothing here); decide again under the lock.
  if (!planNode(name, node, await db.select().from(gpuDedications), await poolsOf(db))) return { outcome: 'unchanged' };
  return db.transaction(async (tx) => {
    const plan = planNode(name, node, await tx.select().from(gpuDedications).for('update'), await poolsOf(tx));
    if (!plan) return { outcome: 'unchanged' as const };
    for (const { row, unlabel } of plan.leave) {
      if (unlabel) await removeDedication(name);
      // The watch cache may still show our own labels after the list was updated: unlabel again (harmless), record once.
      if (!row.nodes.includes(name)) continue;
      await tx.update(gpuDedications).set({ nodes: row.nodes.filter((n) => n !== name) }).where(eq(gpuDedications.id, row.id));
      await recordAudit(tx, {
        actor,
        action: 'gpu.dedication.node-left',
        targetType: 'gpu-pool',
        targetId: row.target,
        before: { node: name, tenant: row.tenant },
        after: { reason: node ? 'its labels no longer match the pool' : 'the node is gone' },
      });
    }
    if (plan.conflict) {
      log.warn({ node: name, dedicatedTo: plan.conflict }, 'node matches a dedicated pool but is dedicated to another tenant; left as it is');
      return { outcome: plan.leave.length > 0 ? ('applied' as const) : ('ignored' as const) };
    }
    if (plan.join) {
      const { row, label, list } = plan.join;
      if (label) await applyDedication(name, row.tenant, row.target);
      if (list) {
        await tx.update(gpuDedications).set({ nodes: [...row.nodes, name].sort() }).where(eq(gpuDedications.id, row.id));
        await recordAudit(tx, { actor, action: 'gpu.dedication.node-joined', targetType: 'gpu-pool', targetId: row.target, after: { node: name, tenant: row.tenant } });
      }
    }
    return { outcome: 'applied' as const };
  });
}

function definition(client: Parameters<typeof kubeNodes.watchNodes>[0]): ControllerDefinition {
  let watch: ReturnType<typeof kubeNodes.watchNodes> | undefined;
  const byName = () => new Map([...(watch?.cache.values() ?? [])].map((n) => [n.metadata.name, n as Node]));
  return {
    name: POOL_DEDICATION_CONTROLLER,
    async listKeys() {
      await watch?.ready;
      const names = new Set(byName().keys());
      for (const row of await getDb().select({ nodes: gpuDedications.nodes }).from(gpuDedications)) for (const n of row.nodes) names.add(n);
      return [...names].sort();
    },
    reconcile: (key) => reconcileNodeDedication(key, byName().get(key)),
    startSources(enqueue) {
      // Nodes that appear or go, and changes of labels or of the dedication taint, are looked
      // at; status-only updates (kubelet heartbeats) are not: they cannot change membership.
      // Dedication rows that change are applied by dedicate/release themselves, and the
      // resync looks at every node anyway.
      const seen = new Map<string, string>();
      watch = kubeNodes.watchNodes(client, (type, object) => {
        const node = object as Node;
        const name = node.metadata.name;
        const signature = JSON.stringify([node.metadata.labels ?? {}, (node.spec?.taints ?? []).filter((t) => t.key === DEDICATED_KEY)]);
        if (type === 'deleted') seen.delete(name);
        else if (seen.get(name) === signature) return;
        else seen.set(name, signature);
        enqueue(name);
      });
    },
    async stopSources() {
      await watch?.stop();
      watch = undefined;
    },
  };
}

/** Registers the controller with server/kube: it runs on the leader only. */
export function registerPoolDedicationController(options: { resyncMs?: number } = {}): void {
  registerLeaderController({ name: POOL_DEDICATION_CONTROLLER, resyncMs: options.resyncMs ?? 30_000, create: ({ client }) => definition(client) });
}

