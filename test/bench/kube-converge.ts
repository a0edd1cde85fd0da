/**
 * Controller convergence benchmark (`node --import tsx test/bench/kube-converge.ts
 * [--runs 3] [--objects 1000] [--steady-seconds 60] [--resync-seconds 10] [--qps 100] [--burst 200]`).
 *
 * Each run starts a fresh simulated cluster (in-process, loopback) and a fresh database with
 * the real migrations — in-memory PGlite and, when reachable, a PostgreSQL server
 * (BENCH_DATABASE_URL / TEST_DATABASE_URL / the local one) — stores `--objects` desired objects (ConfigMaps and
 * Deployments, 80/20, in namespaces of 100, plus those namespaces), then starts the
 * desired-objects controller with the default client rate limit and measures:
 *
 *   1. converge: controller start until every row is applied at its generation, and the API
 *      calls that took (the sim's own request counters, by verb);
 *   2. steady state (last PGlite run only): `--steady-seconds` with nothing changed and a resync every
 *      `--resync-seconds`; API writes per minute (goal: zero — a resync compares the spec hash
 *      and the watch-fed live object and does not re-apply an unchanged object).
 *
 * Prints medians and p95 over the runs, then `RESULT <json>`. Bounded by runs × objects.
 */
import { parseArgs } from 'node:util';
import { KubeConfig } from '@kubernetes/client-node';
import { sql } from 'drizzle-orm';
import { type DatabaseHandle, openDatabase } from '../../db/client';
import { migrate } from '../../db/migrate';
import { kubeDesiredObjects } from '../../db/schema/kube';
import { log } from '../../server/core/log';
import { KubeClient, renderConfigMap, renderDeployment, renderNamespace, setDesired } from '../../server/kube';
import { DesiredObjectsController } from '../../server/kube/controller/desired-controller';
import { startSimulatedCluster } from '../../server/kube/sim/index';
import { benchServerUrl, createFreshDatabase, reachable } from './support/leitstand';
import { summarise } from './support/stats';

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    objects: { type: 'string', default: '1000' },
    'steady-seconds': { type: 'string', default: '60' },
    'resync-seconds': { type: 'string', default: '10' },
    qps: { type: 'string', default: '100' },
    burst: { type: 'string', default: '200' },
  },
});
const runs = Math.max(1, Math.min(10, Number(args.runs)));
const objects = Math.max(100, Math.min(5000, Number(args.objects)));
const steadySeconds = Math.max(10, Math.min(300, Number(args['steady-seconds'])));
const resyncMs = Math.max(1, Number(args['resync-seconds'])) * 1000;
const qps = Number(args.qps);
const burst = Number(args.burst);
log.level = 'silent';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function diff(after: Record<string, number>, before: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(after)) if (v - (before[k] ?? 0) > 0) out[k] = v - (before[k] ?? 0);
  return out;
}

interface RunResult {
  convergeMs: number;
  requests: number;
  writes: number;
  byVerb: Record<string, number>;
  steady?: { seconds: number; writes: number; writesPerMinute: number; applies: number; requests: number; byVerb: Record<string, number> };
}

async function run(backend: 'pglite' | 'postgres', withSteady: boolean): Promise<RunResult> {
  let handle: DatabaseHandle;
  let drop = async () => {};
  if (backend === 'postgres') {
    const fresh = await createFreshDatabase(benchServerUrl(), 'leitstand_bench_kube');
    handle = await openDatabase({ url: fresh.url, poolSize: 10 });
    drop = fresh.drop;
  } else {
    handle = await openDatabase({});
  }
  await migrate(handle.db);
  const sim = await startSimulatedCluster({ host: '127.0.0.1', port: 0, podReadyDelayMs: 50 });
  const kc = new KubeConfig();
  kc.loadFromString(sim.kubeconfigYaml);
  const client = new KubeClient(kc, { qps, burst });
  const owner = { context: 'bench', id: 'converge' };
  const perNamespace = 100;
  await handle.db.transaction(async (tx) => {
    for (let n = 0; n * perNamespace < objects; n++) {
      const ns = `bench-${n}`;
      await setDesired(tx, { owner, manifest: renderNamespace({ name: ns }) });
      for (let i = 0; i < perNamespace && n * perNamespace + i < objects; i++) {
        const manifest =
          i % 5 === 4
            ? renderDeployment({ namespace: ns, name: `app-${i}`, image: `registry.local/app:${i}`, replicas: 1, selector: { app: `app-${i}` } })
            : renderConfigMap({ namespace: ns, name: `cm-${i}`, data: { index: String(i), payload: 'x'.repeat(256) } });
        await setDesired(tx, { owner, manifest });
      }
    }
  });
  const pending = async () => {
    const [row] = await handle.db
      .select({ n: sql<number>`count(*)::int` })
      .from(kubeDesiredObjects)
      .where(sql`${kubeDesiredObjects.appliedGeneration} is distinct from ${kubeDesiredObjects.generation}`);
    return row?.n ?? -1;
  };
  const controller = new DesiredObjectsController({ client, db: handle.db, instanceId: 'bench', resyncMs, pollMs: 200 });
  const before = sim.stats();
  const t0 = performance.now();
  await controller.start();
  while ((await pending()) !== 0) await sleep(100);
  const convergeMs = performance.now() - t0;
  const after = sim.stats();
  const result: RunResult = {
    convergeMs,
    requests: after.requests - before.requests,
    writes: after.writes - before.writes,
    byVerb: diff(after.byVerb, before.byVerb),
  };
  if (withSteady) {
    // Let the sim's own controllers (pods becoming ready → Deployment status) settle first:
    // those are the cluster's writes, not Leitstand's.
    await sleep(3_000);
    const s0 = sim.stats();
    const applies0 = controller.writes.apply + controller.writes.delete;
    await sleep(steadySeconds * 1000);
    const s1 = sim.stats();
    const clientWrites = diff(s1.byVerb, s0.byVerb);
    const writeVerbs = ['create', 'update', 'patch', 'apply', 'delete'];
    const writes = Object.entries(clientWrites)
      .filter(([k]) => writeVerbs.includes(k.toLowerCase()))
      .reduce((s, [, v]) => s + v, 0);
    result.steady = {
      seconds: steadySeconds,
      writes,
      writesPerMinute: Number(((writes / steadySeconds) * 60).toFixed(2)),
      applies: controller.writes.apply + controller.writes.delete - applies0,
      requests: s1.requests - s0.requests,
      byVerb: clientWrites,
    };
  }
  await controller.stop();
  client.close();
  await sim.close();
  await handle.close();
  await drop();
  return result;
}

const backends: Array<'pglite' | 'postgres'> = ['pglite'];
if (await reachable(benchServerUrl())) backends.push('postgres');
const report: Record<string, unknown> = { objects, runs, rateLimit: { qps, burst }, resyncSeconds: resyncMs / 1000 };
for (const backend of backends) {
  const results: RunResult[] = [];
  for (let r = 0; r < runs; r++) {
    const result = await run(backend, backend === 'pglite' && r === runs - 1);
    results.push(result);
    console.log(
      `[${backend}] run ${r + 1}/${runs}: converged ${objects} objects in ${(result.convergeMs / 1000).toFixed(2)} s, ` +
        `${result.requests} API requests (${result.writes} writes) ${JSON.stringify(result.byVerb)}`,
    );
  }
  const converge = {
    seconds: summarise(results.map((r) => r.convergeMs / 1000), 2),
    requests: summarise(results.map((r) => r.requests)),
    writes: summarise(results.map((r) => r.writes)),
  };
  report[backend] = converge;
  console.log(
    `[${backend}] converge: median ${converge.seconds.median} s (p95 ${converge.seconds.p95} s), ` +
      `median ${converge.requests.median} requests / ${converge.writes.median} writes for ${objects} objects`,
  );
  const steady = results[results.length - 1]!.steady;
  if (steady) {
    report.steady = steady;
    console.log(
      `[${backend}] steady state: ${steady.writes} writes in ${steady.seconds} s with resync every ${resyncMs / 1000} s ` +
        `(${steady.writesPerMinute}/min; controller applies ${steady.applies}; ${steady.requests} requests ${JSON.stringify(steady.byVerb)})`,
    );
  }
}
console.log(`RESULT ${JSON.stringify(report)}`);
process.exit(0);
