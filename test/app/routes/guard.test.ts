import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as listRoute from '~/routes/guard._index';
import * as playgroundRoute from '~/routes/guard.playground';
import * as versionRoute from '~/routes/guard.$policyId.v.$version';
import * as policyRoute from '~/routes/guard.$policyId._index';
import { createTestSession, createTestUser } from '../../support/auth';
import { createTestDatabase, type TestDatabase } from '../../support/database';

/* The guard pages called the way Remix calls them, with a real operator session. */

let database: TestDatabase;
let session: { cookie: string; csrfToken: string };
beforeAll(async () => {
  database = await createTestDatabase();
  session = await createTestSession(await createTestUser({ roles: ['operator'] }));
});
afterAll(() => database.close());

const args = (request: Request, params: Record<string, string> = {}) => ({ request, params, context: {} });
const get = (path: string) => new Request(`http://localhost${path}`, { headers: { cookie: session.cookie } });
function post(path: string, fields: Record<string, string>) {
  return new Request(`http://localhost${path}`, {
    method: 'POST',
    headers: { cookie: session.cookie, origin: 'http://localhost', 'sec-fetch-site': 'same-origin' },
    body: new URLSearchParams({ csrf: session.csrfToken, ...fields }),
  });
}

let policyId = '';

describe('guard pages', () => {
  it('creates a policy from the list page and redirects to it', async () => {
    const response = (await listRoute.action(args(post('/guard', { intent: 'create', name: 'web', description: 'Web chat' })))) as Response;
    expect(response.status).toBe(302);
    policyId = response.headers.get('location')!.split('/').pop()!;
    const list = (await (await listRoute.loader(args(get('/guard')))).json()) as { policies: { name: string; latestVersion: number }[] };
    expect(list.policies).toEqual([expect.objectContaining({ name: 'web', latestVersion: 1 })]);
  });

  it('shows a bad definition field by field and a JSON syntax error on the textarea', async () => {
    const path = `/guard/${policyId}/v/1`;
    const params = { policyId, version: '1' };
    const bad = JSON.stringify({ checks: [{ id: 'limit', kind: 'token-limit', direction: 'input', action: 'redact' }] });
    const refused = (await versionRoute.action(args(post(path, { intent: 'save', definition: bad }), params))) as Response;
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { fieldErrors: Record<string, string[]> }).fieldErrors).toHaveProperty(['checks.0.action']);
    const syntax = (await versionRoute.action(args(post(path, { intent: 'save', definition: '{"checks": [' }), params))) as Response;
    expect(syntax.status).toBe(400);
    expect(((await syntax.json()) as { fieldErrors: Record<string, string[]> }).fieldErrors).toHaveProperty('definition');
  });

  it('saves a draft, publishes it, then answers 409 to an edit of the published version', async () => {
    const path = `/guard/${policyId}/v/1`;
    const params = { policyId, version: '1' };
    const good = JSON.stringify({ checks: [{ id: 'pii', kind: 'pii', direction: 'input', action: 'redact' }] });
    expect(((await versionRoute.action(args(post(path, { intent: 'save', definition: good }), params))) as Response).status).toBe(200);
    expect(((await versionRoute.action(args(post(path, { intent: 'publish' }), params))) as Response).status).toBe(200);
    const again = (await versionRoute.action(args(post(path, { intent: 'save', definition: good }), params))) as Response;
    expect(again.status).toBe(409);
    expect(((await again.json()) as { formError: string }).formError).toMatch(/published and cannot be changed/);
    const page = (await (await policyRoute.loader(args(get(`/guard/${policyId}`), { policyId }))).json()) as {
      live: { name: string; version: string }[];
    };
    expect(page.live.map((l) => [l.name, l.version])).toContainEqual(['guard-web-leitstand', '1']);
  });

  it('shows measured quality for the detectors the version runs only', async () => {
    const page = (await (await versionRoute.loader(args(get(`/guard/${policyId}/v/1`), { policyId, version: '1' }))).json()) as {
      quality: { detector: string; positives: number; precision: number | null; recall: number | null }[];
    };
    const detectors = page.quality.map((q) => q.detector);
    expect(detectors).toContain('pii.iban');
    expect(detectors).not.toContain('secrets');
    const iban = page.quality.find((q) => q.detector === 'pii.iban')!;
    expect(iban.positives).toBeGreaterThan(5);
    expect(iban.recall).toBeGreaterThanOrEqual(0.98);
  });

  it('runs the playground on a stored version: verdicts, spans and redacted text', async () => {
    const response = (await playgroundRoute.action(
      args(post('/guard/playground', { text: 'Mail me: ada@example.org', direction: 'input', policy: `${policyId}:1` })),
    )) as Response;
    const run = (await response.json()) as { decision: string; redactedText: string; spans: unknown[]; results: { checkId: string; verdict: string }[] };
    expect(run.results).toEqual([expect.objectContaining({ checkId: 'pii', verdict: 'flag' })]);
    expect(run.redactedText).toBe('Mail me: [EMAIL]');
    expect(run.spans).toEqual([expect.objectContaining({ start: 9, end: 24 })]);
  });

  it('shows the effective policy for a tenant × model pair after assigning a default', async () => {
    await listRoute.action(args(post('/guard', { intent: 'assign', tenantSlug: '', model: '', policyId })));
    const data = (await (await listRoute.loader(args(get('/guard?tenant=search&model=llama')))).json()) as {
      lookup: { effective: { policy: string; match: string; version: number } };
    };
    expect(data.lookup.effective).toEqual({ policy: 'web', match: 'default', version: 1 });
  });
});
