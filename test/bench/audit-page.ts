/**
 * Audit page benchmark (`node --import tsx test/bench/audit-page.ts`, after `npm run build`).
 *
 * For each database — PostgreSQL (a fresh database on the local server) and embedded
 * PGlite (a fresh data directory):
 *
 *   1. seeds `--events` (100,000) audit events forming a valid chain (batched multi-row
 *      inserts, hashes computed as recordAudit does), an auditor, and a session row;
 *   2. verifies the whole chain once (proves the seed is valid; reports the walk's time);
 *   3. query level, in process: listAuditEvents for the first page and a deep page
 *      (`before=<id>` `--deep` events back from the newest), sequentially and 20 at a time;
 *   4. HTTP: starts the real server (`node build/server.js`) on that data,
 *      and drives GET /audit and GET /audit?before=<id> — each as a full page load
 *      (document) and as the data request the browser makes when paging inside the app
 *      (`?_data=routes/audit`) — with autocannon, `--connections`
 *      (20) concurrent connections for `--duration` seconds each after a warm-up, sending
 *      the session cookie. Every response's time is collected (autocannon's per-response
 *      event: request written → response complete; Remix renders the whole page before the
 *      first byte, so this is time-to-first-byte plus a loopback transfer, an upper bound of
 *      TTFB) and summarised as p50/p95/p99. Twice: saturating (each connection sends its next
 *      request when the previous answer arrived — by Little's law the latency is then
 *      connections ÷ throughput, a throughput test) and paced (`--rate` requests per second,
 *      evenly spaced, over a keep-alive pool of the same size, TTFB measured at the response
 *      headers — the latency a person sees while others use the console).
 *
 *   For each saturating run it also splits the machine's CPU per response between the server,
 *   the load generator, PostgreSQL and other processes (support/cpu.ts), which gives the
 *   machine's ceiling: cores ÷ (server + load generator + database) responses/s, and for
 *   20 connections a mean latency no server code can go below.
 *
 * Target: p95 < 50 ms for both pages on both databases. Prints a summary and
 * `RESULT <json>`. Loopback only; about 2–3 minutes.
 */
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
import { listAuditEvents, verifyAuditChain } from '../../server/audit';
import { createSession, sessionCookieName } from '../../server/auth';
import { seedAuditEvents } from '../support/audit-seed';
import {
  benchServerUrl,
  createFreshDatabase,
  type FreshDatabase,
  reachable,
  startLeitstand,
  tempDir,
} from './support/leitstand';
import { type CpuSplit, cpuSnapshot, cpuSplit, describeCpu } from './support/cpu';
import { profileArgs } from './support/profile';
import { type Summary, percentile, summarise } from './support/stats';

interface AutocannonInstance extends PromiseLike<AutocannonResult> {
  on(event: 'response', listener: (client: unknown, statusCode: number, bytes: number, ms: number) => void): void;
}
interface AutocannonResult {
  requests: { total: number; average: number };
  non2xx: number;
  errors: number;
  timeouts: number;
}
type Autocannon = (options: Record<string, unknown>) => AutocannonInstance;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

const { values: args } = parseArgs({
  options: {
    events: { type: 'string', default: '100000' },
    deep: { type: 'string', default: '90000' },
    connections: { type: 'string', default: '20' },
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '3' },
    rate: { type: 'string', default: '40' },
    only: { type: 'string' },
  },
});
const eventCount = Math.max(1000, Math.min(1_000_000, Number(args.events)));
const deep = Math.max(1, Math.min(eventCount - 1, Number(args.deep)));
const connections = Math.max(1, Math.min(200, Number(args.connections)));
const durationS = Math.max(1, Math.min(120, Number(args.duration)));
const warmupS = Math.max(0, Math.min(30, Number(args.warmup)));
/** Requests per second (all connections together) of the paced run; 0 skips it. */
const paceRps = Math.max(0, Math.min(10_000, Number(args.rate)));
export const target = { p95Ms: 50 } as const;

type Case = 'first' | 'deep';
/** document: a full page load (SSR); data: what the browser fetches when paging inside the app. */
type HttpKey = `${Case}-${'document' | 'data'}`;
const httpKeys: HttpKey[] = ['first-document', 'deep-document', 'first-data', 'deep-data'];
interface Latency {
  p50: number;
  p95: number;
  p99: number;
  n: number;
}
interface HttpCase extends Latency {
  rps: number;
  /** Response size (headers and body). */
  kbPerResponse?: number;
  /** Server CPU time (user + system) per response: independent of other load on the machine. */
  cpuMsPerResponse?: number;
  /** The machine's CPU per response by whom, and the ceiling it implies (saturating runs). */
  cpu?: CpuSplit;
  non2xx: number;
  errors: number;
}
interface BackendResult {
  database: 'postgres' | 'pglite';
  seedMs: number;
  verify: { ms: number; checked: number; ok: boolean };
  query: Record<Case, { sequential: Summary; concurrent: Summary }>;
  /** Saturating: every connection sends its next request as soon as the last answer arrived. */
  http: Record<HttpKey, HttpCase>;
  /** Paced (open loop): `--rate` requests per second over a pool of the same size; TTFB too. */
  paced: Record<HttpKey, HttpCase & { ttfb: Latency }> | null;
}

const round1 = (v: number) => Number(v.toFixed(1));

function latency(samples: number[]): Latency {
  return {
    p50: round1(percentile(samples, 50)),
    p95: round1(percentile(samples, 95)),
    p99: round1(percentile(samples, 99)),
    n: samples.length,
  };
}

/** The keyset cursor of the deep page: events strictly older than this id. */
const deepCursor = eventCount - deep + 1;

async function seed(handle: DatabaseHandle): Promise<{ cookie: string; seedMs: number }> {
  setDatabase(handle);
  await migrate(handle.db);
  const started = performance.now();
  await seedAuditEvents(handle.db, eventCount);
  const seedMs = performance.now() - started;
  // The statistics PostgreSQL's autovacuum, or Leitstand's own upkeep of PGlite, gathers within a minute of a bulk load.
  await maintainTables(handle.db);
  const [user] = await handle.db
    .insert(users)
    .values({ username: 'bench-auditor', displayName: 'Bench Auditor', roles: ['auditor'] })
    .returning({ id: users.id });
  const session = await handle.db.transaction((tx) => createSession(tx, user!.id, { clientAddress: '127.0.0.1' }));
  return { cookie: `${sessionCookieName}=${encodeURIComponent(session.cookieValue)}`, seedMs };
}

async function timeQueries(handle: DatabaseHandle) {
  const run = (c: Case) =>
    listAuditEvents(c === 'first' ? { limit: 50 } : { limit: 50, cursor: deepCursor, direction: 'older' }, handle.db);
  const check = await run('deep');
  if (check.events[0]?.id !== deepCursor - 1) throw new Error(`deep page starts at ${check.events[0]?.id}, expected ${deepCursor - 1}`);
  const out = {} as BackendResult['query'];
  for (const c of ['first', 'deep'] as const) {
    for (let i = 0; i < 20; i += 1) await run(c);
    const sequential: number[] = [];
    for (let i = 0; i < 200; i += 1) {
      const t = performance.now();
      await run(c);
      sequential.push(performance.now() - t);
    }
    const concurrent: number[] = [];
    for (let round = 0; round < 10; round += 1) {
      await Promise.all(
        Array.from({ length: connections }, async () => {
          const t = performance.now();
          await run(c);
          concurrent.push(performance.now() - t);
        }),
      );
    }
    out[c] = { sequential: summarise(sequential, 2), concurrent: summarise(concurrent, 2) };
  }
  return out;
}

async function drive(url: string, cookie: string, seconds: number): Promise<HttpCase> {
  const samples: number[] = [];
  let bytes = 0;
  const instance = autocannon({ url, connections, duration: seconds, headers: { cookie } });
  instance.on('response', (_client, _status, size, ms) => {
    samples.push(ms);
    bytes += size;
  });
  const result = await instance;
  return {
    ...latency(samples),
    rps: Math.round(result.requests.average),
    kbPerResponse: samples.length ? round1(bytes / samples.length / 1024) : 0,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}

/**
 * Open-loop load: one request every 1000/rate ms, whatever the server's pace, over a
 * keep-alive pool of `connections` sockets (autocannon's own rate limit fires each
 * second's requests in a burst, which measures the burst, not the page). Records
 * time-to-first-byte (response headers; Remix renders the page before it sends them) and
 * time to the complete response.
 */
async function pace(url: string, cookie: string, seconds: number, rate: number): Promise<HttpCase & { ttfb: Latency }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const ttfb: number[] = [];
  const total: number[] = [];
  let non2xx = 0;
  let errors = 0;
  const one = () =>
    new Promise<void>((resolve) => {
      const started = performance.now();
      const request = http.get(url, { agent, headers: { cookie } }, (response) => {
        ttfb.push(performance.now() - started);
        if ((response.statusCode ?? 0) >= 300) non2xx += 1;
        response.resume();
        response.on('end', () => {
          total.push(performance.now() - started);
          resolve();
        });
      });
      request.on('error', () => {
        errors += 1;
        resolve();
      });
    });
  const count = Math.round(seconds * rate);
  const interval = 1000 / rate;
  const inFlight: Promise<void>[] = [];
  const begin = performance.now();
  for (let i = 0; i < count; i += 1) {
    const due = begin + i * interval;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    inFlight.push(one());
  }
  await Promise.all(inFlight);
  agent.destroy();
  return { ...latency(total), rps: rate, non2xx, errors, ttfb: latency(ttfb) };
}

async function measure(database: 'postgres' | 'pglite'): Promise<BackendResult> {
  let fresh: FreshDatabase | undefined;
  const dataDir = tempDir('leitstand-bench-audit-');
  try {
    if (database === 'postgres') fresh = await createFreshDatabase(benchServerUrl(), 'leitstand_bench');
    const handle = await openDatabase(
      fresh ? { url: fresh.url, poolSize: 10 } : { dataDir: path.join(dataDir, 'pglite') },
    );
    let cookie: string;
    let seedMs: number;
    let verify: BackendResult['verify'];
    let query: BackendResult['query'];
    try {
      ({ cookie, seedMs } = await seed(handle));
      console.log(`  ${database}: seeded ${eventCount} events in ${(seedMs / 1000).toFixed(1)} s`);
      const checked = await verifyAuditChain({ db: handle.db });
      verify = { ms: checked.ms, checked: checked.checked, ok: checked.ok };
      if (!checked.ok) throw new Error(`the seeded chain does not verify: ${JSON.stringify(checked.problem)}`);
      console.log(`  ${database}: verified ${checked.checked} events in ${checked.ms} ms`);
      query = await timeQueries(handle);
    } finally {
      await handle.close();
    }

    const server = await startLeitstand({
      database,
      dataDir,
      databaseUrl: fresh?.url,
      logLevel: 'warn',
      readyTimeoutMs: 120_000,
      nodeArgs: profileArgs(),
    });
    try {
      const urls: Record<HttpKey, string> = {
        'first-document': `${server.url}/audit`,
        'deep-document': `${server.url}/audit?before=${deepCursor}`,
        'first-data': `${server.url}/audit?_data=routes%2Faudit`,
        'deep-data': `${server.url}/audit?before=${deepCursor}&_data=routes%2Faudit`,
      };
      for (const key of httpKeys) {
        const response = await fetch(urls[key], { headers: { cookie } });
        const text = await response.text();
        const expected = key.startsWith('first') ? eventCount : deepCursor - 1;
        const marker = key.endsWith('document') ? `href="/audit/${expected}"` : `"id":${expected},`;
        if (response.status !== 200 || !text.includes(marker)) {
          throw new Error(`GET ${urls[key]} answered ${response.status} without event ${expected}\n${server.output().slice(-2000)}`);
        }
      }
      const http = {} as BackendResult['http'];
      for (const key of httpKeys) {
        if (warmupS > 0) await drive(urls[key], cookie, warmupS);
        const cpuBefore = cpuSnapshot(server.pid);
        const h = (http[key] = await drive(urls[key], cookie, durationS));
        h.cpu = cpuSplit(cpuBefore, cpuSnapshot(server.pid), h.n, connections);
        h.cpuMsPerResponse = h.cpu.server;
        console.log(`  ${database} GET ${key}: p50 ${h.p50} ms, p95 ${h.p95} ms, p99 ${h.p99} ms, ${h.rps} req/s (${h.n} responses, ${h.non2xx} non-2xx), ${h.kbPerResponse} kB per response; ${describeCpu(h.cpu)}`);
      }
      let paced: BackendResult['paced'] = null;
      if (paceRps > 0) {
        paced = {} as Record<HttpKey, HttpCase & { ttfb: Latency }>;
        for (const key of httpKeys) {
          const h = (paced[key] = await pace(urls[key], cookie, durationS, paceRps));
          console.log(`  ${database} GET ${key} at ${paceRps} req/s: TTFB p50 ${h.ttfb.p50} ms, p95 ${h.ttfb.p95} ms, p99 ${h.ttfb.p99} ms`);
        }
      }
      return { database, seedMs: Math.round(seedMs), verify, query, http, paced };
    } finally {
      await server.stop({ timeoutMs: 15_000 });
    }
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
    await fresh?.drop();
  }
}

async function main() {
  const results: BackendResult[] = [];
  const notes: string[] = [];
  const wanted = args.only ? [args.only] : ['postgres', 'pglite'];
  console.log(
    `audit page benchmark: ${eventCount} events, deep page ${deep} events back (before=${deepCursor}), ${connections} connections × ${durationS} s per case (after ${warmupS} s warm-up)`,
  );
  const loadBefore = os.loadavg()[0]!;
  if (wanted.includes('postgres')) {
    if (await reachable(benchServerUrl())) results.push(await measure('postgres'));
    else notes.push(`PostgreSQL not reachable at ${new URL(benchServerUrl()).host}: skipped`);
  }
  if (wanted.includes('pglite')) results.push(await measure('pglite'));
  const loadAfter = os.loadavg()[0]!;

  const checks: Record<string, boolean> = {};
  console.log('\nsummary (HTTP: per-response time at the client, request → complete response):');
  for (const r of results) {
    console.log(`  ${r.database}: verify ${r.verify.checked} events ${r.verify.ms} ms`);
    for (const c of ['first', 'deep'] as const) {
      const q = r.query[c];
      console.log(
        `    ${c} page, query alone: median/p95 ${q.sequential.median}/${q.sequential.p95} ms; ${connections} at once ${q.concurrent.median}/${q.concurrent.p95} ms`,
      );
    }
    for (const key of httpKeys) {
      const h = r.http[key];
      if (key.endsWith('document')) checks[`${r.database}.${key}`] = h.p95 < target.p95Ms && h.non2xx === 0 && h.errors === 0;
      console.log(`    ${key.padEnd(14)} saturating: p50/p95/p99 ${h.p50}/${h.p95}/${h.p99} ms at ${h.rps} req/s (${h.non2xx} non-2xx, ${h.errors} errors)`);
      if (h.cpu) console.log(`    ${''.padEnd(14)} ${describeCpu(h.cpu)}`);
      const p = r.paced?.[key];
      if (p) {
        if (key.endsWith('document')) checks[`${r.database}.${key}@${paceRps}rps`] = p.ttfb.p95 < target.p95Ms && p.non2xx === 0 && p.errors === 0;
        console.log(`    ${''.padEnd(14)} paced ${paceRps} req/s: TTFB p50/p95/p99 ${p.ttfb.p50}/${p.ttfb.p95}/${p.ttfb.p99} ms (${p.non2xx} non-2xx, ${p.errors} errors)`);
      }
    }
  }
  if (Math.max(loadBefore, loadAfter) > 1.5) {
    notes.push(
      `machine busy (1-min load average ${loadBefore.toFixed(1)} before, ${loadAfter.toFixed(1)} after, on ${os.cpus().length} cores): latencies are inflated`,
    );
  }
  for (const note of notes) console.log(`  note: ${note}`);
  console.log(
    `  target p95 < ${target.p95Ms} ms: ${Object.entries(checks)
      .map(([k, v]) => `${k} ${v ? 'met' : 'MISSED'}`)
      .join(', ')}`,
  );
  console.log(
    `RESULT ${JSON.stringify({ benchmark: 'audit-page', events: eventCount, deep, connections, durationS, paceRps, target, checks, loadAverage: [loadBefore, loadAfter], results, notes })}`,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
