import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonPatch as applyJsonPatch, mergePatch as applyMergePatch, strategicMergePatch } from '../../../../server/kube/sim/patch';
import { type SimHarness, apiError, jsonPatch, mergePatch, startHarness, strategicPatch, type Wire } from './helpers';

let h: SimHarness;
beforeAll(async () => {
  h = await startHarness();
  await h.core.createNamespace({ body: { metadata: { name: 'p' } } });
});
afterAll(async () => {
  await h.sim.close();
});

const podTemplate = {
  metadata: { labels: { app: 'llm' } },
  spec: {
    containers: [
      { name: 'server', image: 'vllm:0.6.2', env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }], ports: [{ containerPort: 8000, name: 'http' }] },
      { name: 'guard', image: 'llm-guard:0.3' },
    ],
    tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }],
    volumes: [{ name: 'weights', emptyDir: {} }],
  },
};

describe('JSON merge patch (RFC 7386)', () => {
  it('merges maps, deletes with null, replaces lists', () => {
    expect(applyMergePatch({ a: { b: 1, c: 2 }, l: [1, 2] }, { a: { c: null, d: 3 }, l: [3] })).toEqual({ a: { b: 1, d: 3 }, l: [3] });
  });

  it('patches labels and replaces the container list over HTTP', async () => {
    await h.apps.createNamespacedDeployment({ namespace: 'p', body: { metadata: { name: 'm' }, spec: { selector: { matchLabels: { app: 'llm' } }, template: podTemplate } } });
    const d = await h.apps.patchNamespacedDeployment({ namespace: 'p', name: 'm', body: {
      metadata: { labels: { team: 'a' } }, spec: { template: { spec: { containers: [{ name: 'server', image: 'vllm:0.6.3' }] } } },
    } }, mergePatch);
    expect(d.metadata?.labels).toEqual({ team: 'a' });
    expect(d.spec?.template.spec?.containers.map((c) => c.name)).toEqual(['server']);
  });
});

describe('strategic merge patch', () => {
  it('merges containers by name and env by name, keeping the rest', () => {
    const out = strategicMergePatch('Deployment', { spec: { template: podTemplate } }, {
      spec: { template: { spec: { containers: [{ name: 'server', image: 'vllm:0.6.3', env: [{ name: 'B', value: '3' }, { name: 'C', value: '4' }] }] } } },
    }) as Wire;
    const server = out.spec.template.spec.containers[0];
    expect(server.image).toBe('vllm:0.6.3');
    expect(server.env).toEqual([{ name: 'A', value: '1' }, { name: 'B', value: '3' }, { name: 'C', value: '4' }]);
    expect(server.ports).toEqual([{ containerPort: 8000, name: 'http' }]);
    expect(out.spec.template.spec.containers[1].name).toBe('guard');
  });

  it('deletes list items with $patch: delete and replaces lists without a merge key (tolerations)', () => {
    const out = strategicMergePatch('Deployment', { spec: { template: podTemplate } }, {
      spec: { template: { spec: {
        containers: [{ name: 'guard', $patch: 'delete' }],
        tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'tenant-a', effect: 'NoSchedule' }],
      } } },
    }) as Wire;
    expect(out.spec.template.spec.containers.map((c: Wire) => c.name)).toEqual(['server']);
    expect(out.spec.template.spec.tolerations).toEqual([{ key: 'dedicated', operator: 'Equal', value: 'tenant-a', effect: 'NoSchedule' }]);
  });

  it('merges container ports by containerPort and supports $patch: replace and $retainKeys', () => {
    const out = strategicMergePatch('Pod', { spec: podTemplate.spec }, {
      spec: { containers: [{ name: 'server', ports: [{ containerPort: 9000, name: 'metrics' }] }], volumes: [{ name: 'weights', $retainKeys: ['name', 'hostPath'], hostPath: { path: '/models' } }] },
    }) as Wire;
    expect(out.spec.containers[0].ports).toEqual([{ containerPort: 8000, name: 'http' }, { containerPort: 9000, name: 'metrics' }]);
    expect(out.spec.volumes).toEqual([{ name: 'weights', hostPath: { path: '/models' } }]);
    const replaced = strategicMergePatch('Pod', { metadata: { labels: { a: '1', b: '2' } } }, { metadata: { labels: { $patch: 'replace', c: '3' } } }) as Wire;
    expect(replaced.metadata.labels).toEqual({ c: '3' });
  });

  it('merges finalizers as a set and removes with $deleteFromPrimitiveList', () => {
    const out = strategicMergePatch('ConfigMap', { metadata: { finalizers: ['a', 'b'] } }, { metadata: { finalizers: ['b', 'c'], '$deleteFromPrimitiveList/finalizers': ['a'] } }) as Wire;
    expect(out.metadata.finalizers).toEqual(['b', 'c']);
  });

  it('applies over HTTP with the strategic content type', async () => {
    await h.apps.createNamespacedDeployment({ namespace: 'p', body: { metadata: { name: 's' }, spec: { selector: { matchLabels: { app: 'llm' } }, template: podTemplate } } });
    const d = await h.apps.patchNamespacedDeployment({ namespace: 'p', name: 's', body: {
      spec: { template: { spec: { containers: [{ name: 'server', env: [{ name: 'A', $patch: 'delete' }] }] } } },
    } }, strategicPatch);
    const server = d.spec!.template.spec!.containers.find((c) => c.name === 'server')!;
    expect(server.env).toEqual([{ name: 'B', value: '2' }]);
    expect(d.spec!.template.spec!.containers).toHaveLength(2);
  });

  it('is refused for a custom resource with 415, naming the accepted types', async () => {
    await h.custom.createNamespacedCustomObject({ group: 'gateway.networking.k8s.io', version: 'v1', namespace: 'p', plural: 'httproutes',
      body: { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: 'route' }, spec: { parentRefs: [{ name: 'gw' }], rules: [{ backendRefs: [{ name: 'llm', port: 8000 }] }] } } });
    const res = await h.raw('PATCH', '/apis/gateway.networking.k8s.io/v1/namespaces/p/httproutes/route', { spec: {} }, 'application/strategic-merge-patch+json');
    expect(res.status).toBe(415);
    expect(res.body).toMatchObject({ reason: 'UnsupportedMediaType', code: 415,
      message: 'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml' });
    const merged = await h.custom.patchNamespacedCustomObject({ group: 'gateway.networking.k8s.io', version: 'v1', namespace: 'p', plural: 'httproutes', name: 'route',
      body: { spec: { hostnames: ['llm.example.org'] } } }, mergePatch) as Wire;
    expect(merged.spec.hostnames).toEqual(['llm.example.org']);
    expect(merged.spec.rules[0].backendRefs[0]).toEqual({ group: '', kind: 'Service', name: 'llm', port: 8000, weight: 1 });
    expect(merged.metadata.generation).toBe(2);
  });
});

describe('JSON patch (RFC 6902)', () => {
  it('runs add, replace, remove, move, copy and test', () => {
    const doc = { a: { b: [1, 2] }, c: 'x' };
    const out = applyJsonPatch(doc, [
      { op: 'add', path: '/a/b/-', value: 3 },
      { op: 'replace', path: '/c', value: 'y' },
      { op: 'copy', from: '/c', path: '/d' },
      { op: 'move', from: '/d', path: '/e' },
      { op: 'remove', path: '/a/b/0' },
      { op: 'test', path: '/e', value: 'y' },
      { op: 'add', path: '/a/k~1v', value: true },
    ]);
    expect(out).toEqual({ a: { b: [2, 3], 'k/v': true }, c: 'y', e: 'y' });
    expect(doc).toEqual({ a: { b: [1, 2] }, c: 'x' });
  });

  it('scales a deployment over HTTP and refuses a failed test with 422', async () => {
    const d = await h.apps.patchNamespacedDeployment({ namespace: 'p', name: 's', body: [{ op: 'replace', path: '/spec/replicas', value: 3 }] }, jsonPatch);
    expect(d.spec?.replicas).toBe(3);
    const err = await apiError(h.apps.patchNamespacedDeployment({ namespace: 'p', name: 's', body: [{ op: 'test', path: '/spec/replicas', value: 1 }] }, jsonPatch));
    expect(err.code).toBe(422);
    expect(err.body.reason).toBe('Invalid');
    const missing = await apiError(h.apps.patchNamespacedDeployment({ namespace: 'p', name: 's', body: [{ op: 'replace', path: '/spec/nope/x', value: 1 }] }, jsonPatch));
    expect(missing.code).toBe(422);
  });

  it('answers PATCH on a missing object with 404', async () => {
    const err = await apiError(h.core.patchNamespacedConfigMap({ namespace: 'p', name: 'ghost', body: { data: { a: 'b' } } }, mergePatch));
    expect(err.code).toBe(404);
  });

  it('refuses an unknown patch content type with 415', async () => {
    const res = await h.raw('PATCH', '/api/v1/namespaces/p/configmaps/x', '{}', 'application/json');
    expect(res.status).toBe(415);
    expect(res.body.message).toBe('the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json');
  });
});
