import path from 'node:path';

/** BENCH_PROFILE_DIR=<dir>: the benchmarked server writes a V8 CPU profile there when it exits. */
export function profileArgs(): string[] {
  const dir = process.env.BENCH_PROFILE_DIR;
  return dir ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(dir)}`] : [];
}
