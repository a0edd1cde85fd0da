import crypto from 'node:crypto';
import { createElement } from 'react';
import { renderToString } from 'react-dom/server';
import { StaticRouterProvider, createStaticHandler, createStaticRouter } from 'react-router-dom/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as callbackRoute from '~/routes/api.v1.privacy.webhook-callback';
import * as detailRoute from '~/routes/privacy.requests.$id';
import * as evidenceJsonRoute from '~/routes/privacy.requests.$id_.evidence[.]json';
import * as newRoute from '~/routes/privacy.requests.new';
import * as listRoute from '~/routes/privacy.requests._index';
import * as recordsRoute from '~/routes/privacy.records[.]csv';
import { eq } from 'drizzle-orm';
import { LocaleContext, translate, translateServerMessage } from '~/i18n/use-t';
import { jobs } from '../../../db/schema/jobs';
import { erasureRequests } from '../../../db/schema/privacy';
import { setPrivacyKeys, signBody } from '../../../server/privacy';
import { createTestSession, createTestUser } from '../../support/auth';
import { createTestDatabase, type TestDatabase } from '../../support/database';

/* The privacy routes called the way Remix calls them, with real sessions of two DPOs. */

let database: TestDatabase;
let first: { cookie: string; csrfToken: string };
let second: { cookie: string; csrfToken: string };
let auditor: { cookie: string; csrfToken: string };
setPrivacyKeys(crypto.randomBytes(32));

beforeAll(async () => {
  database = await createTestDatabase();
  first = await createTestSession(await createTestUser({ roles: ['dpo'] }));
  second = await createTestSession(await createTestUser({ roles: ['dpo'] }));
  auditor = await createTestSession(await createTestUser({ roles: ['auditor'] }));
});
afterAll(() => database.close());

const get = (path: string, s = first) => new Request(`http://localhost${path}`, { headers: { cookie: s.cookie } });
const post = (path: string, fields: Record<string, string>, s = first) =>
  new Request(`http://localhost${path}`, {
    method: 'POST',
    headers: { cookie: s.cookie, origin: 'http://localhost', 'sec-fetch-site': 'same-origin' },
    body: new URLSearchParams({ csrf: s.csrfToken, ...fields }),
  });
const args = (request: Request, params: Record<string, string> = {}) => ({ request, params, context: {} });

async function caught(promise: Promise<unknown>): Promise<Response> {
  try {
    const value = await promise;
    return value as Response;
  } catch (error) {
    if (error instanceof Response) return error;
    throw error;
  }
}

/** The request page as the server renders it for `locale`, with the loader's real data. */
async function renderDetail(id: string, locale: 'en' | 'de' = 'en'): Promise<string> {
  const data = (await ((await detailRoute.loader(args(get(`/privacy/requests/${id}`), { id }))) as Response).json()) as Record<string, unknown>;
  const handler = createStaticHandler([{ id: 'detail', path: '/privacy/requests/:id', loader: () => data, element: createElement(detailRoute.default) }]);
  const context = await handler.query(get(`/privacy/requests/${id}`));
  if (context instanceof Response) throw new Error('unexpected redirect');
  const router = createStaticRouter(handler.dataRoutes, context);
  return renderToString(createElement(LocaleContext.Provider, { value: locale }, createElement(StaticRouterProvider, { router, context, hydrate: false })));
}

describe('the erasure request pages', () => {
  let id: string;

  it('take a request in and redirect to it; bad input comes back per field', async () => {
    const bad = await caught(newRoute.action(args(post('/privacy/requests/new', { kind1: 'email', value1: 'not-an-address', requesterName: '', channel: 'email', receivedOn: '2024-02-30' }))));
    expect(bad.status).toBe(400);
    const body = (await bad.json()) as { fieldErrors: Record<string, string[]> };
    expect(Object.keys(body.fieldErrors).sort()).toEqual(['identifiers.0.value', 'receivedOn', 'requesterContact', 'requesterName']);
    // Keys, not English: the page shows them in the reader's language.
    expect(body.fieldErrors).toMatchObject({ 'identifiers.0.value': ['privacy.error.emailInvalid'], receivedOn: ['privacy.error.dateFormat'], requesterName: ['privacy.error.requesterNameRequired'] });
    expect(translateServerMessage('de', body.fieldErrors.receivedOn![0]!)).toBe('Geben Sie ein Datum als JJJJ-MM-TT ein.');
    expect(translateServerMessage('en', body.fieldErrors.receivedOn![0]!)).toBe('Enter a date as YYYY-MM-DD.');

    const ok = await caught(newRoute.action(args(post('/privacy/requests/new', { kind1: 'email', value1: 'anna@example.org', kind2: 'user_id', value2: '', requesterName: 'Anna', requesterContact: 'anna@example.org', channel: 'email', receivedOn: '2024-01-31' }))));
    expect(ok.status).toBe(302);
    id = ok.headers.get('location')!.split('/').pop()!;
  });

  it('list it with its deadline, and show it without the identifiers', async () => {
    const list = (await listRoute.loader(args(get('/privacy/requests?sort=dueOn')))) as Response;
    const data = (await list.json()) as { rows: { id: string; dueOn: string }[] };
    expect(data.rows).toEqual([expect.objectContaining({ id, dueOn: '2024-02-29' })]);
    const detail = (await detailRoute.loader(args(get(`/privacy/requests/${id}`), { id }))) as Response;
    const text = await detail.text();
    expect(text).not.toContain('anna@example.org');
    expect(JSON.parse(text)).toMatchObject({ request: { state: 'received' }, can: { write: true, approve: true } });
  });

  it('label the extension and rejection forms apart, and warn that an overdue request needs a notice given in time', async () => {
    // Received 2024-01-31: its deadline passed long ago. An extension told to the requester in
    // time may still be recorded late; the server refuses a notice date after the deadline.
    const overdue = await renderDetail(id, 'de');
    expect(overdue).toContain('name="noticeOn"');
    expect(overdue).toContain(translate('de', 'privacy.action.extendOverdue', { due: '2024-03-01' }).split('2024-03-01')[0]!);
    expect(overdue).toContain(translate('de', 'privacy.action.rejectTitle'));

    const fresh = await caught(newRoute.action(args(post('/privacy/requests/new', { kind1: 'user_id', value1: 'u-42', requesterName: 'Ben', requesterContact: 'post', channel: 'letter', receivedOn: new Date().toISOString().slice(0, 10) }))));
    const freshId = fresh.headers.get('location')!.split('/').pop()!;
    const html = await renderDetail(freshId, 'de');
    expect(html).toContain('name="noticeOn"');
    expect(html).not.toContain(translate('de', 'privacy.action.extendOverdue', { due: '' }).slice(0, 30));
    const labels = [...html.matchAll(/<label for="(extend|reject)-reason">([^<]*)<\/label>/g)].map((m) => [m[1], m[2]]);
    expect(labels).toEqual([
      ['extend', translate('de', 'privacy.action.extendReason')],
      ['reject', translate('de', 'privacy.action.rejectReason')],
    ]);
    expect(labels[0]![1]).not.toBe(labels[1]![1]);
    expect(html).toMatch(/<form[^>]*aria-labelledby="extend-title"/);
    expect(html).toMatch(/<form[^>]*aria-labelledby="reject-title"/);
  });

  it('move it through verification, discovery and approval by a second person', async () => {
    const act = (intent: Record<string, string>, s = first) => caught(detailRoute.action(args(post(`/privacy/requests/${id}`, intent, s), { id })));
    const short = await act({ intent: 'verify', method: 'x' });
    expect(short.status).toBe(400);
    expect((await (await act({ intent: 'verify', method: 'reply from the address' })).json()) as object).toMatchObject({ ok: true });
    expect((await act({ intent: 'discover' })).status).toBe(200);
    expect((await act({ intent: 'submit' })).status).toBe(200);
    expect((await act({ intent: 'approve' })).status).toBe(403);
    expect((await act({ intent: 'approve' }, auditor)).status).toBe(403);
    expect((await act({ intent: 'approve' }, second)).status).toBe(200);
    const conflict = await act({ intent: 'approve' }, second);
    expect(conflict.status).toBe(409);
  });

  it('offer retry once the erasure job has ended failed, and retry it from the page', async () => {
    const load = async () => (await ((await detailRoute.loader(args(get(`/privacy/requests/${id}`), { id }))) as Response).json()) as { request: { state: string; jobId: string | null }; retryable: boolean; stalled: boolean };
    const before = await load();
    expect(before).toMatchObject({ request: { state: 'executing' }, retryable: false, stalled: false });
    const noRetry = await caught(detailRoute.action(args(post(`/privacy/requests/${id}`, { intent: 'retry' }), { id })));
    expect(noRetry.status).toBe(409);
    // No worker runs in this file: the job ends failed as the reaper leaves it after the last lost lease.
    const [row] = await database.db.select({ jobId: erasureRequests.jobId }).from(erasureRequests).where(eq(erasureRequests.id, id));
    await database.db.update(jobs).set({ state: 'failed', attempts: 3, lastError: 'Worker w stopped renewing its lease during attempt 3 (crashed or hung).', finishedAt: new Date() }).where(eq(jobs.id, row!.jobId!));
    expect(await load()).toMatchObject({ request: { state: 'executing' }, retryable: true, stalled: true });
    const retried = await caught(detailRoute.action(args(post(`/privacy/requests/${id}`, { intent: 'retry' }), { id })));
    expect(retried.status).toBe(200);
    expect(await load()).toMatchObject({ request: { state: 'executing' }, retryable: false, stalled: false });
    const [job] = await database.db.select().from(jobs).where(eq(jobs.id, row!.jobId!));
    expect(job).toMatchObject({ state: 'queued', attempts: 0 });
  });

  it('serve no evidence before completion, and the records of processing as CSV', async () => {
    const evidence = await caught(evidenceJsonRoute.loader(args(get(`/privacy/requests/${id}/evidence.json`), { id })));
    expect(evidence.status).toBe(404);
    const csv = (await recordsRoute.loader(args(get('/privacy/records.csv')))) as Response;
    expect(csv.headers.get('content-type')).toContain('text/csv');
  });
});

describe('POST /api/v1/privacy/webhook-callback', () => {
  it('refuses unknown stores and bodies without the expected fields', async () => {
    const body = JSON.stringify({ requestId: crypto.randomUUID(), storeId: crypto.randomUUID(), status: 'completed', records: 1 });
    const response = await callbackRoute.action(args(new Request('http://localhost/api/v1/privacy/webhook-callback', { method: 'POST', body, headers: { 'x-leitstand-signature': signBody('x'.repeat(40), body) } })));
    expect(response.status).toBe(404);
    const malformed = await callbackRoute.action(args(new Request('http://localhost/api/v1/privacy/webhook-callback', { method: 'POST', body: '{"a":1}' })));
    expect(malformed.status).toBe(400);
  });
});
