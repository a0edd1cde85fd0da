import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/**
 * Shared helpers for benchmarks that run the real server: start Leitstand as a child process
 * on a fresh data directory or a fresh PostgreSQL database, wait for /readyz, sign in, and
 * read the child's memory. The process harness itself is the end-to-end tests' one.
 */
export {
  createFreshDatabase,
  type FreshDatabase,
  initialAdminPassword,
  type LeitstandProcess,
  rssOf,
  startLeitstand,
  type StartOptions,
  type StopResult,
} from '../../support/e2e/leitstand';
export { signInOverHttp, type HttpSession } from '../../support/e2e/http-session';

/** The PostgreSQL server benchmarks use: BENCH_DATABASE_URL, TEST_DATABASE_URL, or the local one. */
export function benchServerUrl(): string {
  return process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
}

/** True when something accepts TCP connections at the URL's host and port (within 1 s). */
export async function reachable(url: string): Promise<boolean> {
  const u = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect({ host: u.hostname, port: Number(u.port || 5432) });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** Peak resident memory (VmHWM) of a process in bytes. */
export function peakRssOf(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /^VmHWM:\s+(\d+)\s+kB$/m.exec(status);
  if (!match) throw new Error(`no VmHWM in /proc/${pid}/status`);
  return Number(match[1]) * 1024;
}

/** A temporary directory for a benchmark's data; remove it with fs.rmSync when done. */
export function tempDir(prefix = 'leitstand-bench-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
