import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { english, englishFieldErrors } from '../../support/messages';
import type { AuditActor } from '../../../server/audit';
import {
  type PromotionGate,
  addEvaluations,
  createModel,
  decidePromotion,
  getVersionDetail,
  listModels,
  listPromotions,
  registerPromotionGate,
  registerVersion,
  requestPromotion,
  setVersionStage,
  updateModel,
} from '../../../server/models';
import { auditEventsOf } from '../../support/auth';
import { type TestDatabase, createTestDatabase } from '../../support/database';

let database: TestDatabase;
const person = (name: string, roles: string[]): AuditActor => ({ id: crypto.randomUUID(), name, roles });
const alice = person('alice', ['operator']);
const bob = person('bob', ['operator']);
const mallory = person('mallory', ['manager']);
const pipeline: AuditActor = { id: null, name: 'service:ci', roles: [] };

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database?.close();
});

async function refusal(promise: Promise<unknown>): Promise<{ name: string; message: string; fieldErrors: Record<string, string[]> }> {
  try {
    await promise;
  } catch (error) {
    const e = error as Error & { fieldErrors?: Record<string, string[]> };
    // As the English reader sees them (the server sends message keys).
    return { name: e.name, message: english(e.message), fieldErrors: englishFieldErrors(e.fieldErrors ?? {}) };
  }
  throw new Error('expected a refusal');
}

const version = (label: string, over: Record<string, unknown> = {}) => ({
  label,
  artifactUri: `s3://models/llama/${label}/`,
  format: 'safetensors',
  quantization: 'bf16',
  parameterCount: '8B',
  contextLength: '131072',
  sizeBytes: '16GB',
  sha256: `sha256:${crypto.createHash('sha256').update(label).digest('hex').toUpperCase()}`,
  modelCard: '# Llama 3.1 8B\n\nInstruction tuned.',
  datasets: 'ds-clinical-notes-2023\nds-public-web',
  evaluations: 'mmlu, 0.683, mmlu-5shot, 2024-07-20\nhellaswag, 0.81, hellaswag, 2024-07-21',
  ...over,
});

describe('registry', () => {
  it('registers a model and versions with parsed sizes, digest, datasets and evaluations, audited', async () => {
    const model = await createModel(alice, { name: 'llama-3-1-8b', family: 'llama', owner: 'ML platform', license: 'llama3.1', tags: 'chat, instruct', description: 'Meta Llama 3.1 8B' });
    expect(model.tags).toEqual(['chat', 'instruct']);
    const v = await registerVersion(alice, 'llama-3-1-8b', version('2024-07'));
    expect(v).toMatchObject({ stage: 'draft', parameterCount: 8_000_000_000, sizeBytes: 16_000_000_000, contextLength: 131072, datasets: ['ds-clinical-notes-2023', 'ds-public-web'] });
    // The "sha256:" prefix and upper case are normalised away.
    expect(v.sha256).toMatch(/^[0-9a-f]{64}$/);
    const detail = await getVersionDetail('llama-3-1-8b', '2024-07');
    expect(detail.evaluations.map((e) => [e.metric, e.value, e.evaluatedOn])).toEqual([
      ['mmlu', 0.683, '2024-07-20'],
      ['hellaswag', 0.81, '2024-07-21'],
    ]);
    expect(detail.cardHtml).toContain('<h3>Llama 3.1 8B</h3>');
    expect(await addEvaluations(bob, 'llama-3-1-8b', '2024-07', { evaluations: [{ metric: 'gsm8k', value: 0.77, dataset: 'gsm8k', date: '2024-08-01' }] })).toBe(1);
    // The version page's form: a decimal comma works with ";" and is named as the problem with ",".
    expect(await addEvaluations(bob, 'llama-3-1-8b', '2024-07', { evaluations: 'arc; 0,61; arc; 2024-08-02' })).toBe(1);
    const split = await refusal(addEvaluations(bob, 'llama-3-1-8b', '2024-07', { evaluations: 'arc, 0,61, arc, 2024-08-02' }));
    expect(englishFieldErrors(split.fieldErrors)).toEqual({
      'evaluations.0': ['Found 5 fields, expected 4 (metric, value, dataset, date). A decimal comma in the value splits it: write 0.82, or separate the fields with ";" or a tab.'],
    });
    const events = await auditEventsOf({ targetId: 'llama-3-1-8b@2024-07' });
    expect(events.map((e) => e.action)).toEqual(expect.arrayContaining(['model.version.register', 'model.version.evaluate']));
  });

  it('refuses bad input with a message per field, and never a duplicate label', async () => {
    const bad = await refusal(
      registerVersion(alice, 'llama-3-1-8b', version('bad', { artifactUri: 'ftp://x/y', sha256: 'abc', contextLength: '0', format: 'pickle', evaluations: 'mmlu, high, x, yesterday' })),
    );
    expect(bad.name).toBe('InputError');
    expect(Object.keys(bad.fieldErrors).sort()).toEqual(['artifactUri', 'contextLength', 'evaluations.0.date', 'evaluations.0.value', 'format', 'sha256']);
    const dup = await refusal(registerVersion(alice, 'llama-3-1-8b', version('2024-07')));
    expect(dup.fieldErrors.label?.[0]).toMatch(/immutable/);
    expect((await refusal(createModel(alice, { name: 'Llama_3', family: 'x', owner: 'x', license: 'x' }))).fieldErrors.name).toBeDefined();
    expect((await refusal(registerVersion(alice, 'no-such-model', version('x')))).name).toBe('NotFoundError');
  });

  it('accepts every artifact location the platform uses', async () => {
    for (const [i, uri] of ['pvc://model-store/llama/8b', 'oci://registry.internal/models/llama:8b', 'https://mirror.internal/llama/8b.gguf', '/mirror/llama/8b'].entries()) {
      await registerVersion(alice, 'llama-3-1-8b', version(`loc-${i}`, { artifactUri: uri }));
    }
  });

  it('searches by words across name, family, owner, description and tags, filters by family, tag and stage, and pages', async () => {
    await createModel(alice, { name: 'mistral-7b', family: 'mistral', owner: 'Research', license: 'apache-2.0', tags: ['chat'] });
    await createModel(alice, { name: 'bge-m3', family: 'bge', owner: 'Search team', license: 'mit', tags: ['embedding'], description: 'Multilingual embeddings' });
    await updateModel(bob, 'bge-m3', { family: 'bge', owner: 'Search team', license: 'mit', tags: ['embedding', 'multilingual'], description: 'Multilingual embeddings' });
    expect((await listModels({ search: 'multilingual' })).rows.map((r) => r.name)).toEqual(['bge-m3']);
    expect((await listModels({ search: 'chat llama' })).rows.map((r) => r.name)).toEqual(['llama-3-1-8b']);
    // LIKE wildcards in the search are taken literally.
    expect((await listModels({ search: '%' })).rows).toEqual([]);
    expect((await listModels({ tag: 'chat', sort: { key: 'name', desc: false } })).rows.map((r) => r.name)).toEqual(['llama-3-1-8b', 'mistral-7b']);
    expect((await listModels({ family: 'mistral' })).total).toBe(1);
    const all = await listModels({ sort: { key: 'versions', desc: true }, pageSize: 2 });
    expect(all.total).toBe(3);
    expect(all.rows[0]).toMatchObject({ name: 'llama-3-1-8b', versionCount: 5 });
    expect(all.families).toEqual(['bge', 'llama', 'mistral']);
    expect(all.tags).toEqual(expect.arrayContaining(['chat', 'embedding', 'instruct', 'multilingual']));
    expect((await listModels({ pageSize: 2, page: 2, sort: { key: 'name', desc: false } })).rows.map((r) => r.name)).toEqual(['mistral-7b']);
    expect((await listModels({ stage: 'production' })).rows).toEqual([]);
  });
});

describe('lifecycle and four-eyes promotion', () => {
  it('walks draft → staging, refuses a jump to production without approval, and refuses moves the lifecycle does not allow', async () => {
    await setVersionStage(alice, 'llama-3-1-8b', '2024-07', { stage: 'staging' });
    expect((await refusal(setVersionStage(alice, 'llama-3-1-8b', '2024-07', { stage: 'production' }))).message).toMatch(/approval/);
    expect((await refusal(setVersionStage(alice, 'llama-3-1-8b', '2024-07', { stage: 'deprecated' }))).name).toBe('ConflictError');
  });

  it('does not let the requester approve their own promotion, nor someone without the operator or admin role, nor a service token', async () => {
    const request = await requestPromotion(alice, 'llama-3-1-8b', '2024-07', { reason: 'passed the evaluation suite' });
    expect((await refusal(requestPromotion(bob, 'llama-3-1-8b', '2024-07', { reason: 'again' }))).message).toMatch(/waits for approval/);
    const own = await refusal(decidePromotion(alice, request.id, { decision: 'approve' }));
    expect(own.name).toBe('ForbiddenError');
    expect(own.message).toMatch(/second person/);
    expect((await refusal(decidePromotion(mallory, request.id, { decision: 'approve' }))).message).toMatch(/neither the operator nor the admin role/);
    expect((await refusal(decidePromotion(pipeline, request.id, { decision: 'approve' }))).message).toMatch(/not by a service token/);
    const pending = await listPromotions({ status: 'pending' });
    expect(pending.map((p) => p.label)).toEqual(['2024-07']);
  });

  it('moves the version to production when a second operator approves, in one audited step', async () => {
    const [pending] = await listPromotions({ status: 'pending' });
    const decided = await decidePromotion(bob, pending!.promotion.id, { decision: 'approve', note: 'looks good' });
    expect(decided).toMatchObject({ status: 'approved', decidedByName: 'bob', requestedByName: 'alice' });
    expect((await getVersionDetail('llama-3-1-8b', '2024-07')).version.stage).toBe('production');
    expect((await refusal(decidePromotion(bob, pending!.promotion.id, { decision: 'approve' }))).name).toBe('ConflictError');
    const [event] = await auditEventsOf({ action: 'model.promotion.approve' });
    expect(event).toMatchObject({ actorName: 'bob', targetId: 'llama-3-1-8b@2024-07' });
    expect((await listModels({ stage: 'production' })).rows.map((r) => [r.name, r.productionLabel])).toEqual([['llama-3-1-8b', '2024-07']]);
  });

  it('applies gates other contexts register, by the same rules function', async () => {
    const gate: PromotionGate = { id: 'test-guard-policy', description: 'a guard policy is assigned', check: ({ modelName }) => (modelName === 'mistral-7b' ? 'No guard policy is assigned to mistral-7b.' : null) };
    registerPromotionGate(gate);
    try {
      await registerVersion(alice, 'mistral-7b', version('v0.3'));
      await setVersionStage(alice, 'mistral-7b', 'v0.3', { stage: 'staging' });
      const request = await requestPromotion(pipeline, 'mistral-7b', 'v0.3', { reason: 'CI' });
      expect((await refusal(decidePromotion(bob, request.id, { decision: 'approve' }))).message).toMatch(/No guard policy/);
      const rejected = await decidePromotion(bob, request.id, { decision: 'reject', note: 'assign a policy first' });
      expect(rejected.status).toBe('rejected');
    } finally {
      registerPromotionGate({ ...gate, check: () => null });
    }
  });

  it('deprecates and retires a version; retired is final', async () => {
    await setVersionStage(alice, 'mistral-7b', 'v0.3', { stage: 'retired', reason: 'superseded' });
    expect((await refusal(setVersionStage(alice, 'mistral-7b', 'v0.3', { stage: 'staging' }))).message).toMatch(/nowhere/);
  });
});
