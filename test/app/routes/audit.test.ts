import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as exportRoute from '~/routes/audit.export';
import * as listRoute from '~/routes/audit';
import * as verifyRoute from '~/routes/audit.verify';
import * as detailRoute from '~/routes/audit_.$id';
import { verifyAuditChain } from '../../../server/audit';
import { createTestSession, createTestUser } from '../../support/auth';
import { seedAuditEvents } from '../../support/audit-seed';
import { createTestDatabase, type TestDatabase } from '../../support/database';

/*
 * The audit routes called the way Remix calls them, with a real session: what the page,
 * the export and the verify stream answer for real requests.
 */

let database: TestDatabase;
let session: { cookie: string; csrfToken: string };
const N = 180;
beforeAll(async () => {
  database = await createTestDatabase();
  await seedAuditEvents(database.db, N);
  session = await createTestSession(await createTestUser({ roles: ['auditor'] }));
});
afterAll(() => database.close());

function get(path: string) {
  return new Request(`http://localhost${path}`, { headers: { cookie: session.cookie } });
}

function post(path: string, fields: Record<string, string>) {
  return new Request(`http://localhost${path}`, {
    method: 'POST',
    headers: { cookie: session.cookie, origin: 'http://localhost', 'sec-fetch-site': 'same-origin' },
    body: new URLSearchParams({ csrf: session.csrfToken, ...fields }),
  });
}

const args = (request: Request, params: Record<string, string> = {}) => ({ request, params, context: {} });

async function list(path: string) {
  const response = (await listRoute.loader(args(get(path)))) as Response;
  return { status: response.status, data: (await response.json()) as { events: { id: number; action: string }[]; older: number | null; newer: number | null; fieldErrors: Record<string, string[]> | null } };
}

describe('GET /audit', () => {
  it('pages with before/after cursors in the URL, newest first', async () => {
    const first = await list('/audit');
    expect(first.data.events.map((e) => e.id).slice(0, 3)).toEqual([N, N - 1, N - 2]);
    expect(first.data.events).toHaveLength(50);
    expect(first.data.newer).toBeNull();
    const second = await list(`/audit?before=${first.data.older}`);
    expect(second.data.events[0]!.id).toBe(N - 50);
    const back = await list(`/audit?after=${second.data.newer}`);
    expect(back.data.events.map((e) => e.id)).toEqual(first.data.events.map((e) => e.id));
  });

  it('sorts oldest first with sort=time and filters by the short param names', async () => {
    const { data } = await list('/audit?sort=time&action=token.&type=model');
    expect(data.events[0]!.id).toBeLessThan(data.events[1]!.id);
    expect(data.events.every((e) => e.action.startsWith('token.'))).toBe(true);
  });

  it('answers 400 with field errors keyed by the URL param, and no events, for a bad filter', async () => {
    const { status, data } = await list('/audit?from=31.02.2025&type=user');
    expect(status).toBe(400);
    expect(data.fieldErrors).toEqual({ from: ['audit.error.time'] });
    expect(data.events).toEqual([]);
  });
});

describe('GET /audit/:id', () => {
  it('shows one event with its diff', async () => {
    const response = (await detailRoute.loader(args(get('/audit/5'), { id: '5' }))) as Response;
    const data = (await response.json()) as { event: { id: number; hash: string }; diff: unknown[] };
    expect(data.event.id).toBe(5);
    expect(data.diff.length).toBeGreaterThan(0);
  });

  it('answers 404 for an unknown or malformed id', async () => {
    for (const id of ['999999', 'abc', '0']) {
      const thrown = await Promise.resolve(detailRoute.loader(args(get(`/audit/${id}`), { id }))).catch((e: unknown) => e);
      expect((thrown as Response).status).toBe(404);
    }
  });
});

describe('GET /audit/export', () => {
  it('streams CSV with a download name, filtered like the page', async () => {
    const response = (await exportRoute.loader(args(get('/audit/export?format=csv&actor=alice')))) as Response;
    expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(response.headers.get('content-disposition')).toMatch(/^attachment; filename="leitstand-audit-.*\.csv"$/);
    const lines = (await response.text()).trimEnd().split('\r\n');
    expect(lines[0]!.startsWith('id,occurred_at,actor_id,actor_name')).toBe(true);
    expect(lines).toHaveLength(1 + N / 5);
  });

  it('refuses an unknown format or bad filters with 400', async () => {
    expect(((await exportRoute.loader(args(get('/audit/export?format=xlsx')))) as Response).status).toBe(400);
    expect(((await exportRoute.loader(args(get('/audit/export?format=csv&to=later')))) as Response).status).toBe(400);
  });
});

describe('POST /audit/verify', () => {
  it('streams progress lines, then the outcome, and records the check', async () => {
    const response = (await verifyRoute.action(args(post('/audit/verify', { intent: 'verify' })))) as Response;
    expect(response.headers.get('content-type')).toBe('application/x-ndjson; charset=utf-8');
    const lines = (await response.text()).trimEnd().split('\n').map((l) => JSON.parse(l) as { type: string; checked?: number; result?: { ok: boolean; eventId: number } });
    expect(lines[0]).toMatchObject({ type: 'progress' });
    const last = lines[lines.length - 1]!;
    expect(last).toMatchObject({ type: 'result', result: { ok: true } });
    const chain = await verifyAuditChain();
    expect(chain.head?.id).toBe(last.result!.eventId);
  });

  it('refuses a form without the CSRF token', async () => {
    const request = new Request('http://localhost/audit/verify', {
      method: 'POST',
      headers: { cookie: session.cookie, origin: 'http://localhost' },
      body: new URLSearchParams({ intent: 'verify' }),
    });
    const thrown = await Promise.resolve(verifyRoute.action(args(request))).catch((e: unknown) => e);
    expect((thrown as Response).status).toBe(403);
  });
});

describe('POST /audit (without JavaScript)', () => {
  it('verifies and returns the outcome for the page', async () => {
    const response = (await listRoute.action(args(post('/audit', { intent: 'verify' })))) as Response;
    const data = (await response.json()) as { verification: { ok: boolean; checked: number } };
    expect(data.verification.ok).toBe(true);
    expect(data.verification.checked).toBeGreaterThan(N);
  });

  it('refuses a user without audit:verify', async () => {
    const manager = await createTestSession(await createTestUser({ roles: ['manager'] }));
    const request = new Request('http://localhost/audit', {
      method: 'POST',
      headers: { cookie: manager.cookie, origin: 'http://localhost' },
      body: new URLSearchParams({ csrf: manager.csrfToken, intent: 'verify' }),
    });
    const thrown = await Promise.resolve(listRoute.action(args(request))).catch((e: unknown) => e);
    expect((thrown as Response).status).toBe(403);
  });
});
