import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as nodeRoute from '~/routes/gpus.$node';
import { DRAIN_JOB_TYPE } from '../../../server/gpu';
import { getJob, listJobs } from '../../../server/jobs';
import { auditEventsOf, createTestSession, createTestUser } from '../../support/auth';
import { type TestDatabase, createTestDatabase } from '../../support/database';
import { english, englishFieldErrors } from '../../support/messages';
import { kubeCreate, startSimKube, stopKube, waitFor } from '../../server/tenants/support';

/*
 * The node page's drain actions called the way Remix calls them (real sessions, the
 * simulated cluster): the acknowledgements travel from the checkboxes, or a JSON body, into
 * the job's payload and the audit event. No workers run: the job itself is tested in
 * test/server/gpu/drain.test.ts.
 */

let database: TestDatabase;
let operator: { cookie: string; csrfToken: string };
let auditor: { cookie: string; csrfToken: string };
const node = 'cpu-02';

beforeAll(async () => {
  database = await createTestDatabase();
  await startSimKube({ instanceId: 'gpu-node-route-test' });
  operator = await createTestSession(await createTestUser({ roles: ['operator'] }));
  auditor = await createTestSession(await createTestUser({ roles: ['auditor'] }));
  await kubeCreate('/api/v1/namespaces', { metadata: { name: 'shop' } });
  const container = { name: 'c', image: 'busybox', resources: { requests: { cpu: '100m', memory: '64Mi' } } };
  await kubeCreate('/api/v1/namespaces/shop/pods', { metadata: { name: 'debug' }, spec: { nodeName: node, containers: [container], volumes: [{ name: 'tmp', emptyDir: {} }] } });
});
afterAll(async () => {
  await stopKube();
  await database?.close();
});

const args = (request: Request) => ({ request, params: { node }, context: {} });
const headers = (session: { cookie: string }) => ({ cookie: session.cookie, origin: 'http://localhost', 'sec-fetch-site': 'same-origin' });
const post = (fields: Record<string, string>, session = operator) =>
  new Request(`http://localhost/gpus/${node}`, { method: 'POST', headers: headers(session), body: new URLSearchParams({ csrf: session.csrfToken, ...fields }) });
const postJson = (body: unknown, session = operator) =>
  new Request(`http://localhost/gpus/${node}`, {
    method: 'POST',
    headers: { ...headers(session), 'content-type': 'application/json', 'x-csrf-token': session.csrfToken },
    body: JSON.stringify(body),
  });
const data = async (response: unknown) => (await (response as Response).json()) as Record<string, unknown>;

describe('gpus.$node drain actions', () => {
  it('previews the acknowledgements a drain needs', async () => {
    const preview = await waitFor('the cache sees the pod', async () => {
      const body = await data(await nodeRoute.action(args(post({ intent: 'drain-preview' }))));
      const p = body.preview as { pods: unknown[]; needs: string[] };
      return p.pods.length === 1 ? p : undefined;
    });
    expect(preview.needs).toEqual(['force', 'deleteEmptyDirData']);
    expect(preview.pods[0]).toMatchObject({ name: 'debug', bare: true, emptyDirVolumes: ['tmp'], needs: ['force', 'deleteEmptyDirData'] });
  });

  it('refuses a reader before anything else', async () => {
    const denied = await nodeRoute.action(args(post({ intent: 'drain', confirm: node, force: 'true' }, auditor))).then(
      () => null,
      (e: unknown) => e,
    );
    expect((denied as Response).status).toBe(403);
    expect((await listJobs({ type: DRAIN_JOB_TYPE })).jobs).toEqual([]);
  });

  it('puts the ticked checkbox into the job and its audit event; a bad value comes back next to its field', async () => {
    const refused = (await nodeRoute.action(args(post({ intent: 'drain', confirm: node, force: 'yes please' })))) as Response;
    expect(refused.status).toBe(400);
    expect(englishFieldErrors((await data(refused)).fieldErrors as Record<string, string[]>)).toEqual({ force: ['Tick the box, or send true or false.'] });

    const started = await data(await nodeRoute.action(args(post({ intent: 'drain', confirm: node, force: 'true' }))));
    expect(started).toMatchObject({ ok: true, intent: 'drain', created: true });
    const jobId = started.jobId as string;
    expect((await getJob(jobId))!.payload).toEqual({ node, force: true, deleteEmptyDirData: false });
    expect((await auditEventsOf({ action: 'gpu.node.drain', targetId: node })).map((e) => e.after)).toEqual([{ job: jobId, force: true, deleteEmptyDirData: false }]);

    // A JSON body acknowledging what the queued drain lacks is refused, not joined.
    const conflict = (await nodeRoute.action(args(postJson({ intent: 'drain', confirm: node, force: true, deleteEmptyDirData: true })))) as Response;
    expect(conflict.status).toBe(409);
    expect(english(String((await data(conflict)).formError))).toBe(`A drain of ${node} is already running without deleteEmptyDirData. Stop it, then start the drain again with that acknowledgement.`);
    const joined = await data(await nodeRoute.action(args(postJson({ intent: 'drain', confirm: node, force: true }))));
    expect(joined).toMatchObject({ jobId, created: false });
    expect((await auditEventsOf({ action: 'gpu.node.drain', targetId: node })).length).toBe(1);
  });
});
