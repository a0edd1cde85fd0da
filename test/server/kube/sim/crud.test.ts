import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SimHarness, apiError, eventually, mergePatch, startHarness } from './helpers';

let h: SimHarness;
beforeAll(async () => {
  h = await startHarness();
  await h.core.createNamespace({ body: { metadata: { name: 'crud' } } });
});
afterAll(async () => {
  await h.sim.close();
});

describe('create, read, update, delete', () => {
  it('creates with server-set metadata and reads it back', async () => {
    const created = await h.core.createNamespacedConfigMap({ namespace: 'crud', body: { metadata: { name: 'guard-config', labels: { a: '1' } }, data: { 'policy.yaml': 'x: 1' } } });
    expect(created.metadata?.uid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(created.metadata?.creationTimestamp).toBeInstanceOf(Date);
    expect(Number(created.metadata?.resourceVersion)).toBeGreaterThan(0);
    expect(created.metadata?.generation).toBeUndefined();
    const read = await h.core.readNamespacedConfigMap({ namespace: 'crud', name: 'guard-config' });
    expect(read.data).toEqual({ 'policy.yaml': 'x: 1' });
    expect(read.metadata?.resourceVersion).toBe(created.metadata?.resourceVersion);
  });

  it('serialises kind, apiVersion and metadata first, as the API server does', async () => {
    const res = await h.raw('GET', '/api/v1/namespaces/crud/configmaps/guard-config');
    expect(Object.keys(res.body).slice(0, 3)).toEqual(['kind', 'apiVersion', 'metadata']);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(res.headers.get('audit-id')).toBeTruthy();
  });

  it('answers a missing object with a NotFound Status', async () => {
    const res = await h.raw('GET', '/apis/apps/v1/namespaces/crud/deployments/nope');
    expect(res.status).toBe(404);
    expect(res.body).toEqual({
      kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure',
      message: 'deployments.apps "nope" not found', reason: 'NotFound',
      details: { name: 'nope', group: 'apps', kind: 'deployments' }, code: 404,
    });
    const err = await apiError(h.core.readNamespacedPod({ namespace: 'crud', name: 'nope' }));
    expect(err.code).toBe(404);
    expect(err.body.message).toBe('pods "nope" not found');
  });

  it('refuses a duplicate with AlreadyExists', async () => {
    const err = await apiError(h.core.createNamespacedConfigMap({ namespace: 'crud', body: { metadata: { name: 'guard-config' } } }));
    expect(err.code).toBe(409);
    expect(err.body).toMatchObject({ reason: 'AlreadyExists', message: 'configmaps "guard-config" already exists', details: { name: 'guard-config', kind: 'configmaps' } });
  });

  it('refuses objects in a namespace that does not exist', async () => {
    const err = await apiError(h.core.createNamespacedSecret({ namespace: 'ghost', body: { metadata: { name: 's' } } }));
    expect(err.code).toBe(404);
    expect(err.body).toMatchObject({ reason: 'NotFound', message: 'namespaces "ghost" not found', details: { name: 'ghost', kind: 'namespaces' } });
  });

  it('generates names from generateName with the real suffix alphabet', async () => {
    const a = await h.core.createNamespacedConfigMap({ namespace: 'crud', body: { metadata: { generateName: 'gen-' } } });
    expect(a.metadata?.name).toMatch(/^gen-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
  });

  it('updates with optimistic concurrency and rejects a stale resourceVersion with Conflict', async () => {
    const cur = await h.core.readNamespacedConfigMap({ namespace: 'crud', name: 'guard-config' });
    const updated = await h.core.replaceNamespacedConfigMap({ namespace: 'crud', name: 'guard-config', body: { ...cur, data: { 'policy.yaml': 'x: 2' } } });
    expect(Number(updated.metadata?.resourceVersion)).toBeGreaterThan(Number(cur.metadata?.resourceVersion));
    const err = await apiError(h.core.replaceNamespacedConfigMap({ namespace: 'crud', name: 'guard-config', body: { ...cur, data: { 'policy.yaml': 'x: 3' } } }));
    expect(err.code).toBe(409);
    expect(err.body).toEqual({
      kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure',
      message: 'Operation cannot be fulfilled on configmaps "guard-config": the object has been modified; please apply your changes to the latest version and try again',
      reason: 'Conflict', details: { name: 'guard-config', kind: 'configmaps' }, code: 409,
    });
  });

  it('words the Conflict for grouped kinds with the group (deployments.apps)', async () => {
    const d = await h.apps.createNamespacedDeployment({ namespace: 'crud', body: {
      metadata: { name: 'conflicted' },
      spec: { selector: { matchLabels: { app: 'c' } }, template: { metadata: { labels: { app: 'c' } }, spec: { containers: [{ name: 'c', image: 'nginx:1.27' }] } } },
    } });
    // The controllers write status too, so the created object is stale at once; a patch
    // carrying its resourceVersion is a precondition, exactly like an update.
    await eventually(async () => (await h.apps.readNamespacedDeployment({ namespace: 'crud', name: 'conflicted' })).metadata?.resourceVersion !== d.metadata?.resourceVersion);
    const err = await apiError(h.apps.patchNamespacedDeployment({ namespace: 'crud', name: 'conflicted',
      body: { metadata: { resourceVersion: d.metadata!.resourceVersion }, spec: { replicas: 3 } } }, mergePatch));
    expect(err.body.message).toBe('Operation cannot be fulfilled on deployments.apps "conflicted": the object has been modified; please apply your changes to the latest version and try again');
    expect(err.body.details).toEqual({ name: 'conflicted', group: 'apps', kind: 'deployments' });
  });

  it('requires a resourceVersion to update a custom resource (HTTPRoute)', async () => {
    await h.custom.createNamespacedCustomObject({ group: 'gateway.networking.k8s.io', version: 'v1', namespace: 'crud', plural: 'httproutes',
      body: { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: 'r' }, spec: { parentRefs: [{ name: 'gw' }] } } });
    const res = await h.raw('PUT', '/apis/gateway.networking.k8s.io/v1/namespaces/crud/httproutes/r',
      { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: 'r' }, spec: { parentRefs: [{ name: 'gw2' }] } });
    expect(res.status).toBe(422);
    expect(res.body.message).toBe('HTTPRoute.gateway.networking.k8s.io "r" is invalid: metadata.resourceVersion: Invalid value: 0x0: must be specified for an update');
  });

  it('rejects a body whose name differs from the URL', async () => {
    const res = await h.raw('PUT', '/api/v1/namespaces/crud/configmaps/guard-config', { metadata: { name: 'other' } });
    expect(res.status).toBe(400);
    expect(res.body.message).toBe('the name of the object (other) does not match the name on the URL (guard-config)');
  });

  it('deletes: Status for most kinds, the object for pods, then 404', async () => {
    const res = await h.raw('DELETE', '/api/v1/namespaces/crud/configmaps/guard-config');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ kind: 'Status', status: 'Success', details: { name: 'guard-config', kind: 'configmaps' } });
    expect((await h.raw('GET', '/api/v1/namespaces/crud/configmaps/guard-config')).status).toBe(404);
    expect((await h.raw('DELETE', '/api/v1/namespaces/crud/configmaps/guard-config')).status).toBe(404);
  });

  it('checks delete preconditions', async () => {
    await h.core.createNamespacedSecret({ namespace: 'crud', body: { metadata: { name: 'pre' }, stringData: { a: 'b' } } });
    const res = await h.raw('DELETE', '/api/v1/namespaces/crud/secrets/pre', { preconditions: { uid: 'not-the-uid' } });
    expect(res.status).toBe(409);
    expect(res.body.message).toMatch(/^Operation cannot be fulfilled on secrets "pre": Precondition failed: UID in precondition: not-the-uid, UID in object meta: /);
  });

  it('serves methods a resource does not allow with 405', async () => {
    const res = await h.raw('POST', '/api/v1/namespaces/crud/configmaps/x', {});
    expect(res.status).toBe(405);
    expect(res.body.reason).toBe('MethodNotAllowed');
  });
});

describe('validation (422 Invalid)', () => {
  it('names DNS-1123 subdomain violations with the real message', async () => {
    const err = await apiError(h.core.createNamespacedConfigMap({ namespace: 'crud', body: { metadata: { name: 'Bad_Name' } } }));
    expect(err.code).toBe(422);
    expect(err.body.reason).toBe('Invalid');
    expect(err.body.message).toBe(`ConfigMap "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`);
    expect(err.body.details).toMatchObject({ name: 'Bad_Name', kind: 'ConfigMap', causes: [{ reason: 'FieldValueInvalid', field: 'metadata.name' }] });
  });

  it('uses DNS-1123 labels for namespaces and DNS-1035 labels for services', async () => {
    const ns = await apiError(h.core.createNamespace({ body: { metadata: { name: 'a.b' } } }));
    expect(ns.body.message).toContain('a lowercase RFC 1123 label must consist of');
    const svc = await apiError(h.core.createNamespacedService({ namespace: 'crud', body: { metadata: { name: '1svc' }, spec: { ports: [{ port: 80 }] } } }));
    expect(svc.body.message).toContain('a DNS-1035 label must consist of lower case alphanumeric characters');
  });

  it('lists every missing required field of a deployment', async () => {
    const err = await apiError(h.apps.createNamespacedDeployment({ namespace: 'crud', body: {
      metadata: { name: 'broken' }, spec: { template: { metadata: { labels: { app: 'x' } }, spec: { containers: [{ name: 'c' }] } } } as never,
    } }));
    expect(err.code).toBe(422);
    expect(err.body.message).toBe('Deployment.apps "broken" is invalid: [spec.selector: Required value, spec.template.spec.containers[0].image: Required value]');
    expect(err.body.details.causes).toEqual([
      { reason: 'FieldValueRequired', message: 'Required value', field: 'spec.selector' },
      { reason: 'FieldValueRequired', message: 'Required value', field: 'spec.template.spec.containers[0].image' },
    ]);
    expect(err.body.details.group).toBe('apps');
  });

  it('refuses a selector that does not match the template labels', async () => {
    const err = await apiError(h.apps.createNamespacedDeployment({ namespace: 'crud', body: {
      metadata: { name: 'mismatch' },
      spec: { selector: { matchLabels: { app: 'a' } }, template: { metadata: { labels: { app: 'b' } }, spec: { containers: [{ name: 'c', image: 'i:1' }] } } },
    } }));
    expect(err.body.message).toBe('Deployment.apps "mismatch" is invalid: spec.template.metadata.labels: Invalid value: map[string]string{"app":"b"}: `selector` does not match template `labels`');
  });

  it('requires GPU requests to equal limits and to be whole', async () => {
    const err = await apiError(h.core.createNamespacedPod({ namespace: 'crud', body: { metadata: { name: 'gpu' }, spec: { containers: [{ name: 'c', image: 'i:1', resources: { requests: { 'nvidia.com/gpu': '1' } } }] } } }));
    expect(err.body.message).toBe('Pod "gpu" is invalid: spec.containers[0].resources.limits: Required value: Limit must be set for non overcommitable resources');
  });

  it('keeps the deployment selector immutable', async () => {
    const d = await h.apps.readNamespacedDeployment({ namespace: 'crud', name: 'conflicted' });
    const err = await apiError(h.apps.replaceNamespacedDeployment({ namespace: 'crud', name: 'conflicted', body: {
      ...d, spec: { ...d.spec!, selector: { matchLabels: { app: 'c', tier: 'x' } }, template: { ...d.spec!.template, metadata: { labels: { app: 'c', tier: 'x' } } } },
    } }));
    expect(err.code).toBe(422);
    expect(err.body.details.causes[0]).toMatchObject({ field: 'spec.selector', reason: 'FieldValueInvalid' });
    expect(err.body.details.causes[0].message).toContain('field is immutable');
  });

  it('turns a malformed quantity into a 400 decoding error', async () => {
    const res = await h.raw('POST', '/api/v1/namespaces/crud/pods', { metadata: { name: 'q' }, spec: { containers: [{ name: 'c', image: 'i:1', resources: { limits: { cpu: 'lots' } } }] } });
    expect(res.status).toBe(400);
    expect(res.body.message).toBe(`Pod in version "v1" cannot be handled as a Pod: quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'`);
  });
});

describe('defaulting and metadata', () => {
  it('canonicalises quantities and fills the API defaults of a deployment', async () => {
    const d = await h.apps.createNamespacedDeployment({ namespace: 'crud', body: {
      metadata: { name: 'defaults' },
      spec: { selector: { matchLabels: { app: 'd' } }, template: { metadata: { labels: { app: 'd' } }, spec: { containers: [{
        name: 'c', image: 'registry.local/llm:latest', ports: [{ containerPort: 80 }], resources: { limits: { memory: '1024Mi', cpu: '0.5' } },
      }] } } },
    } });
    expect(d.spec?.replicas).toBe(1);
    expect(d.spec?.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } });
    expect(d.spec?.revisionHistoryLimit).toBe(10);
    expect(d.spec?.progressDeadlineSeconds).toBe(600);
    const c = d.spec!.template.spec!.containers[0]!;
    expect(c.resources?.limits).toEqual({ memory: '1Gi', cpu: '500m' });
    expect(c.resources?.requests).toBeUndefined();
    expect(c.imagePullPolicy).toBe('Always');
    expect(c.ports?.[0]?.protocol).toBe('TCP');
    expect(c.terminationMessagePath).toBe('/dev/termination-log');
    expect(d.spec!.template.spec!.restartPolicy).toBe('Always');
    expect(d.spec!.template.spec!.schedulerName).toBe('default-scheduler');
  });

  it('bumps generation on spec changes only', async () => {
    const d = await h.apps.readNamespacedDeployment({ namespace: 'crud', name: 'defaults' });
    expect(d.metadata?.generation).toBe(1);
    const labelled = await h.apps.patchNamespacedDeployment({ namespace: 'crud', name: 'defaults', body: { metadata: { labels: { x: 'y' } } } },
      mergePatch);
    expect(labelled.metadata?.generation).toBe(1);
    const scaled = await h.apps.patchNamespacedDeployment({ namespace: 'crud', name: 'defaults', body: { spec: { replicas: 2 } } },
      mergePatch);
    expect(scaled.metadata?.generation).toBe(2);
    await eventually(async () => (await h.apps.readNamespacedDeployment({ namespace: 'crud', name: 'defaults' })).status?.observedGeneration === 2);
  });

  it('does not write a no-op update (resourceVersion unchanged)', async () => {
    const cm = await h.core.createNamespacedConfigMap({ namespace: 'crud', body: { metadata: { name: 'same' }, data: { a: 'b' } } });
    const again = await h.core.replaceNamespacedConfigMap({ namespace: 'crud', name: 'same', body: cm });
    expect(again.metadata?.resourceVersion).toBe(cm.metadata?.resourceVersion);
  });

  it('ignores status on the main resource and spec on /status', async () => {
    const d = await h.apps.readNamespacedDeployment({ namespace: 'crud', name: 'defaults' });
    const res = await h.raw('PUT', '/apis/apps/v1/namespaces/crud/deployments/defaults', { ...d, metadata: { name: 'defaults' }, status: { replicas: 99 } });
    expect(res.body.status.replicas).not.toBe(99);
    // The simulated deployment controller may write status between our read and our
    // write (409, as on a real server): re-read and try again, as a client must.
    let cur = (await h.raw('GET', '/apis/apps/v1/namespaces/crud/deployments/defaults')).body;
    let st = await h.raw('PUT', '/apis/apps/v1/namespaces/crud/deployments/defaults/status', { ...cur, spec: { ...cur.spec, replicas: 7 }, status: { ...cur.status, replicas: 42 } });
    for (let attempt = 0; attempt < 5 && st.status === 409; attempt += 1) {
      cur = (await h.raw('GET', '/apis/apps/v1/namespaces/crud/deployments/defaults')).body;
      st = await h.raw('PUT', '/apis/apps/v1/namespaces/crud/deployments/defaults/status', { ...cur, spec: { ...cur.spec, replicas: 7 }, status: { ...cur.status, replicas: 42 } });
    }
    expect(st.status).toBe(200);
    expect(st.body.spec.replicas).toBe(cur.spec.replicas);
    expect(st.body.status.replicas).toBe(42);
  });

  it('dryRun=All validates and admits but stores nothing', async () => {
    const res = await h.raw('POST', '/api/v1/namespaces/crud/configmaps?dryRun=All', { metadata: { name: 'dry' }, data: { a: 'b' } });
    expect(res.status).toBe(201);
    expect(res.body.metadata.uid).toBeTruthy();
    expect((await h.raw('GET', '/api/v1/namespaces/crud/configmaps/dry')).status).toBe(404);
    const bad = await h.raw('POST', '/api/v1/namespaces/crud/configmaps?dryRun=All', { metadata: { name: 'BAD' } });
    expect(bad.status).toBe(422);
    await h.core.createNamespacedConfigMap({ namespace: 'crud', body: { metadata: { name: 'keep' } } });
    expect((await h.raw('DELETE', '/api/v1/namespaces/crud/configmaps/keep?dryRun=All')).status).toBe(200);
    expect((await h.raw('GET', '/api/v1/namespaces/crud/configmaps/keep')).status).toBe(200);
  });

  it('holds deletion for finalizers and completes it when they are removed', async () => {
    await h.core.createNamespacedConfigMap({ namespace: 'crud', body: { metadata: { name: 'held', finalizers: ['leitstand.io/cleanup'] } } });
    const del = await h.raw('DELETE', '/api/v1/namespaces/crud/configmaps/held');
    expect(del.status).toBe(200);
    expect(del.body.metadata.deletionTimestamp).toBeTruthy();
    const still = await h.core.readNamespacedConfigMap({ namespace: 'crud', name: 'held' });
    expect(still.metadata?.deletionTimestamp).toBeInstanceOf(Date);
    const add = await h.raw('PATCH', '/api/v1/namespaces/crud/configmaps/held', { metadata: { finalizers: ['leitstand.io/cleanup', 'other.io/x'] } }, 'application/merge-patch+json');
    expect(add.status).toBe(403);
    await h.raw('PATCH', '/api/v1/namespaces/crud/configmaps/held', { metadata: { finalizers: null } }, 'application/merge-patch+json');
    expect((await h.raw('GET', '/api/v1/namespaces/crud/configmaps/held')).status).toBe(404);
  });

  it('garbage-collects dependents of a deleted owner', async () => {
    const owner = await h.core.createNamespacedConfigMap({ namespace: 'crud', body: { metadata: { name: 'owner' } } });
    await h.core.createNamespacedSecret({ namespace: 'crud', body: { metadata: { name: 'dependent', ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: owner.metadata!.uid! }] } } });
    await h.core.deleteNamespacedConfigMap({ namespace: 'crud', name: 'owner' });
    await eventually(async () => (await h.raw('GET', '/api/v1/namespaces/crud/secrets/dependent')).status === 404);
  });

  it('orphans dependents with propagationPolicy=Orphan', async () => {
    const owner = await h.core.createNamespacedConfigMap({ namespace: 'crud', body: { metadata: { name: 'owner2' } } });
    await h.core.createNamespacedSecret({ namespace: 'crud', body: { metadata: { name: 'orphan', ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'owner2', uid: owner.metadata!.uid! }] } } });
    await h.core.deleteNamespacedConfigMap({ namespace: 'crud', name: 'owner2', propagationPolicy: 'Orphan' });
    await eventually(async () => (await h.raw('GET', '/api/v1/namespaces/crud/configmaps/owner2')).status === 404);
    const s = await h.core.readNamespacedSecret({ namespace: 'crud', name: 'orphan' });
    expect(s.metadata?.ownerReferences ?? []).toEqual([]);
  });
});

describe('list', () => {
  it('returns the collection resourceVersion and items without apiVersion/kind', async () => {
    const res = await h.raw('GET', '/api/v1/namespaces/crud/configmaps');
    expect(res.body.kind).toBe('ConfigMapList');
    expect(res.body.apiVersion).toBe('v1');
    expect(Number(res.body.metadata.resourceVersion)).toBeGreaterThan(0);
    expect(res.body.items[0].kind).toBeUndefined();
    const routes = await h.raw('GET', '/apis/gateway.networking.k8s.io/v1/namespaces/crud/httproutes');
    expect(routes.body.items[0].kind).toBe('HTTPRoute');
  });

  it('pages with limit and continue in key order', async () => {
    for (let i = 0; i < 5; i++) await h.core.createNamespacedConfigMap({ namespace: 'crud', body: { metadata: { name: `page-${i}`, labels: { paged: 'yes' } } } });
    const names: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await h.core.listNamespacedConfigMap({ namespace: 'crud', labelSelector: 'paged=yes', limit: 2, _continue: token });
      names.push(...page.items.map((i) => i.metadata!.name!));
      token = page.metadata?._continue;
      if (token) expect(page.metadata?.remainingItemCount).toBeGreaterThan(0);
      pages++;
    } while (token);
    expect(pages).toBe(3);
    expect(names).toEqual(['page-0', 'page-1', 'page-2', 'page-3', 'page-4']);
  });

  it('lists across namespaces in namespace/name order', async () => {
    const all = await h.core.listConfigMapForAllNamespaces();
    const keys = all.items.map((i) => `${i.metadata!.namespace}/${i.metadata!.name}`);
    expect(keys).toEqual([...keys].sort());
    expect(keys).toContain('kube-system/kube-root-ca.crt');
  });
});

describe('leases', () => {
  it('round-trips MicroTime fields and keeps node leases in kube-node-lease', async () => {
    const now = new Date();
    const lease = await h.coordination.createNamespacedLease({ namespace: 'crud', body: {
      metadata: { name: 'leitstand-controllers' },
      spec: { holderIdentity: 'replica-1', leaseDurationSeconds: 15, acquireTime: now, renewTime: now, leaseTransitions: 0 },
    } });
    expect(lease.spec?.holderIdentity).toBe('replica-1');
    // client-node hands MicroTime back as the server's string: six fractional digits
    const raw = await h.raw('GET', '/apis/coordination.k8s.io/v1/namespaces/crud/leases/leitstand-controllers');
    expect(raw.body.spec.renewTime).toBe(now.toISOString().replace(/Z$/, '000Z'));
    expect(new Date(String(lease.spec?.renewTime)).getTime()).toBe(now.getTime());
    const bad = await apiError(h.coordination.createNamespacedLease({ namespace: 'crud', body: { metadata: { name: 'bad' }, spec: { leaseDurationSeconds: 0 } } }));
    expect(bad.body.message).toBe('Lease.coordination.k8s.io "bad" is invalid: spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0');
    const nodeLeases = await h.coordination.listNamespacedLease({ namespace: 'kube-node-lease' });
    expect(nodeLeases.items).toHaveLength(7);
  });
});

describe('secrets', () => {
  it('stores stringData base64-encoded in data and drops stringData', async () => {
    const s = await h.core.createNamespacedSecret({ namespace: 'crud', body: { metadata: { name: 'store-credentials' }, stringData: { password: 'hunter2' }, data: { user: Buffer.from('app').toString('base64') } } });
    expect(s.type).toBe('Opaque');
    expect(s.data).toEqual({ user: 'YXBw', password: 'aHVudGVyMg==' });
    expect(s.stringData).toBeUndefined();
  });

  it('refuses data that is not base64 with a 400 decoding error', async () => {
    const res = await h.raw('POST', '/api/v1/namespaces/crud/secrets', { metadata: { name: 'bad' }, data: { k: 'not base64!' } });
    expect(res.status).toBe(400);
    expect(res.body.message).toBe('Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte 3');
  });
});
