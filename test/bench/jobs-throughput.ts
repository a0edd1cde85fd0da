/**
 * Job queue benchmark (`node --import tsx test/bench/jobs-throughput.ts [--runs 5] [--jobs 400]`).
 * For embedded PGlite (in memory) and, when reachable, a fresh database on a PostgreSQL
 * server (BENCH_DATABASE_URL / TEST_DATABASE_URL / the local one), each round measures:
 *
 *   1. enqueue: `--jobs` jobs, one transaction each (as request handlers enqueue them);
 *   2. drain: one worker (concurrency 8) runs them all — one step and one progress write
 *      each — from start until the last is succeeded; on PostgreSQL also two workers on
 *      two connection pools;
 *   3. wake-up: an idle worker (poll interval 10 s) and a single enqueue — commit to
 *      handler start, i.e. the LISTEN/NOTIFY path;
 *   4. idle poll: the cost of one claim query against an empty queue.
 *
 * Reports medians and p95 over the rounds, then `RESULT <json>`. Loopback only; bounded by
 * the number of rounds.
 */
import { parseArgs } from 'node:util';
import { sql } from 'drizzle-orm';
import { type DatabaseHandle, openDatabase, setDatabase } from '../../db/client';
import { migrate } from '../../db/migrate';
import { log } from '../../server/core/log';
import { defineJobType, enqueueJob, startWorkers, stopWorkers } from '../../server/jobs';
import { claimJobs } from '../../server/jobs/lease';
import { benchServerUrl, createFreshDatabase, reachable } from './support/leitstand';
import { type Summary, summarise } from './support/stats';

const { values: args } = parseArgs({
  options: { runs: { type: 'string', default: '5' }, jobs: { type: 'string', default: '400' } },
});
const runs = Math.max(1, Math.min(20, Number(args.runs)));
const jobCount = Math.max(10, Math.min(5000, Number(args.jobs)));
log.level = 'silent';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let started: ((id: string) => void) | undefined;
const NOOP = 'bench.noop';
defineJobType<{ n: number }>(NOOP, {
  handler: async (ctx) => {
    started?.(ctx.job.id);
    const doubled = await ctx.step('double', () => ctx.payload.n * 2);
    await ctx.setProgress(1, 1);
    return doubled;
  },
});

async function succeeded(db: DatabaseHandle['db']): Promise<number> {
  const result = await db.execute(sql`select count(*)::int as n from jobs where state = 'succeeded'`);
  const rows = Array.isArray(result) ? result : (result as { rows: unknown[] }).rows;
  return Number((rows[0] as { n: number }).n);
}

async function enqueueAll(db: DatabaseHandle['db']): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < jobCount; i++) await db.transaction((tx) => enqueueJob(tx, { type: NOOP, payload: { n: i } }));
  return jobCount / ((performance.now() - t0) / 1000);
}

async function drain(handles: DatabaseHandle[]): Promise<number> {
  const db = handles[0]!.db;
  const before = await succeeded(db);
  const t0 = performance.now();
  await Promise.all(
    handles.map((database, i) =>
      startWorkers({ database, concurrency: 8, pollIntervalMs: 50, leaseMs: 30_000, workerId: `bench-${i}` }),
    ),
  );
  const deadline = Date.now() + 120_000;
  while ((await succeeded(db)) - before < jobCount) {
    if (Date.now() > deadline) throw new Error('drain took longer than 2 minutes');
    // Coarse on purpose: on PGlite this count shares the one connection with the workers.
    await sleep(50);
  }
  const rate = jobCount / ((performance.now() - t0) / 1000);
  await stopWorkers();
  return rate;
}

async function wakeLatencies(handle: DatabaseHandle, samples: number): Promise<number[]> {
  await startWorkers({ database: handle, concurrency: 1, pollIntervalMs: 10_000, leaseMs: 60_000 });
  await sleep(50);
  const latencies: number[] = [];
  for (let i = 0; i < samples; i++) {
    let committed = 0;
    const ran = new Promise<number>((resolve) => (started = () => resolve(performance.now())));
    await handle.db.transaction(async (tx) => {
      await enqueueJob(tx, { type: NOOP, payload: { n: i } });
    });
    committed = performance.now();
    const at = await Promise.race([ran, sleep(5_000).then(() => Number.NaN)]);
    latencies.push(at - committed);
    await sleep(20);
  }
  started = undefined;
  await stopWorkers();
  return latencies;
}

async function idlePollMicros(handle: DatabaseHandle): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < 200; i++) {
    const t0 = performance.now();
    await claimJobs(handle.db, { workerId: 'idle', types: [NOOP], limit: 8, leaseMs: 30_000 });
    samples.push((performance.now() - t0) * 1000);
  }
  return samples;
}

interface BackendResult {
  database: 'pglite' | 'postgres';
  enqueuePerSecond: Summary;
  drainPerSecond: Summary;
  drainTwoPoolsPerSecond?: Summary;
  wakeLatencyMs: Summary;
  idlePollMicros: Summary;
}

async function measure(kind: 'pglite' | 'postgres'): Promise<BackendResult> {
  const fresh = kind === 'postgres' ? await createFreshDatabase(benchServerUrl(), 'leitstand_bench_jobs') : undefined;
  const handle = await openDatabase({ url: fresh?.url, poolSize: 10 });
  const secondPool = fresh ? await openDatabase({ url: fresh.url, poolSize: 10 }) : undefined;
  try {
    setDatabase(handle);
    await migrate(handle.db);
    const enqueue: number[] = [];
    const drained: number[] = [];
    const drainedTwo: number[] = [];
    const wake: number[] = [];
    for (let round = 0; round < runs; round++) {
      enqueue.push(await enqueueAll(handle.db));
      drained.push(await drain([handle]));
      if (secondPool) {
        await enqueueAll(handle.db);
        drainedTwo.push(await drain([handle, secondPool]));
      }
      wake.push(...(await wakeLatencies(handle, 10)));
    }
    return {
      database: kind,
      enqueuePerSecond: summarise(enqueue),
      drainPerSecond: summarise(drained),
      ...(secondPool ? { drainTwoPoolsPerSecond: summarise(drainedTwo) } : {}),
      wakeLatencyMs: summarise(wake, 1),
      idlePollMicros: summarise(await idlePollMicros(handle)),
    };
  } finally {
    await stopWorkers();
    await secondPool?.close();
    await handle.close();
    await fresh?.drop();
  }
}

const results: BackendResult[] = [await measure('pglite')];
if (await reachable(benchServerUrl())) results.push(await measure('postgres'));
else console.log(`PostgreSQL at ${new URL(benchServerUrl()).host} is not reachable: measured PGlite only.`);

// For a latency the bad tail is p95; for a rate it is the minimum.
const fmt = (s: Summary, unit: string) =>
  unit === 'jobs/s'
    ? `median ${s.median} ${unit} (min ${s.min}, n=${s.n})`
    : `median ${s.median} ${unit} (p95 ${s.p95}, n=${s.n})`;
console.log(`Job queue, ${jobCount} jobs per round, ${runs} rounds`);
for (const r of results) {
  console.log(`  ${r.database}`);
  console.log(`    enqueue (1 job per transaction): ${fmt(r.enqueuePerSecond, 'jobs/s')}`);
  console.log(`    drain, 1 worker × 8:             ${fmt(r.drainPerSecond, 'jobs/s')}`);
  if (r.drainTwoPoolsPerSecond) console.log(`    drain, 2 workers × 8, 2 pools:   ${fmt(r.drainTwoPoolsPerSecond, 'jobs/s')}`);
  console.log(`    wake-up, commit → handler:       ${fmt(r.wakeLatencyMs, 'ms')}`);
  console.log(`    idle poll (empty claim):         ${fmt(r.idlePollMicros, 'µs')}`);
}
console.log(`RESULT ${JSON.stringify({ benchmark: 'jobs-throughput', jobs: jobCount, runs, results })}`);
