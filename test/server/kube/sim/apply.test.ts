import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SimHarness, apiError, applyPatch, deployment, eventually, mergePatch, startHarness, type Wire } from './helpers';

let h: SimHarness;
beforeAll(async () => {
  h = await startHarness();
  await h.core.createNamespace({ body: { metadata: { name: 'ssa' } } });
});
afterAll(async () => {
  await h.sim.close();
});

const apply = (body: Wire, fieldManager = 'leitstand', force?: boolean) =>
  h.apps.patchNamespacedDeployment({ namespace: 'ssa', name: body.metadata.name, body, fieldManager, force }, applyPatch);

describe('server-side apply', () => {
  it('creates a missing object (201) and records Apply ownership as FieldsV1', async () => {
    const res = await h.raw('PATCH', '/apis/apps/v1/namespaces/ssa/deployments/llm?fieldManager=leitstand', deployment('llm', { replicas: 2 }), 'application/apply-patch+yaml');
    expect(res.status).toBe(201);
    const entry = res.body.metadata.managedFields.find((e: Wire) => e.manager === 'leitstand');
    expect(entry).toMatchObject({ operation: 'Apply', apiVersion: 'apps/v1', fieldsType: 'FieldsV1' });
    expect(entry.subresource).toBeUndefined();
    const f = entry.fieldsV1;
    expect(f['f:metadata']).toEqual({ 'f:labels': { 'f:app.kubernetes.io/managed-by': {} } });
    expect(f['f:spec']['f:replicas']).toEqual({});
    const container = f['f:spec']['f:template']['f:spec']['f:containers']['k:{"name":"server"}'];
    expect(container['.']).toEqual({});
    expect(container['f:image']).toEqual({});
    expect(container['f:ports']['k:{"containerPort":8000,"protocol":"TCP"}']).toEqual({ '.': {}, 'f:containerPort': {}, 'f:name': {} });
  });

  it('accepts YAML bodies', async () => {
    const yaml = [
      'apiVersion: v1', 'kind: ConfigMap', 'metadata:', '  name: from-yaml', 'data:', '  gateway.yaml: |', '    routes: []', '',
    ].join('\n');
    const res = await h.raw('PATCH', '/api/v1/namespaces/ssa/configmaps/from-yaml?fieldManager=leitstand', yaml, 'application/apply-patch+yaml');
    expect(res.status).toBe(201);
    expect(res.body.data['gateway.yaml']).toBe('routes: []\n');
  });

  it('requires a fieldManager', async () => {
    const res = await h.raw('PATCH', '/apis/apps/v1/namespaces/ssa/deployments/llm', deployment('llm'), 'application/apply-patch+yaml');
    expect(res.status).toBe(422);
    expect(res.body.message).toBe('PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch');
  });

  it('writes nothing when the same configuration is applied again', async () => {
    // The simulated controllers still write status while the pods start; wait until
    // two reads 100 ms apart agree, so only the apply could change the version.
    const read = () => h.apps.readNamespacedDeployment({ namespace: 'ssa', name: 'llm' });
    const before = await eventually(async () => {
      const first = await read();
      await new Promise((r) => setTimeout(r, 100));
      const second = await read();
      return first.metadata?.resourceVersion === second.metadata?.resourceVersion ? second : null;
    }, 10_000, 'a settled deployment');
    const again = await apply(deployment('llm', { replicas: 2 }));
    expect(again.metadata?.resourceVersion).toBe(before.metadata?.resourceVersion);
  });

  it('conflicts when another manager changed a field it now owns, and force takes it over', async () => {
    await h.apps.patchNamespacedDeployment({ namespace: 'ssa', name: 'llm', fieldManager: 'kubectl-edit', body: { spec: { replicas: 5 } } }, mergePatch);
    const d = await h.apps.readNamespacedDeployment({ namespace: 'ssa', name: 'llm' });
    const editor = d.metadata!.managedFields!.find((e) => e.manager === 'kubectl-edit')!;
    expect(editor.operation).toBe('Update');
    expect((editor.fieldsV1 as Wire)['f:spec']['f:replicas']).toEqual({});
    const mine = d.metadata!.managedFields!.find((e) => e.manager === 'leitstand')!;
    expect((mine.fieldsV1 as Wire)['f:spec']['f:replicas']).toBeUndefined();

    const err = await apiError(apply(deployment('llm', { replicas: 2 })));
    expect(err.code).toBe(409);
    expect(err.body).toMatchObject({
      kind: 'Status', status: 'Failure', reason: 'Conflict', code: 409,
      message: 'Apply failed with 1 conflict: conflict with "kubectl-edit" using apps/v1: .spec.replicas',
      details: { name: 'llm', group: 'apps', kind: 'deployments', causes: [{ reason: 'FieldManagerConflict', message: 'conflict with "kubectl-edit" using apps/v1', field: '.spec.replicas' }] },
    });
    const forced = await apply(deployment('llm', { replicas: 2 }), 'leitstand', true);
    expect(forced.spec?.replicas).toBe(2);
    expect(forced.metadata!.managedFields!.find((e) => e.manager === 'kubectl-edit')).toBeUndefined();
  });

  it('shares ownership without conflict when the value is the same', async () => {
    await apply({ ...deployment('llm', { replicas: 2 }) }, 'other-applier');
    const d = await h.apps.readNamespacedDeployment({ namespace: 'ssa', name: 'llm' });
    const owners = d.metadata!.managedFields!.filter((e) => (e.fieldsV1 as Wire)?.['f:spec']?.['f:replicas']).map((e) => e.manager).sort();
    expect(owners).toEqual(['leitstand', 'other-applier']);
  });

  it('names several conflicts per manager', async () => {
    const err = await apiError(apply({ ...deployment('llm', { replicas: 4, image: 'vllm:0.7.0' }) }, 'third'));
    expect(err.body.message).toBe([
      'Apply failed with 4 conflicts: conflicts with "leitstand":',
      '- .spec.replicas',
      '- .spec.template.spec.containers[name="server"].image',
      'conflicts with "other-applier":',
      '- .spec.replicas',
      '- .spec.template.spec.containers[name="server"].image',
    ].join('\n'));
    expect(err.body.details.causes).toHaveLength(4);
  });

  it('removes fields a manager stops applying when nobody else owns them', async () => {
    const withLabel = deployment('cleanup');
    (withLabel.metadata.labels as Record<string, string>).extra = 'yes';
    await apply(withLabel);
    const without = deployment('cleanup');
    const d = await apply(without);
    expect(d.metadata?.labels).toEqual({ 'app.kubernetes.io/managed-by': 'leitstand' });
  });

  it('keeps a dropped field that another manager also owns', async () => {
    const two = deployment('shared');
    (two.metadata.labels as Record<string, string>).keep = 'yes';
    await apply(two);
    await h.apps.patchNamespacedDeployment({ namespace: 'ssa', name: 'shared', fieldManager: 'ops', body: { metadata: { labels: { keep: 'yes' } } } }, mergePatch);
    // merge patch with an unchanged value takes no ownership; an apply by ops does
    await h.apps.patchNamespacedDeployment({ namespace: 'ssa', name: 'shared', fieldManager: 'ops', body: { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'shared', labels: { keep: 'yes' } } } }, applyPatch);
    const d = await apply(deployment('shared'));
    expect(d.metadata?.labels?.keep).toBe('yes');
  });

  it('removes a dropped list item (container) by its key', async () => {
    const base = deployment('sidecar');
    base.spec.template.spec.containers.push({ name: 'guard', image: 'llm-guard:0.3', ports: [], resources: {} } as never);
    const two = await apply(base);
    expect(two.spec?.template.spec?.containers.map((c) => c.name)).toEqual(['server', 'guard']);
    const one = await apply(deployment('sidecar'));
    expect(one.spec?.template.spec?.containers.map((c) => c.name)).toEqual(['server']);
  });

  it('tracks controller status writes as Update on the status subresource', async () => {
    await eventually(async () => (await h.apps.readNamespacedDeployment({ namespace: 'ssa', name: 'sidecar' })).metadata?.managedFields?.some((e) => e.subresource === 'status'));
    const d = await h.apps.readNamespacedDeployment({ namespace: 'ssa', name: 'sidecar' });
    const status = d.metadata!.managedFields!.find((e) => e.subresource === 'status')!;
    expect(status).toMatchObject({ manager: 'kube-controller-manager', operation: 'Update' });
    expect(Object.keys(status.fieldsV1 as object)).toEqual(['f:status']);
  });

  it('applies to the status subresource only status', async () => {
    await h.core.createNamespacedConfigMap({ namespace: 'ssa', body: { metadata: { name: 'x' } } });
    const res = await h.raw('PATCH', '/apis/apps/v1/namespaces/ssa/deployments/sidecar/status?fieldManager=probe&force=true',
      { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'sidecar' }, spec: { replicas: 9 }, status: { collisionCount: 3 } }, 'application/apply-patch+yaml');
    expect(res.status).toBe(200);
    expect(res.body.spec.replicas).toBe(1);
    expect(res.body.status.collisionCount).toBe(3);
    expect(res.body.metadata.managedFields.find((e: Wire) => e.manager === 'probe')).toMatchObject({ operation: 'Apply', subresource: 'status' });
  });

  it('supports dryRun without storing', async () => {
    const res = await h.raw('PATCH', '/apis/apps/v1/namespaces/ssa/deployments/dry?fieldManager=leitstand&dryRun=All', deployment('dry'), 'application/apply-patch+yaml');
    expect(res.status).toBe(201);
    expect((await h.raw('GET', '/apis/apps/v1/namespaces/ssa/deployments/dry')).status).toBe(404);
  });

  it('rejects a stale resourceVersion in the applied configuration', async () => {
    const body = { ...deployment('llm', { replicas: 2 }), metadata: { ...deployment('llm').metadata, resourceVersion: '1' } };
    const err = await apiError(apply(body));
    expect(err.code).toBe(409);
    expect(err.body.message).toContain('the object has been modified');
  });
});
