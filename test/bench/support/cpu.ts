import fs from 'node:fs';
import os from 'node:os';
import { cpuTimeOf } from '../../support/e2e/leitstand';

/**
 * Where the machine's CPU went during a load run, per response: the server under test, the
 * load generator (autocannon runs in the benchmark's own process), PostgreSQL's processes,
 * and everything else. With the three that every response needs, the machine's ceiling
 * follows: cores ÷ their CPU per response = responses/s at best, and by Little's law a
 * closed loop of n connections then waits at least n ÷ that rate per response.
 * Linux /proc only; clock ticks of 10 ms.
 */

export interface CpuSnapshot {
  server: number;
  loadGenerator: number;
  database: number;
  machineBusy: number;
}

export interface CpuSplit {
  /** CPU ms per response. */
  server: number;
  loadGenerator: number;
  database: number;
  /** Busy CPU of everything else on the machine (other processes), per response. */
  other: number;
  /** cores × 1000 ÷ (server + load generator + database): responses/s this machine can give at most. */
  ceilingPerSecond: number;
  /** connections ÷ ceiling: the least mean latency a closed loop of `connections` can see, ms. */
  latencyFloorMs: number;
}

const tick = 10;

function postgresCpuMs(): number {
  let total = 0;
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')) !== 'postgres') continue;
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // utime, stime, and the CPU of exited children (cutime, cstime): backends come and go.
      total += (Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])) * tick;
    } catch {
      // the process ended between readdir and read
    }
  }
  return total;
}

function machineBusyMs(): number {
  const [line] = fs.readFileSync('/proc/stat', 'utf8').split('\n');
  const values = line!.trim().split(/\s+/).slice(1).map(Number);
  const idle = (values[3] ?? 0) + (values[4] ?? 0);
  return (values.slice(0, 8).reduce((a, b) => a + b, 0) - idle) * tick;
}

export function cpuSnapshot(serverPid: number): CpuSnapshot {
  const self = process.cpuUsage();
  return {
    server: cpuTimeOf(serverPid),
    loadGenerator: (self.user + self.system) / 1000,
    database: postgresCpuMs(),
    machineBusy: machineBusyMs(),
  };
}

export function cpuSplit(before: CpuSnapshot, after: CpuSnapshot, responses: number, connections: number): CpuSplit {
  const per = (v: number) => Number((v / Math.max(1, responses)).toFixed(2));
  const server = per(after.server - before.server);
  const loadGenerator = per(after.loadGenerator - before.loadGenerator);
  const database = per(after.database - before.database);
  const other = Math.max(0, per(after.machineBusy - before.machineBusy) - server - loadGenerator - database);
  const needed = server + loadGenerator + database;
  const ceilingPerSecond = needed > 0 ? Math.round((os.cpus().length * 1000) / needed) : 0;
  return {
    server,
    loadGenerator,
    database,
    other: Number(other.toFixed(2)),
    ceilingPerSecond,
    latencyFloorMs: ceilingPerSecond ? Number(((connections / ceilingPerSecond) * 1000).toFixed(1)) : 0,
  };
}

/** One line: who used how much CPU per response, and the ceiling that leaves. */
export function describeCpu(c: CpuSplit): string {
  return (
    `CPU per response: server ${c.server} ms, load generator ${c.loadGenerator} ms, PostgreSQL ${c.database} ms, other processes ${c.other} ms` +
    ` → at most ${c.ceilingPerSecond} responses/s on ${os.cpus().length} cores, a closed loop waits ≥ ${c.latencyFloorMs} ms`
  );
}
