import type { ActionFunctionArgs } from '@remix-run/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { action as createModelRoute, loader as listModelsRoute } from '../../../app/routes/api.v1.models';
import { action as registerVersionRoute } from '../../../app/routes/api.v1.models.$name.versions';
import { action as promotionRoute } from '../../../app/routes/api.v1.models.$name.versions.$label.promotion';
import { action as stageRoute } from '../../../app/routes/api.v1.models.$name.versions.$label.stage';
import { action as decideRoute } from '../../../app/routes/api.v1.models.promotions.$id';
import { createApiToken } from '../../../server/auth';
import { auditEventsOf, createTestUser, sessionPrincipal } from '../../support/auth';
import { type TestDatabase, createTestDatabase } from '../../support/database';

/*
 * The API a CI pipeline uses, through the real route modules with Bearer tokens: scopes are
 * enforced, input errors come back as JSON field errors, and every change is audited with
 * the token's identity, as in the console.
 */

let database: TestDatabase;
let ciToken: string;
let readOnlyToken: string;
let approverToken: string;

type Handler = (args: ActionFunctionArgs) => Promise<Response> | Response;

async function call(handler: Handler, path: string, token: string | null, body?: unknown, params: Record<string, string> = {}) {
  const request = new Request(`http://leitstand.test${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const response = await handler({ request, params, context: {} });
  const text = await response.text();
  if (!text) throw new Error(`${path}: ${response.status} with no body ${JSON.stringify(Object.fromEntries(response.headers))}`);
  return { status: response.status, body: JSON.parse(text) as Record<string, unknown> };
}

beforeAll(async () => {
  database = await createTestDatabase();
  const admin = await createTestUser({ roles: ['admin'] });
  ciToken = (await createApiToken(sessionPrincipal(admin), 'service', { name: 'ci pipeline', scopes: ['models:read', 'models:write', 'models:approve'], expiresInDays: 30 })).token;
  readOnlyToken = (await createApiToken(sessionPrincipal(admin), 'service', { name: 'dashboard', scopes: ['models:read'], expiresInDays: 30 })).token;
  const otto = await createTestUser({ username: 'otto', roles: ['operator'] });
  approverToken = (await createApiToken(sessionPrincipal(otto), 'personal', { name: 'otto cli', scopes: ['models:approve'], expiresInDays: 30 })).token;
});
afterAll(async () => {
  await database?.close();
});

describe('models API', () => {
  it('refuses callers without a token or without the scope', async () => {
    expect((await call(createModelRoute, '/api/v1/models', null, { name: 'x' })).status).toBe(401);
    const refused = await call(createModelRoute, '/api/v1/models', readOnlyToken, { name: 'x' });
    expect(refused.status).toBe(403);
    expect(refused.body.permission).toBe('models:write');
  });

  it('lets a pipeline register a model and a version, move it to staging and request promotion, audited as the token', async () => {
    const model = await call(createModelRoute, '/api/v1/models', ciToken, { name: 'mistral-7b', family: 'mistral', owner: 'ML', license: 'apache-2.0', tags: ['chat'] });
    expect(model.status).toBe(201);
    const bad = await call(registerVersionRoute, '/api/v1/models/mistral-7b/versions', ciToken, { label: 'v1', sha256: 'nope' }, { name: 'mistral-7b' });
    expect(bad.status).toBe(400);
    expect(Object.keys(bad.body.fieldErrors as object)).toEqual(expect.arrayContaining(['artifactUri', 'sha256', 'format']));
    const version = await call(
      registerVersionRoute,
      '/api/v1/models/mistral-7b/versions',
      ciToken,
      {
        label: 'v1',
        artifactUri: 's3://models/mistral/v1/',
        format: 'safetensors',
        quantization: 'bf16',
        parameterCount: 7_240_000_000,
        contextLength: 32768,
        sizeBytes: 14_500_000_000,
        sha256: 'd'.repeat(64),
        datasets: ['ds-web-2024'],
        evaluations: [{ metric: 'mmlu', value: 0.62, dataset: 'mmlu-5shot', date: '2024-09-01' }],
      },
      { name: 'mistral-7b' },
    );
    expect(version.status).toBe(201);
    expect((version.body.version as { stage: string }).stage).toBe('draft');
    expect((await call(stageRoute, '/api/v1/models/mistral-7b/versions/v1/stage', ciToken, { stage: 'staging' }, { name: 'mistral-7b', label: 'v1' })).status).toBe(200);
    // Production only through approval, also over the API.
    expect((await call(stageRoute, '/api/v1/models/mistral-7b/versions/v1/stage', ciToken, { stage: 'production' }, { name: 'mistral-7b', label: 'v1' })).status).toBe(409);
    const requested = await call(promotionRoute, '/api/v1/models/mistral-7b/versions/v1/promotion', ciToken, { reason: 'CI: evaluation gate passed' }, { name: 'mistral-7b', label: 'v1' });
    expect(requested.status).toBe(201);
    const id = (requested.body.promotion as { id: string }).id;

    // A service token holds models:approve, yet cannot approve: a person must.
    const byPipeline = await call(decideRoute, `/api/v1/models/promotions/${id}`, ciToken, { decision: 'approve' }, { id });
    expect(byPipeline.status).toBe(403);
    expect(String(byPipeline.body.error)).toMatch(/person/);
    const byOtto = await call(decideRoute, `/api/v1/models/promotions/${id}`, approverToken, { decision: 'approve', note: 'ok' }, { id });
    expect(byOtto.status).toBe(200);
    expect((byOtto.body.promotion as { status: string }).status).toBe('approved');

    const events = await auditEventsOf({ targetId: 'mistral-7b@v1' });
    expect(events.map((e) => [e.action, e.actorName])).toEqual([
      ['model.promotion.approve', 'otto'],
      ['model.promotion.request', 'service:ci pipeline'],
      ['model.version.stage', 'service:ci pipeline'],
      ['model.version.register', 'service:ci pipeline'],
    ]);
  });

  it('lists and searches the registry for read-only tokens', async () => {
    const list = await call(listModelsRoute, '/api/v1/models?q=mistral&stage=production', readOnlyToken);
    expect(list.status).toBe(200);
    expect((list.body.models as Array<{ name: string; productionLabel: string }>).map((m) => [m.name, m.productionLabel])).toEqual([['mistral-7b', 'v1']]);
  });
});
