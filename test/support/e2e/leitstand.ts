import { type ChildProcess, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';

/**
 * Starts the real, built Leitstand as a child process — the way an operator runs it — for
 * end-to-end tests and benchmarks. Works outside vitest (benchmarks import it too).
 */

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
// The production artifact that `npm run build` writes (npm test builds first).
const serverEntry = path.join(repoRoot, 'build/server.js');
const serverBuild = path.join(repoRoot, 'build/index.js');

/** The admin password the harness configures, so tests can sign in as `admin`. */
export const initialAdminPassword = 'e2e-initial-Admin-pw-1';

export interface StartOptions {
  /**
   * Where the data lives: 'pglite' (a fresh temporary LEITSTAND_DATA_DIR unless `dataDir`
   * is given), 'postgres' (a fresh database on `serverUrl`, unless `databaseUrl` is given),
   * or 'auto': PostgreSQL when TEST_DATABASE_URL is set, else PGlite.
   */
  database?: 'pglite' | 'postgres' | 'auto';
  /** Use this data directory (PGlite) instead of a fresh one; it is kept on stop. */
  dataDir?: string;
  /** Use this database (PostgreSQL) instead of creating one; it is kept on stop. */
  databaseUrl?: string;
  /** The PostgreSQL server to create the fresh database on (default: TEST_DATABASE_URL). */
  serverUrl?: string;
  adminPassword?: string;
  logLevel?: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** More environment for the child (on top of the harness's clean one). */
  env?: Record<string, string>;
  readyTimeoutMs?: number;
  /** Extra node flags for the child, e.g. `--cpu-prof` (not allowed in NODE_OPTIONS). */
  nodeArgs?: string[];
}

export interface StopResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** From SIGTERM to exit. */
  ms: number;
}

export interface LeitstandProcess {
  /** http://127.0.0.1:<port> */
  url: string;
  pid: number;
  child: ChildProcess;
  database: 'pglite' | 'postgres';
  dataDir: string;
  databaseUrl: string | undefined;
  /** Milliseconds from spawn to the first 200 from /readyz. */
  readyMs: number;
  /** The child's output so far (JSON log lines), for failure messages. */
  output(): string;
  /** Resident memory of the child in bytes (Linux /proc/<pid>/status VmRSS). */
  rssBytes(): number;
  /** CPU time (user + system, all threads) the child has used so far, in ms. */
  cpuMs(): number;
  /**
   * SIGTERM, then waits for the exit (SIGKILL after `timeoutMs`), then removes what the
   * harness created (temporary data directory, fresh database). Idempotent.
   */
  stop(options?: { timeoutMs?: number }): Promise<StopResult>;
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface FreshDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

/** An empty database on a PostgreSQL server (migrations are Leitstand's own job at start). */
export async function createFreshDatabase(serverUrl: string, prefix = 'leitstand_e2e'): Promise<FreshDatabase> {
  const name = `${prefix}_${crypto.randomBytes(5).toString('hex')}`;
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const u = new URL(serverUrl);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    name,
    drop: async () => {
      const dropper = postgres(serverUrl, { max: 1, onnotice: () => {} });
      try {
        await dropper.unsafe(`drop database if exists ${name} with (force)`);
      } finally {
        await dropper.end();
      }
    },
  };
}

/** Throws a message a person can act on when the server build is missing. */
export function assertBuilt(): void {
  if (!fs.existsSync(serverBuild)) {
    throw new Error(`The Remix build is missing (${path.relative(repoRoot, serverBuild)}). Run \`npm run build\` first (\`npm test\` does).`);
  }
}

/**
 * The child's environment, built from nothing: no inherited DATABASE_URL, KUBECONFIG or
 * in-cluster variables, and a HOME without ~/.kube, so Leitstand always starts its simulated
 * cluster and never touches a developer's real one.
 */
function childEnv(extra: Record<string, string>, home: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    HOME: home,
    TMPDIR: os.tmpdir(),
    LANG: 'C.UTF-8',
    NODE_ENV: 'production',
  };
  return { ...env, ...extra };
}

/** Spawns Leitstand, waits for /readyz, and returns a handle; on failure the child's log is in the error. */
export async function startLeitstand(options: StartOptions = {}): Promise<LeitstandProcess> {
  assertBuilt();
  const wanted = options.database ?? 'auto';
  const serverUrl = options.serverUrl ?? process.env.TEST_DATABASE_URL;
  const kind: 'pglite' | 'postgres' =
    wanted === 'auto' ? (options.databaseUrl || serverUrl ? 'postgres' : 'pglite') : wanted;

  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'leitstand-run-'));
  const dataDir = options.dataDir ?? path.join(scratch, 'data');
  let fresh: FreshDatabase | undefined;
  let databaseUrl: string | undefined;
  if (kind === 'postgres') {
    if (options.databaseUrl) databaseUrl = options.databaseUrl;
    else {
      if (!serverUrl) throw new Error('A PostgreSQL run needs serverUrl or TEST_DATABASE_URL.');
      fresh = await createFreshDatabase(serverUrl);
      databaseUrl = fresh.url;
    }
  }
  // Removes only what this call created: a given dataDir or databaseUrl is the caller's.
  const cleanup = async () => {
    fs.rmSync(scratch, { recursive: true, force: true });
    await fresh?.drop();
  };

  const port = await freePort();
  const home = path.join(scratch, 'home');
  fs.mkdirSync(home, { recursive: true });
  const env = childEnv(
    {
      PORT: String(port),
      HOST: '127.0.0.1',
      LEITSTAND_DATA_DIR: dataDir,
      LEITSTAND_ADMIN_PASSWORD: options.adminPassword ?? initialAdminPassword,
      LEITSTAND_LOG_LEVEL: options.logLevel ?? 'info',
      LEITSTAND_SHUTDOWN_TIMEOUT_SECONDS: '5',
      ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
      ...options.env,
    },
    home,
  );

  const started = performance.now();
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), serverEntry], {
    cwd: repoRoot,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const chunks: string[] = [];
  let size = 0;
  const keep = (data: Buffer) => {
    chunks.push(data.toString('utf8'));
    size += data.length;
    // Keep the last ~256 KiB: enough to explain a failure, bounded for long runs.
    while (size > 256 * 1024 && chunks.length > 1) size -= chunks.shift()!.length;
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  const output = () => chunks.join('');
  const url = `http://127.0.0.1:${port}`;

  let readyMs: number;
  try {
    readyMs = await waitForReady(url, exited, options.readyTimeoutMs ?? 60_000, started);
  } catch (error) {
    child.kill('SIGKILL');
    await exited;
    await cleanup();
    throw new Error(`${(error as Error).message}\n--- Leitstand output ---\n${tail(output(), 60)}`);
  }

  let stopped: Promise<StopResult> | undefined;
  return {
    url,
    pid: child.pid!,
    child,
    database: kind,
    dataDir,
    databaseUrl,
    readyMs,
    output,
    rssBytes: () => rssOf(child.pid!),
    cpuMs: () => cpuTimeOf(child.pid!),
    stop: (stopOptions = {}) =>
      (stopped ??= (async () => {
        const t0 = performance.now();
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
        const timeoutMs = stopOptions.timeoutMs ?? 10_000;
        let timer: NodeJS.Timeout | undefined;
        const result = await Promise.race([
          exited,
          new Promise<'timeout'>((resolve) => {
            timer = setTimeout(() => resolve('timeout'), timeoutMs);
          }),
        ]);
        clearTimeout(timer);
        if (result === 'timeout') {
          child.kill('SIGKILL');
          const killed = await exited;
          await cleanup();
          return { ...killed, ms: performance.now() - t0 };
        }
        await cleanup();
        return { ...result, ms: performance.now() - t0 };
      })()),
  };
}

async function waitForReady(
  url: string,
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>,
  timeoutMs: number,
  started: number,
): Promise<number> {
  let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  void exited.then((e) => {
    exit = e;
  });
  let last = 'no answer yet';
  while (performance.now() - started < timeoutMs) {
    if (exit) throw new Error(`Leitstand exited before it was ready (code ${exit.code}, signal ${exit.signal}).`);
    try {
      const res = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2_000) });
      if (res.status === 200) return performance.now() - started;
      last = `${res.status} ${await res.text()}`;
    } catch (error) {
      last = String((error as Error).cause ?? error);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`Leitstand was not ready within ${timeoutMs} ms at ${url}/readyz (last: ${last}).`);
}

/** VmRSS of a process in bytes. */
export function rssOf(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
  if (!match) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(match[1]) * 1024;
}

/** CPU time (utime + stime from /proc/<pid>/stat) of a process in ms; assumes 100 clock ticks per second. */
export function cpuTimeOf(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the parenthesised command name; utime and stime are the 14th and 15th overall.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** The last n lines of a text. */
export function tail(text: string, n: number): string {
  return text.trimEnd().split('\n').slice(-n).join('\n');
}
