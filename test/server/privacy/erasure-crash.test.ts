import crypto from 'node:crypto';
import type { ChildProcess } from 'node:child_process';
import { and, eq, like } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { jobSteps } from '../../../db/schema/jobs';
import { getJob, startWorkers, stopWorkers } from '../../../server/jobs';
import {
  approveRequest,
  createRequest,
  type ErasureEvidence,
  getRequest,
  recordVerification,
  runDiscovery,
  setPrivacyKeys,
  type SignedDocument,
  submitForApproval,
  verifyEvidence,
} from '../../../server/privacy';
import { subjectIdentifiers, subjectRows } from '../../fixtures/privacy/chat-store';
import { approver, dpo, setUpStores, type Stores } from '../../fixtures/privacy/harness';
import { startScript } from '../../fixtures/privacy/processes';
import { createTestDatabase, type TestDatabase } from '../../support/database';
import { waitFor } from '../jobs/helpers';

// PGlite lives inside one process: a second process cannot open it, so the kill -9 test
// needs the PostgreSQL server (TEST_DATABASE_URL). On PGlite it is skipped for that reason.
const onServer = inject('testDatabase').kind === 'postgres';

const secret = crypto.randomBytes(32);
const keys = setPrivacyKeys(secret);
let database: TestDatabase;
let stores: Stores;
let worker: { child: ChildProcess } | undefined;

beforeAll(async () => {
  if (!onServer) return;
  database = await createTestDatabase();
  // The processor answers the erase at once but calls back only after 3 s: the job waits there.
  stores = await setUpStores({ users: 5000, processorEnv: { PROCESSOR_CALLBACK_DELAY_MS: '3000' } });
}, 120_000);

afterAll(async () => {
  if (worker?.child.exitCode === null && worker.child.signalCode === null) worker.child.kill('SIGKILL');
  await stopWorkers({ timeoutMs: 1000 });
  await stores?.close();
  await database?.close();
});

describe('an erasure worker killed with SIGKILL during execution', () => {
  it.runIf(onServer)('resumes in another process after the lease, completes, and its evidence is correct', async () => {
    worker = await startScript('test/fixtures/privacy/erasure-worker.ts', {}, [database.url!, secret.toString('base64')]);

    const request = await createRequest(
      { identifiers: subjectIdentifiers, requesterName: 'Anna', requesterContact: 'post', channel: 'letter', receivedOn: '2024-03-01' },
      dpo,
    );
    await recordVerification(request.id, { method: 'copy of ID checked in person' }, dpo);
    await runDiscovery(request.id, dpo);
    await submitForApproval(request.id, dpo);
    const approved = await approveRequest(request.id, approver);

    // Kill once the PostgreSQL and Redis steps are recorded and the processor was asked.
    await waitFor('the webhook erase to be sent', async () => (await stores.processorState()).eraseCalls >= 1, 20_000);
    const exited = new Promise((r) => worker!.child.once('exit', r));
    worker.child.kill('SIGKILL');
    await exited;
    const orphan = await getJob(approved.jobId!);
    expect(orphan).toMatchObject({ state: 'running', leaseOwner: 'doomed-process', attempts: 1 });

    await startWorkers({ workerId: 'rescuer', pollIntervalMs: 20, leaseMs: 1500, progressIntervalMs: 0 });
    const done = await waitFor('completion', async () => {
      const d = await getRequest(request.id);
      return d.request.state === 'completed' ? d : null;
    }, 30_000);
    const job = await getJob(approved.jobId!);
    expect(job?.attempts).toBe(2);

    // Erase steps of the killed process were recorded once and not repeated.
    const erases = await database.db.select().from(jobSteps).where(and(eq(jobSteps.jobId, approved.jobId!), like(jobSteps.key, 'erase:%')));
    expect(erases.filter((s) => s.key.includes(':messages')).map((s) => s.attempts)).toEqual([1]);

    const signed = done.request.evidence as SignedDocument<ErasureEvidence>;
    expect(verifyEvidence(signed, keys.evidencePublicKey)).toMatchObject({ ok: true });
    const perStore = Object.fromEntries(signed.document.stores.map((s) => [s.name, Object.fromEntries(s.targets.map((t) => [t.target, t.records]))]));
    expect(perStore['a-chat-postgres']).toEqual(subjectRows());
    expect(perStore['b-cache-redis']).toEqual({ [`keys:${stores.redisPrefix}chat:{subject}:*`]: 12, [`hash:${stores.redisPrefix}profiles#{subject}`]: 1 });
    expect(perStore['c-support-webhook']).toEqual({ processor: 7 });
    expect(signed.document.totalRecords).toBe(59 + 13 + 7);
    const [left] = await stores.chat.sql`select count(*)::int as n from messages`;
    expect(left!.n).toBe(5000 * 50 - 50);
    // The resumed step asked the processor again (its callback had not arrived): the same
    // request id, so it reported what the first erase did instead of 0.
    expect((await stores.processorState()).eraseCalls).toBeGreaterThanOrEqual(1);
  }, 90_000);
});
