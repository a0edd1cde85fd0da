import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as listRoute from '~/routes/tenants._index';
import * as tenantRoute from '~/routes/tenants.$slug';
import { getTenant } from '../../../server/tenants';
import { auditEventsOf, createTestSession, createTestUser } from '../../support/auth';
import { createTestDatabase, type TestDatabase } from '../../support/database';
import { english, german } from '../../support/messages';
import { startSimKube, stopKube } from '../../server/tenants/support';

/*
 * Archiving a tenant deletes its namespace, so the page's "Archive tenant" form asks for the
 * tenant's short name typed out (a plain form post: no JavaScript needed). A missing or
 * wrong name is refused next to the field and changes nothing.
 */

let database: TestDatabase;
let operator: { cookie: string; csrfToken: string };

beforeAll(async () => {
  database = await createTestDatabase();
  await startSimKube();
  operator = await createTestSession(await createTestUser({ roles: ['operator'] }));
});
afterAll(async () => {
  await stopKube();
  await database?.close();
});

const args = (request: Request, params: Record<string, string> = {}) => ({ request, params, context: {} });
function post(path: string, fields: Record<string, string>) {
  return new Request(`http://localhost${path}`, {
    method: 'POST',
    headers: { cookie: operator.cookie, origin: 'http://localhost', 'sec-fetch-site': 'same-origin' },
    body: new URLSearchParams({ csrf: operator.csrfToken, ...fields }),
  });
}
type Refused = { ok: false; formError: string; fieldErrors: Record<string, string[]> };

describe('tenant page: archive', () => {
  it('refuses without the slug typed, or with another, next to the field; archives with it', async () => {
    const created = (await listRoute.action(args(post('/tenants', { intent: 'create', slug: 'radiology', name: 'Radiology' })))) as Response;
    expect(created.status).toBe(302);

    for (const fields of [{} as Record<string, string>, { confirmSlug: '' }, { confirmSlug: 'radiolog' }, { confirmSlug: 'Radiology' }]) {
      const refused = (await tenantRoute.action(args(post('/tenants/radiology', { intent: 'archive', ...fields }), { slug: 'radiology' }))) as Response;
      expect(refused.status, JSON.stringify(fields)).toBe(400);
      const body = (await refused.json()) as Refused;
      expect(Object.keys(body.fieldErrors)).toEqual(['confirmSlug']);
      expect(english(body.fieldErrors.confirmSlug![0]!)).toBe('To archive, type the tenant’s short name exactly: radiology.');
      expect(german(body.fieldErrors.confirmSlug![0]!)).toBe('Geben Sie zum Archivieren den Kurznamen des Mandanten genau ein: radiology.');
    }
    expect((await getTenant('radiology')).tenant.status).toBe('active');
    expect((await auditEventsOf({ targetId: 'radiology' })).map((e) => e.action)).not.toContain('tenant.archive');

    const archived = (await tenantRoute.action(args(post('/tenants/radiology', { intent: 'archive', confirmSlug: ' radiology ' }), { slug: 'radiology' }))) as Response;
    expect(archived.status).toBe(200);
    expect(await archived.json()).toEqual({ ok: true, intent: 'archive' });
    expect((await auditEventsOf({ targetId: 'radiology' })).map((e) => e.action)).toContain('tenant.archive');
  });
});
