/**
 * Model registry and rollout benchmark (`node --import tsx test/bench/models-registry.ts`,
 * after `npm run build`).
 *
 * Part 1, registry pages, for each database — PostgreSQL (a fresh database on the local
 * server; skipped when none is reachable) and embedded PGlite (a fresh data directory):
 *   seeds `--models` (2,000) models × `--versions` (10) versions and an operator session,
 *   starts the real built server as a child process, and drives with autocannon
 *   (`--connections` 20, `--duration` s after a warm-up): the registry list (GET /models,
 *   newest first, 50 per page) and a search (GET /models?q=<word>&stage=production), each
 *   as a full page load (document). Per-response times (request written → response complete;
 *   Remix renders before the first byte, so an upper bound of TTFB) as p50/p95/p99, and a
 *   paced run (`--rate` req/s, open loop) measuring TTFB at the response headers.
 *   Target: p95 < 50 ms. Each saturating run also splits the machine's CPU per response
 *   (server, load generator, PostgreSQL, other processes; support/cpu.ts) and prints the
 *   ceiling that leaves: cores ÷ the CPU a response needs, and the least mean latency of a
 *   closed loop of 20 connections at that rate.
 *
 * Part 2, controller overhead, in process against the simulated cluster (pods become Ready
 * `--ready-delay` ms after they are bound): deploys a 2-replica model through the real path
 * (deployModel → desired rows → leader's controller → server-side apply → simulated
 * Deployment/ReplicaSet/scheduler/kubelet) and times "deploy returned" → "all pods Ready as
 * the progress view reports it", `--rollouts` times (undeploying in between). Overhead =
 * that time − the simulated start delay. Target: < 1 s.
 *
 * Prints a summary and `RESULT <json>`. Loopback only; about 2–3 minutes.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { type DatabaseHandle, openDatabase, setDatabase } from '../../db/client';
import { maintainTables } from '../../db/maintenance';
import { migrate } from '../../db/migrate';
import { users } from '../../db/schema/auth';
import { modelVersions, models } from '../../db/schema/models';
import { createSession, sessionCookieName } from '../../server/auth';
import { searchTextOf } from '../../server/models';
import { benchServerUrl, createFreshDatabase, type FreshDatabase, reachable, sleep, startLeitstand, tempDir } from './support/leitstand';
import { type CpuSplit, cpuSnapshot, cpuSplit, describeCpu } from './support/cpu';
import { profileArgs } from './support/profile';
import { percentile, summarise } from './support/stats';

interface AutocannonInstance extends PromiseLike<{ requests: { average: number }; non2xx: number; errors: number; timeouts: number }> {
  on(event: 'response', listener: (client: unknown, statusCode: number, bytes: number, ms: number) => void): void;
}
const autocannon = createRequire(import.meta.url)('autocannon') as (options: Record<string, unknown>) => AutocannonInstance;

const { values: args } = parseArgs({
  options: {
    models: { type: 'string', default: '2000' },
    versions: { type: 'string', default: '10' },
    connections: { type: 'string', default: '20' },
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '3' },
    rate: { type: 'string', default: '40' },
    rollouts: { type: 'string', default: '5' },
    'ready-delay': { type: 'string', default: '500' },
    only: { type: 'string' },
  },
});
const modelCount = Math.max(10, Math.min(20_000, Number(args.models)));
const versionCount = Math.max(1, Math.min(50, Number(args.versions)));
const connections = Math.max(1, Math.min(200, Number(args.connections)));
const durationS = Math.max(1, Math.min(120, Number(args.duration)));
const warmupS = Math.max(0, Math.min(30, Number(args.warmup)));
const paceRps = Math.max(0, Math.min(5_000, Number(args.rate)));
const rollouts = Math.max(1, Math.min(50, Number(args.rollouts)));
const readyDelayMs = Math.max(0, Math.min(10_000, Number(args['ready-delay'])));
const target = { p95Ms: 50, controllerOverheadMs: 1000 } as const;
const round1 = (v: number) => Number(v.toFixed(1));
const latency = (s: number[]) => ({ p50: round1(percentile(s, 50)), p95: round1(percentile(s, 95)), p99: round1(percentile(s, 99)), n: s.length });

const families = ['llama', 'mistral', 'qwen', 'gemma', 'phi', 'falcon', 'bge', 'e5', 'deepseek', 'mixtral'];
const tagPool = ['chat', 'instruct', 'code', 'embedding', 'german', 'medical', 'legal', 'vision', 'reasoning', 'small'];
const stages = ['draft', 'staging', 'production', 'deprecated', 'retired'] as const;

async function seed(handle: DatabaseHandle): Promise<string> {
  setDatabase(handle);
  await migrate(handle.db);
  const started = performance.now();
  for (let offset = 0; offset < modelCount; offset += 500) {
    const batch = Array.from({ length: Math.min(500, modelCount - offset) }, (_, k) => {
      const i = offset + k;
      const family = families[i % families.length]!;
      const row = {
        name: `${family}-${i}`,
        family,
        owner: `team-${i % 37}`,
        description: `${family} model number ${i}, fine-tuned for ${tagPool[i % tagPool.length]}`,
        license: i % 3 ? 'apache-2.0' : 'llama3.1',
        tags: [tagPool[i % tagPool.length]!, tagPool[(i * 7) % tagPool.length]!],
        createdBy: 'bench',
        updatedAt: new Date(Date.now() - i * 60_000),
      };
      return { ...row, searchText: searchTextOf(row) };
    });
    const rows = await handle.db.insert(models).values(batch).returning({ id: models.id });
    const versions = rows.flatMap((r, k) =>
      Array.from({ length: versionCount }, (_, v) => ({
        modelId: r.id,
        label: `v${v + 1}`,
        artifactUri: `s3://models/${batch[k]!.name}/v${v + 1}/`,
        format: 'safetensors' as const,
        quantization: 'bf16' as const,
        parameterCount: 7e9 + v,
        contextLength: 32768,
        sizeBytes: 15e9,
        sha256: crypto.createHash('sha256').update(`${r.id}${v}`).digest('hex'),
        stage: stages[(k + v) % stages.length]!,
        createdBy: 'bench',
        createdAt: new Date(Date.now() - (versionCount - v) * 3_600_000),
      })),
    );
    for (let i = 0; i < versions.length; i += 1000) await handle.db.insert(modelVersions).values(versions.slice(i, i + 1000));
  }
  console.log(`  seeded ${modelCount} models × ${versionCount} versions in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  const [user] = await handle.db.insert(users).values({ username: 'bench-operator', displayName: 'Bench Operator', roles: ['operator'] }).returning({ id: users.id });
  const session = await handle.db.transaction((tx) => createSession(tx, user!.id, { clientAddress: '127.0.0.1' }));
  return `${sessionCookieName}=${encodeURIComponent(session.cookieValue)}`;
}

async function drive(url: string, cookie: string, seconds: number) {
  const samples: number[] = [];
  const instance = autocannon({ url, connections, duration: seconds, headers: { cookie } });
  instance.on('response', (_c, _s, _b, ms) => samples.push(ms));
  const result = await instance;
  return { ...latency(samples), rps: Math.round(result.requests.average), non2xx: result.non2xx, errors: result.errors + result.timeouts };
}

async function pace(url: string, cookie: string, seconds: number, rate: number) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const ttfb: number[] = [];
  let non2xx = 0;
  const one = () =>
    new Promise<void>((resolve) => {
      const started = performance.now();
      http
        .get(url, { agent, headers: { cookie } }, (res) => {
          ttfb.push(performance.now() - started);
          if ((res.statusCode ?? 0) >= 300) non2xx += 1;
          res.resume();
          res.on('end', () => resolve());
        })
        .on('error', () => resolve());
    });
  const inFlight: Promise<void>[] = [];
  const begin = performance.now();
  for (let i = 0; i < Math.round(seconds * rate); i += 1) {
    const wait = begin + (i * 1000) / rate - performance.now();
    if (wait > 0) await sleep(wait);
    inFlight.push(one());
  }
  await Promise.all(inFlight);
  agent.destroy();
  return { ttfb: latency(ttfb), non2xx };
}

async function registryPages(database: 'postgres' | 'pglite') {
  let fresh: FreshDatabase | undefined;
  const dataDir = tempDir('leitstand-bench-models-');
  try {
    if (database === 'postgres') fresh = await createFreshDatabase(benchServerUrl(), 'leitstand_bench');
    const handle = await openDatabase(fresh ? { url: fresh.url, poolSize: 10 } : { dataDir: path.join(dataDir, 'pglite') });
    let cookie: string;
    try {
      cookie = await seed(handle);
      // The statistics PostgreSQL's autovacuum, or Leitstand's own upkeep of PGlite, gathers within a minute of a bulk load.
      await maintainTables(handle.db);
    } finally {
      await handle.close();
    }
    const server = await startLeitstand({ database, dataDir, databaseUrl: fresh?.url, logLevel: 'warn', readyTimeoutMs: 120_000, nodeArgs: profileArgs() });
    try {
      const urls = {
        list: `${server.url}/models`,
        search: `${server.url}/models?q=qwen&stage=production`,
        'list-data': `${server.url}/models?_data=routes%2Fmodels._index`,
      };
      for (const [key, url] of Object.entries(urls)) {
        if (key.endsWith('-data')) continue;
        const res = await fetch(url, { headers: { cookie } });
        const text = await res.text();
        if (res.status !== 200 || !/href="\/models\/[a-z]+-\d+"/.test(text)) throw new Error(`GET ${key} answered ${res.status} without model links\n${server.output().slice(-2000)}`);
      }
      const out: Record<string, Awaited<ReturnType<typeof drive>> & { cpuMsPerResponse: number; cpu: CpuSplit; paced: Awaited<ReturnType<typeof pace>> | null }> = {};
      for (const [key, url] of Object.entries(urls)) {
        if (warmupS) await drive(url, cookie, warmupS);
        const cpuBefore = cpuSnapshot(server.pid);
        const h = await drive(url, cookie, durationS);
        const cpu = cpuSplit(cpuBefore, cpuSnapshot(server.pid), h.n, connections);
        const p = paceRps ? await pace(url, cookie, durationS, paceRps) : null;
        out[key] = { ...h, cpuMsPerResponse: cpu.server, cpu, paced: p };
        console.log(`  ${database} GET ${key}: saturating p50/p95/p99 ${h.p50}/${h.p95}/${h.p99} ms at ${h.rps} req/s (${h.n} responses, ${h.non2xx} non-2xx)${p ? `; paced ${paceRps} req/s TTFB p50/p95 ${p.ttfb.p50}/${p.ttfb.p95} ms` : ''}`);
        console.log(`    ${describeCpu(cpu)}`);
      }
      return { database, http: out };
    } finally {
      await server.stop({ timeoutMs: 15_000 });
    }
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
    await fresh?.drop();
  }
}

async function controllerOverhead() {
  const dataDir = tempDir('leitstand-bench-models-ctl-');
  const handle = await openDatabase({ dataDir: path.join(dataDir, 'pglite') });
  setDatabase(handle);
  await migrate(handle.db);
  const { startKube, stopKube, getKubeRuntime } = await import('../../server/kube');
  const m = await import('../../server/models');
  const nowhere = path.join(os.tmpdir(), 'leitstand-bench-no-kubeconfig');
  await startKube(
    { kube: { kubeconfig: undefined, simTopology: undefined }, instanceId: 'bench-models' },
    { connect: { defaultKubeconfig: nowhere, inClusterRoot: nowhere, sim: { podReadyDelayMs: readyDelayMs, podTerminationDelayMs: 20, seed: 3 } }, retryIntervalMs: 100, pollMs: 50 },
  );
  const samples: number[] = [];
  try {
    while (!getKubeRuntime()?.elector.isLeader) await sleep(50);
    const alice = { id: crypto.randomUUID(), name: 'alice', roles: ['operator'] };
    const bob = { id: crypto.randomUUID(), name: 'bob', roles: ['operator'] };
    await m.createModel(alice, { name: 'bench-llm', family: 'llama', owner: 'bench', license: 'x' });
    const v = await m.registerVersion(alice, 'bench-llm', { label: 'v1', artifactUri: 'pvc://store/v1', format: 'safetensors', quantization: 'bf16', parameterCount: '8B', contextLength: 8192, sizeBytes: '16GB', sha256: 'c'.repeat(64) });
    await m.setVersionStage(alice, 'bench-llm', 'v1', { stage: 'staging' });
    await m.decidePromotion(bob, (await m.requestPromotion(alice, 'bench-llm', 'v1', { reason: 'bench' })).id, { decision: 'approve' });
    // Warm the cluster cache the placement check reads.
    await m.checkDeploymentPlacement('bench-llm', { versionId: v.id, engine: 'vllm' });
    for (let i = 0; i < rollouts; i += 1) {
      const { deployment } = await m.deployModel(alice, 'bench-llm', { versionId: v.id, engine: 'vllm', replicas: 2, gpusPerReplica: 1, name: `bench-${i}` });
      const started = performance.now();
      for (;;) {
        const progress = await m.deploymentProgress(deployment, await m.listDeploymentObjects(deployment));
        if (progress.ready) break;
        if (performance.now() - started > 30_000) throw new Error(`rollout ${i} not ready after 30 s: ${JSON.stringify(progress.failures)}`);
        await sleep(10);
      }
      const ms = performance.now() - started;
      samples.push(ms);
      console.log(`  rollout ${i + 1}: all pods Ready after ${Math.round(ms)} ms (overhead ${Math.round(ms - readyDelayMs)} ms)`);
      await m.undeployModel(alice, deployment.id, { reason: 'bench' });
    }
  } finally {
    await stopKube();
    await handle.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
  const overhead = samples.map((s) => s - readyDelayMs);
  return { readyDelayMs, total: summarise(samples), overhead: summarise(overhead) };
}

async function main() {
  console.log(`models benchmark: ${modelCount} models × ${versionCount} versions, ${connections} connections × ${durationS} s; ${rollouts} rollouts with pods ready ${readyDelayMs} ms after binding`);
  const loadBefore = os.loadavg()[0]!;
  const pages = [];
  const notes: string[] = [];
  const wanted = args.only ? [args.only] : ['postgres', 'pglite', 'controller'];
  if (wanted.includes('postgres')) {
    if (await reachable(benchServerUrl())) pages.push(await registryPages('postgres'));
    else notes.push('PostgreSQL not reachable: skipped');
  }
  if (wanted.includes('pglite')) pages.push(await registryPages('pglite'));
  const controller = wanted.includes('controller') ? await controllerOverhead() : null;
  const loadAfter = os.loadavg()[0]!;
  const checks: Record<string, boolean> = {};
  console.log('\nsummary:');
  for (const r of pages) {
    for (const [key, h] of Object.entries(r.http)) {
      checks[`${r.database}.${key}`] = h.p95 < target.p95Ms && h.non2xx === 0;
      if (h.paced) checks[`${r.database}.${key}@${paceRps}rps`] = h.paced.ttfb.p95 < target.p95Ms;
      console.log(`  ${r.database} ${key}: p95 ${h.p95} ms saturating (${h.rps} req/s)${h.paced ? `, TTFB p95 ${h.paced.ttfb.p95} ms at ${paceRps} req/s` : ''}`);
    }
  }
  if (controller) {
    checks.controllerOverhead = controller.overhead.p95 < target.controllerOverheadMs;
    console.log(`  controller overhead beyond the ${readyDelayMs} ms start delay: median ${controller.overhead.median} ms, p95 ${controller.overhead.p95} ms`);
  }
  if (Math.max(loadBefore, loadAfter) > 1.5) notes.push(`machine busy (load ${loadBefore.toFixed(1)} → ${loadAfter.toFixed(1)} on ${os.cpus().length} cores): latencies inflated`);
  for (const n of notes) console.log(`  note: ${n}`);
  console.log(`  targets: ${Object.entries(checks).map(([k, v]) => `${k} ${v ? 'met' : 'MISSED'}`).join(', ')}`);
  console.log(`RESULT ${JSON.stringify({ benchmark: 'models-registry', models: modelCount, versions: versionCount, connections, durationS, paceRps, target, checks, pages, controller, loadAverage: [loadBefore, loadAfter], notes })}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
