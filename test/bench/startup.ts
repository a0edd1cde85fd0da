/**
 * Start-up and memory benchmark of the real server (`node --import tsx test/bench/startup.ts`,
 * after `npm run build`). For each database — an external PostgreSQL (a fresh database on the
 * local server) and embedded PGlite (a fresh data directory) — and each of `--runs` rounds:
 *
 *   1. first start on an empty database: spawn → /readyz 200 (migrations included);
 *   2. idle memory: VmRSS of the child after it has been ready and idle for `--settle` ms;
 *   3. stop (SIGTERM), start again on the now existing database: spawn → /readyz 200, and
 *      idle memory again.
 *
 * Reports medians (and p95) per figure, checks the targets (idle RSS with PostgreSQL under
 * 200 MB; start to ready on an existing data directory under 3 s), prints a summary and
 * `RESULT <json>`. Loopback only; bounded by the number of runs (about 25 s per round).
 */
import fs from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import {
  benchServerUrl,
  createFreshDatabase,
  type LeitstandProcess,
  peakRssOf,
  reachable,
  sleep,
  startLeitstand,
  tempDir,
} from './support/leitstand';
import { MB, type Summary, summarise } from './support/stats';

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    settle: { type: 'string', default: '3000' },
    only: { type: 'string' },
  },
});
const runs = Math.max(1, Math.min(20, Number(args.runs)));
const settleMs = Math.max(0, Math.min(30_000, Number(args.settle)));

export const targets = { idleRssPostgresMb: 200, readyExistingMs: 3000 } as const;

interface Samples {
  firstReadyMs: number[];
  existingReadyMs: number[];
  firstReadyCpuMs: number[];
  existingReadyCpuMs: number[];
  idleRssFirstMb: number[];
  idleRssExistingMb: number[];
  peakRssMb: number[];
  stopMs: number[];
}

interface BackendResult {
  database: 'postgres' | 'pglite';
  firstReadyMs: Summary;
  existingReadyMs: Summary;
  firstReadyCpuMs: Summary;
  existingReadyCpuMs: Summary;
  idleRssFirstMb: Summary;
  idleRssExistingMb: Summary;
  peakRssMb: Summary;
  stopMs: Summary;
}

async function idleRss(server: LeitstandProcess): Promise<number> {
  await sleep(settleMs);
  return server.rssBytes() / MB;
}

async function stopCleanly(server: LeitstandProcess, samples: Samples): Promise<void> {
  const peak = peakRssOf(server.pid) / MB;
  const stopped = await server.stop({ timeoutMs: 15_000 });
  if (stopped.code !== 0) {
    throw new Error(`Leitstand exited with ${stopped.code ?? stopped.signal} on SIGTERM\n${server.output().slice(-4000)}`);
  }
  samples.peakRssMb.push(peak);
  samples.stopMs.push(stopped.ms);
}

async function measure(database: 'postgres' | 'pglite'): Promise<BackendResult> {
  const samples: Samples = { firstReadyMs: [], existingReadyMs: [], firstReadyCpuMs: [], existingReadyCpuMs: [], idleRssFirstMb: [], idleRssExistingMb: [], peakRssMb: [], stopMs: [] };
  for (let round = 1; round <= runs; round++) {
    const fresh = database === 'postgres' ? await createFreshDatabase(benchServerUrl(), 'leitstand_bench') : undefined;
    const dataDir = tempDir();
    const start = () =>
      startLeitstand({ database, dataDir, databaseUrl: fresh?.url, logLevel: 'warn', readyTimeoutMs: 120_000 });
    try {
      const first = await start();
      samples.firstReadyMs.push(first.readyMs);
      samples.firstReadyCpuMs.push(first.cpuMs());
      samples.idleRssFirstMb.push(await idleRss(first));
      await stopCleanly(first, samples);

      const again = await start();
      samples.existingReadyMs.push(again.readyMs);
      samples.existingReadyCpuMs.push(again.cpuMs());
      samples.idleRssExistingMb.push(await idleRss(again));
      await stopCleanly(again, samples);
      process.stdout.write(
        `  ${database} round ${round}/${runs}: first ${first.readyMs.toFixed(0)} ms, existing ${again.readyMs.toFixed(0)} ms, idle RSS ${samples.idleRssExistingMb.at(-1)!.toFixed(0)} MB\n`,
      );
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
      await fresh?.drop();
    }
  }
  return {
    database,
    firstReadyMs: summarise(samples.firstReadyMs),
    existingReadyMs: summarise(samples.existingReadyMs),
    firstReadyCpuMs: summarise(samples.firstReadyCpuMs),
    existingReadyCpuMs: summarise(samples.existingReadyCpuMs),
    idleRssFirstMb: summarise(samples.idleRssFirstMb, 1),
    idleRssExistingMb: summarise(samples.idleRssExistingMb, 1),
    peakRssMb: summarise(samples.peakRssMb, 1),
    stopMs: summarise(samples.stopMs),
  };
}

/** RSS of a bare `node --import tsx` process, the floor any Leitstand figure stands on. */
async function baselineRssMb(): Promise<number> {
  const { spawn } = await import('node:child_process');
  const child = spawn(process.execPath, ['--import', 'tsx', '-e', 'setTimeout(() => {}, 5000)'], { stdio: 'ignore' });
  await sleep(1500);
  const status = fs.readFileSync(`/proc/${child.pid}/status`, 'utf8');
  child.kill('SIGTERM');
  return (Number(/^VmRSS:\s+(\d+)/m.exec(status)![1]) * 1024) / MB;
}

async function main() {
  const results: BackendResult[] = [];
  const notes: string[] = [];
  const pgUrl = benchServerUrl();
  const wanted = args.only ? [args.only] : ['postgres', 'pglite'];
  console.log(`startup benchmark: ${runs} round(s) per database, idle RSS read ${settleMs} ms after ready`);
  const loadBefore = os.loadavg()[0]!;
  const baseline = await baselineRssMb();
  if (wanted.includes('postgres')) {
    if (await reachable(pgUrl)) results.push(await measure('postgres'));
    else notes.push(`PostgreSQL not reachable at ${new URL(pgUrl).host}: skipped the external-database figures`);
  }
  if (wanted.includes('pglite')) results.push(await measure('pglite'));

  const pg = results.find((r) => r.database === 'postgres');
  const lite = results.find((r) => r.database === 'pglite');
  const checks = {
    idleRssPostgres: pg ? pg.idleRssExistingMb.median < targets.idleRssPostgresMb : null,
    readyExistingPglite: lite ? lite.existingReadyMs.median < targets.readyExistingMs : null,
    readyExistingPostgres: pg ? pg.existingReadyMs.median < targets.readyExistingMs : null,
  };

  console.log('\nsummary (median / p95):');
  console.log(`  bare node --import tsx: ${baseline.toFixed(1)} MB RSS`);
  for (const r of results) {
    console.log(`  ${r.database}:`);
    console.log(`    first start (empty database) → ready: ${r.firstReadyMs.median} / ${r.firstReadyMs.p95} ms`);
    console.log(`    start on existing database  → ready: ${r.existingReadyMs.median} / ${r.existingReadyMs.p95} ms (target < ${targets.readyExistingMs} ms)`);
    console.log(`    CPU time used until ready: first ${r.firstReadyCpuMs.median} ms, existing ${r.existingReadyCpuMs.median} ms (robust to a busy machine)`);
    console.log(`    idle RSS after first start: ${r.idleRssFirstMb.median} / ${r.idleRssFirstMb.p95} MB`);
    console.log(`    idle RSS after restart:     ${r.idleRssExistingMb.median} / ${r.idleRssExistingMb.p95} MB${r.database === 'postgres' ? ` (target < ${targets.idleRssPostgresMb} MB)` : ''}`);
    console.log(`    peak RSS: ${r.peakRssMb.median} / ${r.peakRssMb.p95} MB; SIGTERM → exit: ${r.stopMs.median} / ${r.stopMs.p95} ms`);
  }
  const loadAfter = os.loadavg()[0]!;
  if (Math.max(loadBefore, loadAfter) > 1.5) {
    notes.push(`machine busy (1-min load average ${loadBefore.toFixed(1)} before, ${loadAfter.toFixed(1)} after, on ${os.cpus().length} cores): wall-clock figures are inflated, CPU times less so`);
  }
  for (const note of notes) console.log(`  note: ${note}`);
  const verdict = Object.entries(checks)
    .filter(([, v]) => v !== null)
    .map(([k, v]) => `${k} ${v ? 'met' : 'MISSED'}`);
  console.log(`  targets: ${verdict.join(', ')}`);
  console.log(`RESULT ${JSON.stringify({ benchmark: 'startup', runs, settleMs, loadAverage: [loadBefore, loadAfter], baselineRssMb: Number(baseline.toFixed(1)), targets, checks, results, notes })}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
