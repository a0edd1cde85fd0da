import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemActor } from '../../../server/audit';
import {
  type PolicyDefinition,
  archiveVersion,
  assignPolicy,
  configMapName,
  createDraft,
  createPolicy,
  defaultDefinition,
  diffDefinitions,
  diffVersions,
  effectivePolicy,
  getPolicy,
  getPolicyVersion,
  parsePolicyDefinition,
  qualityOptionsOf,
  listAssignments,
  listPolicies,
  publicationStatus,
  publishVersion,
  removeAssignment,
  updateDraft,
  updatePolicy,
} from '../../../server/guard';
import { auditEventsOf } from '../../support/auth';
import { type TestDatabase, createTestDatabase } from '../../support/database';

let database: TestDatabase;
const actor = { ...systemActor, name: 'guard-test' };
const publish = { namespace: 'llm-gateway' };

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database.close();
});

async function refusal(promise: Promise<unknown>): Promise<{ name: string; message: string; fieldErrors: Record<string, string[]> }> {
  try {
    await promise;
  } catch (error) {
    const e = error as { name: string; message: string; fieldErrors?: Record<string, string[]> };
    return { name: e.name, message: e.message, fieldErrors: e.fieldErrors ?? {} };
  }
  throw new Error('expected a refusal');
}


describe('createPolicy', () => {
  it('creates version 1 as a draft with the default definition and an audit event', async () => {
    const policy = await createPolicy({ name: 'standard', description: 'Default for everyone' }, actor);
    const { versions } = await getPolicy(policy.id);
    expect(versions.map((v) => [v.version, v.status])).toEqual([[1, 'draft']]);
    expect(versions[0]!.definition).toEqual(defaultDefinition());
    expect((await auditEventsOf({ action: 'guard.policy.create', targetId: policy.id })).length).toBe(1);
  });

  it('refuses a name that cannot name a ConfigMap, and a taken name, naming the field', async () => {
    expect((await refusal(createPolicy({ name: 'Not OK' }, actor))).fieldErrors).toHaveProperty('name');
    expect((await refusal(createPolicy({ name: 'standard' }, actor))).fieldErrors.name?.[0]).toMatch(/exists already/);
  });

  it('refuses an invalid definition with the path of the bad field', async () => {
    const bad = { checks: [{ id: 'x', kind: 'token-limit', direction: 'input', action: 'redact' }] };
    const error = await refusal(createPolicy({ name: 'bad-one', definition: bad }, actor));
    expect(error.fieldErrors).toHaveProperty(['checks.0.action']);
    expect((await listPolicies()).map((p) => p.name)).not.toContain('bad-one');
  });
});

describe('versions', () => {
  it('edits a draft, publishes it, and then refuses edits to the published version', async () => {
    const policy = await createPolicy({ name: 'strict', definition: { checks: [] } }, actor);
    const definition = { checks: [{ id: 'limit', kind: 'token-limit', direction: 'input', action: 'block', params: { limit: 100 } }] };
    const edited = await updateDraft({ policyId: policy.id, version: 1, definition }, actor);
    expect(edited.definition.checks[0]).toMatchObject({ id: 'limit', params: { limit: 100, encoding: 'cl100k_base' } });

    const { version, artifacts } = await publishVersion({ policyId: policy.id, version: 1 }, actor, publish);
    expect(version.status).toBe('published');
    expect(Object.keys(version.checksums ?? {}).sort()).toEqual(['leitstand', 'llm-guard', 'nemo-guardrails']);
    expect(artifacts).toHaveLength(3);

    const refused = await refusal(updateDraft({ policyId: policy.id, version: 1, definition: { checks: [] } }, actor));
    expect(refused.name).toBe('ConflictError');
    expect(refused.message).toMatch(/published and cannot be changed/);
    expect((await getPolicyVersion(policy.id, 1)).definition.checks).toHaveLength(1);
    expect((await refusal(publishVersion({ policyId: policy.id, version: 1 }, actor, publish))).name).toBe('ConflictError');
  });

  it('publishing a new draft archives the previous published version (one published at a time)', async () => {
    const [strict] = (await listPolicies()).filter((p) => p.name === 'strict');
    const draft = await createDraft({ policyId: strict!.id }, actor);
    expect(draft.version).toBe(2);
    expect(draft.definition).toEqual((await getPolicyVersion(strict!.id, 1)).definition);
    await publishVersion({ policyId: strict!.id, version: 2 }, actor, publish);
    const { versions } = await getPolicy(strict!.id);
    expect(versions.map((v) => [v.version, v.status])).toEqual([
      [2, 'published'],
      [1, 'archived'],
    ]);
    expect((await refusal(updateDraft({ policyId: strict!.id, version: 1, definition: { checks: [] } }, actor))).message).toMatch(/archived/);
    expect((await listPolicies()).find((p) => p.name === 'strict')).toMatchObject({ latestVersion: 2, publishedVersion: 2 });
    const events = await auditEventsOf({ action: 'guard.version.publish', targetId: strict!.id });
    expect(events[0]!.before).toEqual({ publishedVersion: 1 });
  });

  it('a failed publication changes nothing (no version state, no ConfigMap, no audit event)', async () => {
    const policy = await createPolicy(
      { name: 'safety', definition: { checks: [{ id: 'lg', kind: 'safety', direction: 'input', action: 'block' }] } },
      actor,
    );
    const error = await refusal(publishVersion({ policyId: policy.id, version: 1 }, actor, publish));
    expect(error.name).toBe('InputError');
    expect((await getPolicyVersion(policy.id, 1)).status).toBe('draft');
    expect(await publicationStatus(policy.id)).toEqual([]);
    expect(await auditEventsOf({ action: 'guard.version.publish', targetId: policy.id })).toEqual([]);
    await publishVersion({ policyId: policy.id, version: 1 }, actor, {
      ...publish,
      safetyEndpoint: { baseUrl: 'http://llama-guard.llm:8000/v1', model: 'meta-llama/Llama-Guard-3-8B' },
    });
    expect((await getPolicyVersion(policy.id, 1)).status).toBe('published');
  });

  it('archives a draft and refuses to archive twice', async () => {
    const [strict] = (await listPolicies()).filter((p) => p.name === 'strict');
    const draft = await createDraft({ policyId: strict!.id, fromVersion: 1 }, actor);
    await archiveVersion({ policyId: strict!.id, version: draft.version }, actor);
    expect((await getPolicyVersion(strict!.id, draft.version)).status).toBe('archived');
    expect((await refusal(archiveVersion({ policyId: strict!.id, version: draft.version }, actor))).name).toBe('ConflictError');
    expect((await refusal(createDraft({ policyId: strict!.id, fromVersion: 99 }, actor))).name).toBe('NotFoundError');
  });

  it('updates the description with an audit event', async () => {
    const [strict] = (await listPolicies()).filter((p) => p.name === 'strict');
    await updatePolicy({ policyId: strict!.id, description: ' Tight ' }, actor);
    expect((await getPolicy(strict!.id)).policy.description).toBe('Tight');
    expect((await auditEventsOf({ action: 'guard.policy.update', targetId: strict!.id }))[0]!.after).toEqual({ description: 'Tight' });
  });
});

describe('publication', () => {
  it('writes three valid ConfigMaps in the gateway namespace, labelled with version and checksum', async () => {
    const [strict] = (await listPolicies()).filter((p) => p.name === 'strict');
    const rows = await publicationStatus(strict!.id);
    expect(rows.map((r) => r.name).sort()).toEqual(
      ['leitstand', 'llm-guard', 'nemo-guardrails'].map((f) => configMapName('strict', f as 'leitstand')).sort(),
    );
    const version = await getPolicyVersion(strict!.id, 2);
    for (const row of rows) {
      expect(row.namespace).toBe('llm-gateway');
      new ConfigMap(row.manifest as ConstructorParameters<typeof ConfigMap>[0]).validate();
      const meta = (row.manifest as { metadata: { labels: Record<string, string>; annotations: Record<string, string> } }).metadata;
      const format = meta.labels['guard.leitstand.io/format']!;
      expect(meta.labels['guard.leitstand.io/version']).toBe('2');
      expect(meta.annotations['guard.leitstand.io/checksum']).toBe(version.checksums?.[format]);
      expect(meta.labels['guard.leitstand.io/checksum']).toBe(version.checksums?.[format]?.slice('sha256:'.length, 'sha256:'.length + 16));
      expect(meta.labels['app.kubernetes.io/managed-by']).toBe('leitstand');
    }
    const llmGuard = rows.find((r) => r.name.endsWith('llm-guard'))!;
    expect(Object.keys((llmGuard.manifest as { data: Record<string, string> }).data)).toEqual(['scanners.yml']);
  });
});

describe('diffDefinitions', () => {
  const base = {
    checks: [
      { id: 'limit', kind: 'token-limit', direction: 'input', action: 'block', params: { limit: 100 } },
      { id: 'pii', kind: 'pii', direction: 'input', action: 'redact' },
    ],
  };

  it('reports added, removed and changed checks with the changed params and action', async () => {
    const policy = await createPolicy({ name: 'diffed', definition: base }, actor);
    await createDraft({ policyId: policy.id }, actor);
    await updateDraft(
      {
        policyId: policy.id,
        version: 2,
        definition: {
          checks: [
            { id: 'limit', kind: 'token-limit', direction: 'input', action: 'log', params: { limit: 200 } },
            { id: 'secrets', kind: 'secrets', direction: 'output', action: 'block' },
          ],
        },
      },
      actor,
    );
    const { changes } = await diffVersions({ policyId: policy.id, from: 1, to: 2 });
    expect(changes.map((c) => [c.id, c.change])).toEqual([
      ['limit', 'changed'],
      ['secrets', 'added'],
      ['pii', 'removed'],
    ]);
    const limit = changes[0]!;
    expect(limit.change === 'changed' && limit.fields).toEqual([
      { field: 'action', before: 'block', after: 'log' },
      { field: 'params.limit', before: 100, after: 200 },
    ]);
  });

  it('finds no change between equal definitions, and none from key order', async () => {
    const v = (await getPolicyVersion((await listPolicies()).find((p) => p.name === 'diffed')!.id, 1)).definition;
    const reordered = JSON.parse(JSON.stringify({ checks: v.checks.map((c) => Object.fromEntries(Object.entries(c).reverse())) })) as PolicyDefinition;
    expect(diffDefinitions(v, reordered)).toEqual([]);
  });

  it('reports a changed list param as one field', () => {
    const a = { checks: [{ id: 'ban', kind: 'ban-substrings', direction: 'input', action: 'block', enabled: true, tags: [], params: { substrings: ['a', 'b'] } }] };
    const b = { checks: [{ id: 'ban', kind: 'ban-substrings', direction: 'input', action: 'block', enabled: true, tags: [], params: { substrings: ['a', 'c'] } }] };
    const changes = diffDefinitions(a as unknown as PolicyDefinition, b as unknown as PolicyDefinition);
    expect(changes[0]!.change === 'changed' && changes[0]!.fields).toEqual([{ field: 'params.substrings', before: ['a', 'b'], after: ['a', 'c'] }]);
  });
});

describe('assignments', () => {
  it('resolves the most specific assignment: tenant and model, tenant, model, default', async () => {
    const all = await listPolicies();
    const id = (name: string) => all.find((p) => p.name === name)!.id;
    expect(await effectivePolicy({ tenantSlug: 'search', model: 'llama-3-70b' })).toBeNull();
    await assignPolicy({ policyId: id('standard') }, actor);
    await assignPolicy({ tenantSlug: 'search', policyId: id('strict') }, actor);
    await assignPolicy({ model: 'llama-3-70b', policyId: id('diffed') }, actor);
    await assignPolicy({ tenantSlug: 'search', model: 'mistral-7b', policyId: id('safety') }, actor);

    const of = async (tenantSlug: string, model: string) => {
      const e = await effectivePolicy({ tenantSlug, model });
      return [e?.match, e?.policy.name, e?.publishedVersion];
    };
    expect(await of('search', 'mistral-7b')).toEqual(['tenant-and-model', 'safety', 1]);
    expect(await of('search', 'llama-3-70b')).toEqual(['tenant', 'strict', 2]);
    expect(await of('chat', 'llama-3-70b')).toEqual(['model', 'diffed', null]);
    expect(await of('chat', 'qwen')).toEqual(['default', 'standard', null]);
    expect(await of('', '')).toEqual(['default', 'standard', null]);
  });

  it('replaces an assignment for the same pair, removes one, and audits both', async () => {
    const all = await listPolicies();
    await assignPolicy({ tenantSlug: 'search', policyId: all.find((p) => p.name === 'standard')!.id }, actor);
    expect((await effectivePolicy({ tenantSlug: 'search', model: 'x' }))?.policy.name).toBe('standard');
    expect((await listAssignments()).filter((a) => a.tenantSlug === 'search' && a.model === '')).toHaveLength(1);
    await removeAssignment({ tenantSlug: 'search', model: 'mistral-7b' }, actor);
    expect((await effectivePolicy({ tenantSlug: 'search', model: 'mistral-7b' }))?.match).toBe('tenant');
    expect((await refusal(removeAssignment({ tenantSlug: 'search', model: 'mistral-7b' }, actor))).name).toBe('NotFoundError');
    expect((await auditEventsOf({ action: 'guard.assignment.set', targetId: 'search/*' })).length).toBe(2);
    expect((await auditEventsOf({ action: 'guard.assignment.remove' })).length).toBe(1);
  });

  it('refuses a tenant slug that no tenant could have', async () => {
    const all = await listPolicies();
    expect((await refusal(assignPolicy({ tenantSlug: 'Bad Slug', policyId: all[0]!.id }, actor))).fieldErrors).toHaveProperty('tenantSlug');
  });
});

describe('qualityOptionsOf', () => {
  it('takes the first enabled check of each measured kind and ignores disabled ones', () => {
    const definition = parsePolicyDefinition({
      checks: [
        { id: 'off', kind: 'pii', direction: 'input', action: 'redact', enabled: false, params: { entities: ['email'] } },
        { id: 'on', kind: 'pii', direction: 'input', action: 'redact', params: { entities: ['iban'] } },
        { id: 'later', kind: 'pii', direction: 'output', action: 'redact', params: { entities: ['phone'] } },
      ],
    });
    const options = qualityOptionsOf(definition);
    expect(options.pii?.entities).toEqual(['iban']);
    expect(options.secrets).toBeUndefined();
  });
});
