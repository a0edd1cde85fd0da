import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LeaderElector } from '../../../server/kube/leader';
import { startTestCluster, waitFor } from './support';

let cluster: Awaited<ReturnType<typeof startTestCluster>>;
beforeAll(async () => {
  cluster = await startTestCluster();
});
afterAll(async () => {
  await cluster?.close();
});

function elector(name: string, identity: string, log: string[], timing: Partial<ConstructorParameters<typeof LeaderElector>[0]> = {}) {
  // Each candidate has its own client (own connection and rate limiter), as two replicas would.
  const client = cluster.client({ timeoutMs: 1_000 });
  const e = new LeaderElector({
    client,
    namespace: 'default',
    name,
    identity,
    onStartedLeading: () => void log.push(`${identity} started`),
    onStoppedLeading: () => void log.push(`${identity} stopped`),
    ...timing,
  });
  return { e, client };
}

describe('LeaderElector', () => {
  it('elects exactly one of two candidates, and the other takes over within 15 s after the leader dies', async () => {
    const log: string[] = [];
    const a = elector('takeover', 'replica-a', log);
    a.e.start();
    await waitFor('a leads', () => a.e.isLeader);
    const b = elector('takeover', 'replica-b', log);
    b.e.start();
    await new Promise((r) => setTimeout(r, 2_500));
    expect([a.e.isLeader, b.e.isLeader]).toEqual([true, false]);
    expect(b.e.record?.holderIdentity).toBe('replica-a');

    // The leader dies: no release, no more renewals, its connection gone. It is killed between
    // renewals (at least 0.5 s after one): the lease then ends at most 14.5 s later. Dying at the
    // very instant of a renewal would give the successor exactly the 15 s lease duration.
    await waitFor('a moment between renewals', () => {
      const since = Date.now() - (a.e.record?.renewTime?.getTime() ?? 0);
      return since >= 500 && since < 4_000;
    }, 10_000, 10);
    const lastRenewal = a.e.record!.renewTime!.getTime();
    await a.e.stop({ release: false });
    a.client.close();
    const died = Date.now();
    await waitFor('b takes over', () => b.e.isLeader, 16_000, 20);
    const takeover = Date.now() - died;
    console.info(`leader takeover after ${takeover} ms`);
    expect(takeover).toBeLessThan(15_000);
    // The successor acts when the lease runs out, not a poll period later.
    expect(Date.now() - lastRenewal).toBeLessThan(15_000 + 300);
    // It cannot be faster than the lease lets it: the old record must go stale first.
    expect(takeover).toBeGreaterThan(4_000);
    expect(b.e.record).toMatchObject({ holderIdentity: 'replica-b', leaseTransitions: 1 });
    await b.e.stop();
    await b.e.settled();
    expect(log).toEqual(['replica-a started', 'replica-a stopped', 'replica-b started', 'replica-b stopped']);
  }, 30_000);

  const fast = { leaseDurationMs: 1_500, renewIntervalMs: 300, retryIntervalMs: 100 };

  it('hands over at once when the leader releases the lease on shutdown', async () => {
    const log: string[] = [];
    const a = elector('release', 'a', log, fast);
    const b = elector('release', 'b', log, fast);
    a.e.start();
    await waitFor('a leads', () => a.e.isLeader);
    b.e.start();
    await new Promise((r) => setTimeout(r, 300));
    await a.e.stop({ release: true });
    const released = Date.now();
    await waitFor('b leads', () => b.e.isLeader, 5_000, 10);
    expect(Date.now() - released).toBeLessThan(1_000);
    await b.e.stop();
  });

  it('stops leading (and its controllers) when another holder took the lease', async () => {
    const log: string[] = [];
    const a = elector('stolen', 'a', log, fast);
    a.e.start();
    await waitFor('a leads', () => a.e.isLeader);
    const api = cluster.client();
    const lease = await api.coordination.readNamespacedLease({ name: 'stolen', namespace: 'default' });
    await api.coordination.replaceNamespacedLease({
      name: 'stolen',
      namespace: 'default',
      body: { ...lease, spec: { ...lease.spec, holderIdentity: 'intruder' } },
    });
    await waitFor('a steps down', () => !a.e.isLeader, 5_000);
    await a.e.settled();
    expect(log).toEqual(['a started', 'a stopped']);
    await a.e.stop();
  });

  it('steps down when it cannot renew before the deadline (API unreachable)', async () => {
    const log: string[] = [];
    const a = elector('partition', 'a', log, fast);
    a.e.start();
    await waitFor('a leads', () => a.e.isLeader);
    cluster.sim.faults.failRate(1, ['error500']);
    try {
      await waitFor('a steps down', () => !a.e.isLeader, 5_000);
    } finally {
      cluster.sim.faults.clear();
    }
    await a.e.stop();
    await a.e.settled();
    expect(log).toEqual(['a started', 'a stopped']);
  });
});
